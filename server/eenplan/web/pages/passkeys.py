"""The JSON the passkey buttons (static/passkey.js) talk to, under /inloggen/passkey.

Each action is two POSTs: `…/opties` hands out WebAuthn options with a single-use challenge, the action
itself takes the browser's answer. All of them need the page's CSRF token in the `X-CSRF-Token` header.
- `inloggen`: sign in with a passkey alone (no session yet; a discoverable credential names the person);
- `controle`: the second step of a session that signed in by mail link;
- `nieuw`: add a passkey (the first set-up during the second step, or from the account page).
Every answer on success is `{"redirect": "<local path>"}`; the browser goes there.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import StringConstraints

from ...domain.factors import MAX_CREDENTIAL_JSON_CHARS
from ...domain.sessions import IssuedSession, PersonSessionView, safe_next
from ..client import client_ip
from ..keys import services
from ..schemas import _Body, read_body
from . import cookies, csrf, guard
from .factors import DONE, after_second_step, with_next

routes = web.RouteTableDef()

PREFIX = "/inloggen/passkey"
#: the user agent kept with a session is short ("your sessions" shows it)
USER_AGENT_CHARS = 120

Short = Annotated[str, StringConstraints(max_length=MAX_CREDENTIAL_JSON_CHARS // 64)]


class OptionsRequest(_Body):
    """Ask for WebAuthn options (the label is only used by `nieuw`)."""

    next: Short | None = None
    label: Short | None = None


class PasskeyAnswer(_Body):
    """The browser's answer to a challenge: PublicKeyCredential as JSON (base64url fields)."""

    challenge_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    credential: dict[str, Any]
    next: Short | None = None
    label: Short | None = None


def _credential_json(answer: PasskeyAnswer) -> str:
    """The credential as the JSON text py_webauthn parses (its size bounded here, its shape by the service)."""
    return json.dumps(answer.credential, separators=(",", ":"))


def _options(challenge_id: str, options_json: str) -> web.Response:
    """The options for navigator.credentials.create()/get() with the challenge's id."""
    return web.json_response({"challenge_id": challenge_id, "options": json.loads(options_json)})


def _go(target: str) -> web.Response:
    """Tell the script where to go next (always a local path)."""
    return web.json_response({"redirect": target})


def _user_agent(request: web.Request) -> str:
    """The browser's name as it gives it, shortened (shown on the account page only)."""
    return request.headers.get("User-Agent", "")[:USER_AGENT_CHARS]


B = TypeVar("B", OptionsRequest, PasskeyAnswer)


async def _read(request: web.Request, model: type[B]) -> B:
    """The JSON body of one of our script's calls, after its CSRF header was checked."""
    csrf.check_header(request)
    return await read_body(request, model)


async def _person(request: web.Request, model: type[B]) -> tuple[B, PersonSessionView]:
    """The body and the signed-in person (before their second step too); whether this session may change the
    person's factors is the account service's answer (SecondFactorRequired → 403)."""
    body = await _read(request, model)
    view = await guard.signed_in(request, second_factor=False)
    return body, view


def _rotated(request: web.Request, issued: IssuedSession | None, target: str) -> web.Response:
    """On to `target`; when the core rotated the session (the step is done), with the new token's cookie."""
    response = _go(target)
    if issued is not None:
        cookies.set_session(response, request, issued)
    return response


@routes.post(PREFIX + "/inloggen/opties")
async def signin_options(request: web.Request) -> web.Response:
    """Options for signing in with a passkey alone (any of the device's passkeys for this site)."""
    await _read(request, OptionsRequest)
    return _options(*await services(request).factors.passkey_options(None, client_ip=client_ip(request)))


@routes.post(PREFIX + "/inloggen")
async def signin(request: web.Request) -> web.Response:
    """Sign in with a passkey: the person it belongs to gets a new session that has its second factor."""
    answer = await _read(request, PasskeyAnswer)
    svc = services(request)
    issued = await svc.account.passkey_sign_in(
        answer.challenge_id, _credential_json(answer), client_ip(request), _user_agent(request)
    )
    view = await svc.sessions.person_session(issued.token)
    response = _go(await after_second_step(request, issued.token, view, safe_next(answer.next)))
    cookies.set_session(response, request, issued)
    return response


@routes.post(PREFIX + "/controle/opties")
async def verify_options(request: web.Request) -> web.Response:
    """Options for the second step: one of the signed-in person's own passkeys."""
    await _person(request, OptionsRequest)
    return _options(*await services(request).account.passkey_options(guard.token_or_401(request)))


@routes.post(PREFIX + "/controle")
async def verify(request: web.Request) -> web.Response:
    """The second step with a passkey: the session is rotated and has its second factor from now on."""
    answer, view = await _person(request, PasskeyAnswer)
    issued = await services(request).account.verify_passkey(
        guard.token_or_401(request), answer.challenge_id, _credential_json(answer), client_ip(request)
    )
    token = issued.token if issued is not None else guard.token_or_401(request)
    return _rotated(request, issued, await after_second_step(request, token, view, safe_next(answer.next)))


@routes.post(PREFIX + "/nieuw/opties")
async def register_options(request: web.Request) -> web.Response:
    """Options for adding a passkey to the signed-in person (their address as the name the device shows)."""
    await _person(request, OptionsRequest)
    return _options(*await services(request).account.passkey_registration_options(guard.token_or_401(request)))


@routes.post(PREFIX + "/nieuw")
async def register(request: web.Request) -> web.Response:
    """Add the passkey; when it is the person's first factor it also completes this session's second step."""
    answer, _ = await _person(request, PasskeyAnswer)
    label = answer.label or "Passkey"
    _, issued = await services(request).account.register_passkey(
        guard.token_or_401(request), answer.challenge_id, _credential_json(answer), label, client_ip(request)
    )
    next_path = safe_next(answer.next)
    if issued is None:  # the session had its second factor already: an added passkey
        return _go("/account?gelukt=passkey" if next_path in (None, "/account") else next_path)
    return _rotated(request, issued, with_next(DONE, next_path))
