"""Sign-in routes: magic links, OpenID Connect, sign-out. None needs a bearer token except sign-out.

A magic link is redeemed with POST only: GET shows a page with a button,
because mail scanners and link previews fetch links and must not use them up.
Rate-limited attempts answer 429 problem+json with Retry-After.
"""

from __future__ import annotations

import functools
from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from ...domain.errors import ValidationFailed
from ...domain.signin import RateLimited
from ..client import client_ip
from ..keys import services
from ..pages.cookies import set_session
from ..problems import problem
from ..registry import Handler, RouteTable
from ..response_schemas_more import CONTACT_CONFIRMED, LINK_SENT, SESSION
from ..schemas import Email, _Body, read_body

table = RouteTable("sign-in")

STATE_COOKIE = "eenplan_oidc_state"
ACCEPTED = {
    "status": "accepted",
    "detail": "If this address belongs to a betrokkene, a sign-in link is on its way. It works once, for 10 minutes.",
}


class MagicLinkRequest(_Body):
    """Ask for a sign-in link: only your e-mail address (and, optionally, the local path to return to)."""

    email: Email
    next: Annotated[str, StringConstraints(max_length=300)] | None = None


# _client_ip moved to web/client.py (the pages use it too); kept here under its old name for now
_client_ip = client_ip


def limited(handler: Handler) -> Handler:
    """Turn RateLimited into 429 problem+json with Retry-After."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except RateLimited as err:
            resp = problem(429, "Too many requests", err.detail, err.kind)
            resp.headers["Retry-After"] = str(err.retry_after)
            return resp

    return wrapper


@table.route(
    "POST",
    "/auth/magic-link",
    summary="Ask for a single-use sign-in link by e-mail (always 202: "
    "the answer does not reveal whether the address is known)",
    body=MagicLinkRequest,
    auth=False,
    responses={202: "Accepted", 429: "Too many attempts"},
    response=LINK_SENT,
)
@limited
async def request_magic_link(request: web.Request) -> web.Response:
    body = await read_body(request, MagicLinkRequest)
    await services(request).signin.request_link(email=body.email, client_ip=_client_ip(request), next_path=body.next)
    return web.json_response(ACCEPTED, status=202)


# GET /auth/magic-link/{token} is a page (web/pages/signin.py): its button posts to /inloggen/link.


@table.route(
    "POST",
    "/auth/magic-link/{token}",
    summary="Redeem a magic link (once) for a new session token",
    auth=False,
    responses={200: "Session", 401: "Link unknown, used or expired", 429: "Too many attempts"},
    response=SESSION,
)
@limited
async def redeem_magic_link(request: web.Request) -> web.Response:
    issued = await services(request).signin.redeem_link(
        request.match_info["token"], _client_ip(request), request.headers.get("User-Agent", "")
    )
    return web.json_response(issued.as_dict())


# GET /auth/contact-change/{token} is a page too (web/pages/contact.py): its button posts to /inloggen/wijziging.


@table.route(
    "POST",
    "/auth/contact-change/{token}",
    summary="Confirm a change of sign-in data (once): the "
    "person approves a change someone else asked for, or the owner confirms an added address",
    auth=False,
    responses={200: "Confirmed", 401: "Link unknown, used or expired", 429: "Too many attempts"},
    response=CONTACT_CONFIRMED,
)
@limited
async def confirm_contact_change(request: web.Request) -> web.Response:
    field = await services(request).signin.contacts.confirm(request.match_info["token"], _client_ip(request))
    return web.json_response({"status": "confirmed", "field": field})


@table.route(
    "GET",
    "/auth/oidc/login",
    summary="Start OpenID Connect sign-in for a professional: redirects to "
    "the organisation's provider (state, nonce, PKCE S256)",
    auth=False,
    query={"next": "local path to return to after sign-in (optional)"},
    responses={302: "Redirect to the provider", 404: "OIDC not configured", 429: "Too many attempts"},
)
@limited
async def oidc_login(request: web.Request) -> web.Response:
    svc = services(request)
    url, state = await svc.signin.start_oidc(_client_ip(request), request.query.get("next"))
    resp = web.Response(status=302, headers={"Location": url})
    resp.set_cookie(
        STATE_COOKIE,
        state,
        max_age=600,
        path="/auth/oidc/",
        httponly=True,
        samesite="Lax",
        secure=svc.signin.secure_cookies,
    )
    return resp


@table.route(
    "GET",
    "/auth/oidc/callback",
    summary="The provider's redirect back: validates the sign-in and answers with a new session token",
    auth=False,
    query={
        "code": "authorization code",
        "state": "state from the login redirect",
        "iss": "issuer (RFC 9207), when sent",
    },
    responses={
        200: "Session (with Accept: application/json)",
        303: "Signed in: the session cookie is set, on to the page the person was going to",
        401: "State unknown, used, expired or from another browser",
        403: "Not a professional betrokkene of the household",
        429: "Too many attempts",
    },
    response=SESSION,
)
@limited
async def oidc_callback(request: web.Request) -> web.Response:
    q = request.query
    if "error" in q:
        raise ValidationFailed.one("error", "the identity provider did not complete the sign-in")
    code, state = q.get("code", ""), q.get("state", "")
    if not code or not state:
        raise ValidationFailed.one("code" if not code else "state", "is required")
    issued = await services(request).signin.finish_oidc(
        code=code,
        state=state,
        browser_state=request.cookies.get(STATE_COOKIE),
        issuer=q.get("iss"),
        client_ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    if "application/json" in request.headers.get("Accept", ""):  # an API client: the session as a bearer token
        resp: web.Response = web.json_response(issued.as_dict())
    else:  # a browser: the session in its cookie, then where the person was going
        landing = issued.next_path or (await services(request).caseload.start_page(issued.token)).value
        resp = web.Response(status=303, headers={"Location": landing})
        set_session(resp, request, issued)
    resp.del_cookie(STATE_COOKIE, path="/auth/oidc/")
    return resp


@table.route(
    "POST",
    "/auth/logout",
    summary="Sign out: end this session at once",
    auth=True,
    responses={204: "Signed out", 401: "No valid session"},
)
async def logout(request: web.Request) -> web.Response:
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    await services(request).sessions.sign_out(token)
    return web.Response(status=204)
