"""Helpers for the second-factor and account page tests: sign in by a real mail link, read a page's tokens."""

from __future__ import annotations

import re
from typing import Any

from eenplan.web.keys import SERVICES

PUBLIC_URL = "http://localhost:8080"
CLIENT_IP = "192.0.2.10"
LINK = re.compile(r"/auth/magic-link/([A-Za-z0-9_-]{43})")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')
SECRET = re.compile(r"data-totp-secret>([^<]+)<")
SETUP_ID = re.compile(r'name="setup_id" value="([^"]+)"')
RECOVERY = re.compile(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}\b")
#: the session cookie's name when the public URL is http
COOKIE = "eenplan"


def find(pattern: re.Pattern[str], text: str) -> str:
    """The first group of `pattern` in a page (fails the test readably when missing)."""
    match = pattern.search(text)
    assert match, f"{pattern.pattern!r} not on the page"
    return match.group(1)


async def sign_in_by_link(client: Any, capsys: Any, email: str, user_agent: str = "pytest") -> str:
    """Ask for a link as the person, take it from the console mail, redeem it; the browser gets the cookie.
    Returns the session token."""
    svc = client.app[SERVICES]
    capsys.readouterr()
    await svc.signin.request_link(email=email, client_ip=CLIENT_IP)
    await svc.signin.settle()
    out = capsys.readouterr()
    tokens = LINK.findall(out.out + out.err)
    assert tokens, "no sign-in link was sent"
    issued = await svc.signin.redeem_link(tokens[-1], CLIENT_IP, user_agent)
    client.session.cookie_jar.update_cookies({COOKIE: issued.token}, response_url=client.make_url("/"))
    return str(issued.token)


def session_cookie(client: Any) -> str | None:
    """The session token the test browser holds now."""
    for cookie in client.session.cookie_jar:
        if cookie.key == COOKIE:
            return str(cookie.value)
    return None


async def page_token(client: Any, path: str) -> tuple[str, str]:
    """(the page's text, the CSRF token of its forms) after a GET of `path`."""
    resp = await client.get(path)
    text = await resp.text()
    assert resp.status == 200, (path, resp.status)
    return text, find(CSRF_FIELD, text)
