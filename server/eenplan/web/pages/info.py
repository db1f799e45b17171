"""Pages anyone may read without signing in: the accessibility statement and what eenplan is."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from babel.dates import format_date

from .i18n import SOURCE_LANGUAGE
from .render import page

routes = web.RouteTableDef()

#: when the accessibility statement was last checked against the pages (change it with the statement)
STATEMENT_DATE = date(2026, 12, 1)


@routes.get("/toegankelijkheid")
async def accessibility(request: web.Request) -> web.StreamResponse:
    """The toegankelijkheidsverklaring: what we aim for (WCAG 2.1 AA), how we test, what is known to fall short."""
    shown = format_date(STATEMENT_DATE, "d MMMM y", locale=SOURCE_LANGUAGE)
    return page(request, "toegankelijkheid.html", {"statement_date": shown})


@routes.get("/over")
async def about(request: web.Request) -> web.StreamResponse:
    """What eenplan is and how it handles the family's data."""
    return page(request, "over.html")
