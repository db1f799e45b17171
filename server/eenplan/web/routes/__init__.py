"""Route modules, one per resource; each exposes a `table` (RouteTable)."""
