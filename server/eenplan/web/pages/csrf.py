"""CSRF protection for every form: a synchronizer token bound to the browser and to its session.

The browser holds a random value in an HttpOnly cookie (`__Host-eenplan-csrf` on https); a form's token is
an HMAC of that value and the session token, under a key from the deployment's secret. A cross-site page
can neither read the cookie nor compute the token, and a token stops working when the session changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiohttp import web
from multidict import MultiDictProxy

from ...domain.errors import Forbidden
from ...domain.sessions import looks_like_secret, new_secret
from .cookies import csrf_cookie_name, session_token, set_cookie
from .keys import CSRF_KEY, NEW_CSRF

FIELD = "csrf"
HEADER = "X-CSRF-Token"  # for the passkey page's JSON calls


class FormExpired(Forbidden):
    """A form came without the token this browser's page was given (an old page, or another site)."""

    kind = "csrf"


def _browser_value(request: web.Request) -> str:
    """This browser's CSRF cookie value; a new one (set on the response) when it has none."""
    if NEW_CSRF in request:
        return request[NEW_CSRF]
    value = request.cookies.get(csrf_cookie_name(request), "")
    if looks_like_secret(value):
        return value
    request[NEW_CSRF] = new_secret()
    return request[NEW_CSRF]


def token(request: web.Request) -> str:
    """The token a form on this page carries (hidden field `csrf`, or the X-CSRF-Token header)."""
    message = f"{_browser_value(request)}|{session_token(request) or ''}".encode()
    digest = hmac.new(request.app[CSRF_KEY], message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verify(request: web.Request, presented: str | None) -> None:
    """Refuse (403 page) unless `presented` is this browser's token; a browser without the cookie never passes."""
    cookie = request.cookies.get(csrf_cookie_name(request), "")
    if not presented or not looks_like_secret(cookie) or not hmac.compare_digest(presented, token(request)):
        raise FormExpired("the form's security code is missing or old")


async def checked_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form, after its CSRF token was checked."""
    form = await request.post()
    value = form.get(FIELD)
    verify(request, value if isinstance(value, str) else None)
    return form


def check_header(request: web.Request) -> None:
    """For JSON posts from our own script: the token travels in the X-CSRF-Token header."""
    verify(request, request.headers.get(HEADER))


def give_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Set the CSRF cookie made while rendering this page (the first page a browser sees)."""
    if NEW_CSRF in request:
        set_cookie(response, request, csrf_cookie_name(request), request[NEW_CSRF])
