"""Pages anyone may read without signing in: the accessibility statement and what eenplan is."""

from __future__ import annotations

from aiohttp import web

from .render import page

routes = web.RouteTableDef()


@routes.get("/toegankelijkheid")
async def accessibility(request: web.Request) -> web.StreamResponse:
    """The toegankelijkheidsverklaring: what we aim for (WCAG 2.1 AA), how we test, what is known to fall short."""
    return page(request, "toegankelijkheid.html")


@routes.get("/over")
async def about(request: web.Request) -> web.StreamResponse:
    """What eenplan is and how it handles the family's data."""
    return page(request, "over.html")
