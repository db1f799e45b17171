"""The link in a mail about a change of one's sign-in address: a page with a button (mail scanners open
links and must confirm nothing), then the answer as a page. The JSON POST on the link stays for API clients."""

from __future__ import annotations

from aiohttp import web

from ...domain.errors import Unauthenticated
from ..client import client_ip
from ..keys import services
from . import csrf
from .errors import page_route
from .render import page

routes = web.RouteTableDef()


@routes.get("/auth/contact-change/{token}")
@page_route
async def change_landing(request: web.Request) -> web.StreamResponse:
    """The page the mail's link opens: what it is about and one button (a GET changes nothing)."""
    return page(request, "wijziging.html", {"link_token": request.match_info["token"][:64]})


@routes.post("/inloggen/wijziging")
async def confirm_change(request: web.Request) -> web.StreamResponse:
    """Confirm the change behind the link (once); say what happened."""
    form = await csrf.checked_form(request)
    try:
        await services(request).signin.contacts.confirm(str(form.get("token", "")), client_ip(request))
    except Unauthenticated:
        return page(request, "wijziging.html", {"failed": True}, status=401)
    return page(request, "wijziging_klaar.html")
