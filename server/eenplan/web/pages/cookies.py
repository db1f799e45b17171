"""The browser's session cookie: `__Host-eenplan` when the public URL is https, else `eenplan`.

HttpOnly, SameSite=Lax, Path=/ and (on https) Secure; no Max-Age, so it ends with the browser while the
server keeps the idle and absolute limits. The cookie only ever authenticates pages, never /api.
"""

from __future__ import annotations

from aiohttp import web

from ...domain.sessions import IssuedSession, looks_like_secret
from ..keys import services

SECURE_NAME, PLAIN_NAME = "__Host-eenplan", "eenplan"
CSRF_SECURE_NAME, CSRF_PLAIN_NAME = "__Host-eenplan-csrf", "eenplan-csrf"


def secure(request: web.Request) -> bool:
    """Whether the deployment is reached over https (then cookies are Secure and `__Host-` prefixed)."""
    return bool(services(request).signin.secure_cookies)


def session_cookie_name(request: web.Request) -> str:
    """The session cookie's name for this deployment."""
    return SECURE_NAME if secure(request) else PLAIN_NAME


def csrf_cookie_name(request: web.Request) -> str:
    """The CSRF cookie's name for this deployment."""
    return CSRF_SECURE_NAME if secure(request) else CSRF_PLAIN_NAME


def session_token(request: web.Request) -> str | None:
    """The session token the browser sent, if it has the shape of one (anything else is no session)."""
    value = request.cookies.get(session_cookie_name(request), "")
    return value if looks_like_secret(value) else None


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    """Set one of our cookies with the deployment's flags."""
    response.set_cookie(name, value, path="/", httponly=True, samesite="Lax", secure=secure(request))


def set_session(response: web.StreamResponse, request: web.Request, issued: IssuedSession) -> None:
    """Hand a new session to the browser (after sign-in and after the second factor: always a new token)."""
    set_cookie(response, request, session_cookie_name(request), issued.token)


def clear_session(response: web.StreamResponse, request: web.Request) -> None:
    """Make the browser forget its session (sign-out, or a session the server no longer knows)."""
    response.del_cookie(session_cookie_name(request), path="/", secure=secure(request), samesite="Lax")
