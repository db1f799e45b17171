"""The second step of sign-in (/inloggen/tweede-stap): prove it is you with a passkey, an authenticator app or
a recovery code — or, when you have none yet, set one up.

Pages only call the services and render: whether a code or a passkey is valid, and who may add or remove
factors, is `services.account`'s answer (over `services.factors`); whether the session needs the step is
`services.sessions`'s. Completing the step rotates the session (a new cookie). The passkey buttons are
JavaScript (static/passkey.js, the JSON in `passkeys.py`); everything else is a plain form.
"""

from __future__ import annotations

import base64
from typing import Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from ...domain.errors import SecondFactorRequired, ValidationFailed
from ...domain.sessions import IssuedSession, PersonSessionView, safe_next
from ...domain.signin import SignInFailed
from ..client import client_ip
from ..keys import services
from . import cookies, csrf, guard
from .render import page, redirect

routes = web.RouteTableDef()

SECOND_STEP = "/inloggen/tweede-stap"
DONE = "/inloggen/tweede-stap/klaar"


async def landing(request: web.Request, token: str, next_path: str | None) -> str:
    """Where a signed-in person goes: where they were going, else the start page the service chooses for them
    (the werkbank for a regisseur, their escalations for an aanspreekpunt, their households for everyone else)."""
    return next_path or (await services(request).caseload.start_page(token)).value


async def after_second_step(request: web.Request, token: str, view: PersonSessionView, next_path: str | None) -> str:
    """Where a person goes once the step is done: choose who they are first, else back to the mail's target
    (`token`: the session's, the rotated one when the step rotated it)."""
    if view.choices_pending:
        return with_next("/inloggen/kiezen", next_path)
    return await landing(request, token, next_path)


def with_next(path: str, next_path: str | None) -> str:
    """A local path carrying the return address along."""
    return path + ("?" + urlencode({"next": next_path}) if next_path else "")


def form_next(form: Any) -> str | None:
    """The return address a form carried (only a local path survives)."""
    value = form.get("next")
    return safe_next(value) if isinstance(value, str) else None


def onward(request: web.Request, issued: IssuedSession | None, target: str) -> NoReturn:
    """On to `target`; when the core rotated the session (the step is done), with the new token's cookie."""
    response = redirect(target)
    if issued is not None:
        cookies.set_session(response, request, issued)
    raise response


@routes.get(SECOND_STEP)
async def second_step(request: web.Request) -> web.Response:
    """Ask for the second factor, or offer to set one up when the person has none."""
    view = await guard.signed_in(request, second_factor=False)
    next_path = safe_next(request.query.get("next"))
    if view.second_factor:
        raise redirect(await after_second_step(request, guard.token_or_401(request), view, next_path))
    return await second_step_page(request, view, next_path)


async def second_step_page(
    request: web.Request, view: PersonSessionView, next_path: str | None, *, error: str | None = None
) -> web.Response:
    """The step's page: the ways the person has (verify), or the ways to set one up (none yet)."""
    summary = await services(request).factors.summary(view.person_id)
    context = {
        "summary": summary,
        "setting_up": not summary.can_pass_second_step,
        "next": next_path,
        "error": error,
    }
    return page(request, "tweede_stap.html", context, status=400 if error else 200)


@routes.post(SECOND_STEP + "/code")
async def verify_totp(request: web.Request) -> web.Response:
    """Check the six digits of the authenticator app."""
    return await _with_code(request, "totp")


@routes.post(SECOND_STEP + "/herstelcode")
async def use_recovery_code(request: web.Request) -> web.Response:
    """Use one recovery code (it then no longer works); afterwards the account page offers new ones."""
    return await _with_code(request, "recovery-code")


async def _with_code(request: web.Request, method: str) -> web.Response:
    """The second step with a typed code (`method`: "totp" or "recovery-code"): on, or the page again."""
    form = await csrf.checked_form(request)
    view = await guard.signed_in(request, second_factor=False)
    next_path = form_next(form)
    account = services(request).account
    check = account.verify_totp if method == "totp" else account.use_recovery_code
    try:
        issued = await check(guard.token_or_401(request), str(form.get("code", "")), client_ip(request))
    except (SignInFailed, ValidationFailed):
        return await second_step_page(request, view, next_path, error=method)
    token = issued.token if issued is not None else guard.token_or_401(request)
    onward(request, issued, await after_second_step(request, token, view, next_path))


@routes.get(SECOND_STEP + "/app")
async def app_setup(request: web.Request) -> web.Response:
    """Set up an authenticator app as the first factor: a QR code and the secret, then one code to confirm."""
    view = await guard.signed_in(request, second_factor=False)
    next_path = safe_next(request.query.get("next"))
    try:
        return await app_setup_page(request, view, SECOND_STEP + "/app", next_path)
    except SecondFactorRequired:  # the person has a factor already: prove it first
        raise redirect(with_next(SECOND_STEP, next_path)) from None


async def app_setup_page(
    request: web.Request, view: PersonSessionView, action: str, next_path: str | None, *, error: bool = False
) -> web.Response:
    """The authenticator-app set-up form (shared with the account page): a fresh secret each time it shows
    (SecondFactorRequired when this session may not add one)."""
    setup = await services(request).account.start_totp(guard.token_or_401(request))
    context = {
        "setup": setup,
        "qr_src": "data:image/svg+xml;base64," + base64.b64encode(setup.qr_svg.encode()).decode(),
        "secret_groups": " ".join(setup.secret[i : i + 4] for i in range(0, len(setup.secret), 4)),
        "action": action,
        "next": next_path,
        "error": error,
        "back": with_next(SECOND_STEP, next_path) if action.startswith(SECOND_STEP) else "/account",
    }
    return page(request, "app_instellen.html", context, status=400 if error else 200)


@routes.post(SECOND_STEP + "/app")
async def app_confirm(request: web.Request) -> web.Response:
    """Confirm the first authenticator app with a code: that also completes this session's second step."""
    form = await csrf.checked_form(request)
    view = await guard.signed_in(request, second_factor=False)
    next_path = form_next(form)
    try:
        _, issued = await services(request).account.confirm_totp(
            guard.token_or_401(request), str(form.get("setup_id", "")), str(form.get("code", "")), client_ip(request)
        )
    except SecondFactorRequired:
        raise redirect(with_next(SECOND_STEP, next_path)) from None
    except (SignInFailed, ValidationFailed):
        return await app_setup_page(request, view, SECOND_STEP + "/app", next_path, error=True)
    onward(request, issued, with_next(DONE, next_path))


@routes.get(DONE)
async def done(request: web.Request) -> web.Response:
    """The first factor is set up: now make recovery codes (for when the phone or key is lost), or go on."""
    view = await guard.signed_in(request, second_factor=False)
    next_path = safe_next(request.query.get("next"))
    context = {
        "next": next_path,
        "onward": await after_second_step(request, guard.token_or_401(request), view, next_path),
    }
    return page(request, "tweede_stap_klaar.html", context)
