"""The account page (/account): your passkeys and authenticator app (add, remove), new recovery codes (shown
once), your sessions, and "overal uitloggen".

Changing factors needs a session that did its second step (or a person without any factor yet: the first
set-up), so a mail link alone never adds or removes one; `services.account` decides that, and whether a code
or passkey is valid (`services.factors` tells the person by mail).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_datetime

from ...domain.errors import SecondFactorRequired, ValidationFailed
from ...domain.factors import FactorSummary
from ...domain.sessions import PersonSessionView
from ...domain.signin import SignInFailed
from ..client import client_ip
from ..keys import services
from . import cookies, csrf, guard
from .devices import device_name
from .factors import DONE, SECOND_STEP, app_setup_page, form_next, onward, with_next
from .i18n import SOURCE_LANGUAGE
from .render import page, redirect

routes = web.RouteTableDef()

ACCOUNT = "/account"
#: times on the page are Dutch local time
ZONE = ZoneInfo("Europe/Amsterdam")


def when(moment: datetime | None) -> str:
    """A moment as the page shows it ("1 december 2026 11:05"); empty for never."""
    if moment is None:
        return ""
    return format_datetime(moment, "d MMMM y HH:mm", tzinfo=ZONE, locale=SOURCE_LANGUAGE)


async def _changer(request: web.Request) -> tuple[PersonSessionView, FactorSummary]:
    """The signed-in person and their factors, if this session may change them (the account service says);
    else to the second step first."""
    await guard.signed_in(request)
    view, summary, may_change = await services(request).account.overview(guard.token_or_401(request))
    if not may_change:
        raise redirect(with_next(SECOND_STEP, ACCOUNT))
    return view, summary


@routes.get(ACCOUNT)
async def account(request: web.Request) -> web.Response:
    """Your factors and sessions."""
    view, summary = await _changer(request)
    svc = services(request)
    sessions = await svc.sessions.sessions_of(guard.token_or_401(request))
    context: dict[str, Any] = {
        "view": view,
        "summary": summary,
        "passkeys": [
            {"info": p, "created": when(p.created_at), "used": when(p.last_used_at)} for p in summary.passkeys
        ],
        "totp_created": when(summary.totp.created_at) if summary.totp else "",
        "sessions": [
            {
                "info": s,
                "created": when(s.created_at),
                "seen": when(s.last_seen_at),
                "device": device_name(s.user_agent),
            }
            for s in sessions
        ],
        "notice": request.query.get("gelukt", ""),
    }
    return page(request, "account.html", context)


@routes.post(ACCOUNT + "/factor/{factor_id}/verwijderen")
async def remove_factor(request: web.Request) -> web.Response:
    """Remove a passkey or the authenticator app (the person is told by mail)."""
    await csrf.checked_form(request)
    await _changer(request)
    await services(request).account.remove(guard.token_or_401(request), request.match_info["factor_id"])
    raise redirect(ACCOUNT + "?gelukt=verwijderd")


@routes.get(ACCOUNT + "/app")
async def app_setup(request: web.Request) -> web.Response:
    """Set up an authenticator app from the account page."""
    view, _ = await _changer(request)
    return await app_setup_page(request, view, ACCOUNT + "/app", None)


@routes.post(ACCOUNT + "/app")
async def app_confirm(request: web.Request) -> web.Response:
    """Confirm the app with one code from it; as the person's first factor it also completes this session's
    second step (then on to make recovery codes, as after the first set-up at sign-in)."""
    form = await csrf.checked_form(request)
    view, _ = await _changer(request)
    try:
        _, issued = await services(request).account.confirm_totp(
            guard.token_or_401(request), str(form.get("setup_id", "")), str(form.get("code", "")), client_ip(request)
        )
    except (SignInFailed, ValidationFailed):
        return await app_setup_page(request, view, ACCOUNT + "/app", None, error=True)
    if issued is not None:  # the person's first factor: this session's second step is done too
        onward(request, issued, with_next(DONE, ACCOUNT))
    raise redirect(ACCOUNT + "?gelukt=app")


@routes.post(ACCOUNT + "/herstelcodes")
async def recovery_codes(request: web.Request) -> web.Response:
    """A new set of recovery codes, shown this once (the old set stops working). Only after the second step:
    otherwise a mail link alone could make codes and pass the step with them."""
    form = await csrf.checked_form(request)
    view = await guard.signed_in(request)
    next_path = form_next(form)
    svc = services(request)
    had_codes = (await svc.factors.summary(view.person_id)).recovery_codes_left > 0  # only to say they stopped
    try:
        codes = await svc.account.new_recovery_codes(guard.token_or_401(request))
    except SecondFactorRequired:
        raise redirect(with_next(SECOND_STEP, next_path or ACCOUNT)) from None
    return page(request, "herstelcodes.html", {"codes": codes, "onward": next_path or ACCOUNT, "replaced": had_codes})


@routes.post(ACCOUNT + "/overal-uitloggen")
async def sign_out_everywhere(request: web.Request) -> web.Response:
    """End every session of the person, this one too (possible even before the second step: it only ends)."""
    await csrf.checked_form(request)
    await services(request).sessions.sign_out_everywhere(guard.token_or_401(request))
    response = redirect("/?uitgelogd=overal")
    cookies.clear_session(response, request)
    raise response
