"""A GET of an address that only takes a form's POST — what a browser does on a refresh after a form error,
or with a bookmark — goes back (303) to the page the form lives on, instead of a dead-end 405 page."""

from __future__ import annotations

from aiohttp import web

from ...domain.sessions import safe_next
from ..registry import Handler
from .factors import SECOND_STEP, with_next

routes = web.RouteTableDef()

#: each POST-only form address and the page its form is on
FORM_PAGES = {
    "/inloggen": "/",
    "/inloggen/link": "/",
    "/inloggen/wijziging": "/",
    "/uitloggen": "/",
    SECOND_STEP + "/code": SECOND_STEP,
    SECOND_STEP + "/herstelcode": SECOND_STEP,
    "/account/herstelcodes": "/account",
    "/account/overal-uitloggen": "/account",
    "/account/factor/{factor_id}/verwijderen": "/account",
}


def _back_to(target: str) -> Handler:
    """The GET handler that sends a browser from a form's POST address back to `target`."""

    async def back(request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther(with_next(target, safe_next(request.query.get("next"))))

    return back


for _path, _target in FORM_PAGES.items():
    routes.get(_path)(_back_to(_target))
