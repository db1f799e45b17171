"""eenplan_mail package."""
