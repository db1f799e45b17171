"""Signing in from the browser: the start page with the sign-in form, "check your mail", the magic link's
landing page (a button: mail scanners open links), choosing who you are, and signing out.

The core (services.signin, services.sessions) decides everything; these pages ask it and set the cookie.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from typing import NoReturn

from aiohttp import web

from ...domain.addresses import address_problem
from ...domain.errors import Unauthenticated, ValidationFailed
from ...domain.sessions import IssuedSession, safe_next
from ..client import client_ip
from ..keys import services
from . import cookies, csrf, guard
from .errors import page_route
from .factors import landing
from .i18n import _
from .keys import PERSON
from .render import page

routes = web.RouteTableDef()

#: at most this much of the browser's User-Agent is kept with the session ("your sessions")
USER_AGENT_CHARS = 120
#: household ids in old mail links (`/?huishouden=…`): uuids, or the demo's short ids
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _user_agent(request: web.Request) -> str:
    return request.headers.get("User-Agent", "")[:USER_AGENT_CHARS]


def with_next(path: str, next_path: str | None) -> str:
    """A local path with `?next=` when there is somewhere to return to."""
    return f"{path}?{urllib.parse.urlencode({'next': next_path})}" if next_path else path


async def _soft_person(request: web.Request) -> None:
    """Look up the signed-in person for the layout, if there is one (the start page works either way)."""
    token = cookies.session_token(request)
    if token is None:
        return
    try:
        request[PERSON] = await services(request).sessions.person_session(token)
    except Unauthenticated:
        return


@routes.get("/")
async def start(request: web.Request) -> web.StreamResponse:
    """What eenplan is, and the sign-in form. `/?huishouden=<id>` (links in older mails) goes to that household."""
    household = request.query.get("huishouden", "")
    if household and len(household) <= 64 and set(household) <= _ID_CHARS:
        raise web.HTTPSeeOther(f"/huishoudens/{household}")
    await _soft_person(request)
    notice = _("U bent uitgelogd.") if "uitgelogd" in request.query else None
    return page(request, "start.html", {"next_path": safe_next(request.query.get("next")), "notice": notice})


@routes.post("/inloggen")
async def ask_link(request: web.Request) -> web.StreamResponse:
    """Send a sign-in link to the address (the answer never says whether the address is known)."""
    form = await csrf.checked_form(request)
    email = str(form.get("email", "")).strip()
    next_path = safe_next(str(form.get("next", "")) or None)
    if address_problem(email):
        return page(
            request,
            "start.html",
            {
                "email": email,
                "next_path": next_path,
                "email_error": (
                    _("Dit e-mailadres is niet compleet. Een e-mailadres ziet er zo uit: naam@voorbeeld.nl.")
                    if email
                    else _("Vul uw e-mailadres in. Een e-mailadres ziet er zo uit: naam@voorbeeld.nl.")
                ),
            },
            status=422,
        )
    try:
        await services(request).signin.request_link(email=email, client_ip=client_ip(request), next_path=next_path)
    except ValidationFailed:
        return page(
            request,
            "start.html",
            {"email": email, "next_path": next_path, "email_error": _("Dit e-mailadres kunnen wij niet gebruiken.")},
            status=422,
        )
    raise web.HTTPSeeOther("/inloggen/verstuurd")


@routes.get("/inloggen/verstuurd")
async def link_sent(request: web.Request) -> web.StreamResponse:
    """Check your mail: the link works once and for a short time."""
    return page(request, "verstuurd.html")


@routes.get("/auth/magic-link/{token}")
@page_route
async def link_landing(request: web.Request) -> web.StreamResponse:
    """The page a sign-in link opens: one button, so a mail scanner's GET uses nothing up."""
    return page(request, "link.html", {"link_token": request.match_info["token"][:64]})


@routes.post("/inloggen/link")
async def redeem(request: web.Request) -> web.StreamResponse:
    """Redeem the link (once): the browser gets a new session cookie and goes on to what is still to do."""
    form = await csrf.checked_form(request)
    try:
        issued = await services(request).signin.redeem_link(
            str(form.get("token", "")), client_ip(request), _user_agent(request)
        )
    except Unauthenticated:
        return page(
            request,
            "start.html",
            {"notice": _("Deze link werkt niet meer. Hij is al gebruikt of te oud. Vraag hieronder een nieuwe aan.")},
            status=401,
        )
    await signed_in_response(request, issued)


async def signed_in_response(request: web.Request, issued: IssuedSession) -> NoReturn:
    """After any sign-in: set the new cookie and go (a raised 303) to the second factor, the choice, or where
    the person was going (their households when nowhere in particular). The passkey sign-in uses this too."""
    view = await services(request).sessions.person_session(issued.token)
    next_path = safe_next(issued.next_path)
    if view.needs_second_factor:
        location = with_next("/inloggen/tweede-stap", next_path)
    elif view.choices_pending:
        location = with_next("/inloggen/kiezen", next_path)
    else:
        location = await landing(request, issued.token, next_path)
    response = web.HTTPSeeOther(location)
    cookies.set_session(response, request, issued)
    raise response


@routes.get("/inloggen/kiezen")
async def choose_page(request: web.Request) -> web.StreamResponse:
    """Where one address belongs to several betrokkenen of a household: say who you are there."""
    await guard.signed_in(request)
    choices = await services(request).people.choices(guard.token_or_401(request))
    next_path = safe_next(request.query.get("next"))
    if not choices:
        raise web.HTTPSeeOther(await landing(request, guard.token_or_401(request), next_path))
    return page(request, "kiezen.html", {"choices": choices, "next_path": next_path})


@routes.post("/inloggen/kiezen")
async def choose(request: web.Request) -> web.StreamResponse:
    """Record the choice for one household; then the next choice, or on to where the person was going."""
    form = await csrf.checked_form(request)
    await guard.signed_in(request)
    token = guard.token_or_401(request)
    household_id = str(form.get("household", ""))
    next_path = safe_next(str(form.get("next", "")) or None)
    betrokkene_id = str(form.get("betrokkene", ""))
    try:
        if not betrokkene_id:
            raise ValidationFailed.one("betrokkene", "choose one of the people listed")
        await services(request).people.choose(token, household_id, betrokkene_id)
    except ValidationFailed:
        choices = await services(request).people.choices(token)
        errors = {household_id: _("Kies wie u bent.")}
        return page(request, "kiezen.html", {"choices": choices, "next_path": next_path, "errors": errors}, status=422)
    if await services(request).people.choices(token):
        raise web.HTTPSeeOther(with_next("/inloggen/kiezen", next_path))
    raise web.HTTPSeeOther(await landing(request, token, next_path))


@routes.post("/uitloggen")
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End this browser's session at once and forget the cookie."""
    await csrf.checked_form(request)
    token = cookies.session_token(request)
    if token is not None:
        with contextlib.suppress(Unauthenticated):  # already ended: forgetting the cookie is all that is left
            await services(request).sessions.sign_out(token)
    response = web.HTTPSeeOther("/?uitgelogd=1")
    cookies.clear_session(response, request)
    raise response
