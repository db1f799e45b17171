"""The HTTP interface: aiohttp app factory, routes, authentication, problem+json errors."""
