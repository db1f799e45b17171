"""eenplan_crypto package."""
