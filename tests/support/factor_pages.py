"""Helpers for the second-factor and account page tests: sign in by a real mail link, read a page's tokens,
go through passkey.js's calls with a software authenticator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eenplan.config import Settings
from eenplan.web.keys import SERVICES
from support.soft_authenticator import SoftAuthenticator

PUBLIC_URL = "http://localhost:8080"
JOOST = "j.willems@shv.example.org"  # a professional of the demo: the policy asks him for a second factor
FATIMA = "fatima@example.org"  # the mother: a klant, not asked (policy "professionals")
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


def localhost_settings(tmp_path: Path, database_url: str) -> Settings:
    """Test settings on a public URL WebAuthn accepts (localhost is a secure context)."""
    # the shared fixtures' key (tests/conftest.py SECRET), spelled out: `import conftest` finds whichever
    # conftest module is first on sys.path (tests/auth puts its own there)
    key = "test-secret-key-that-is-long-enough-0123456789"
    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=key, public_url=PUBLIC_URL)


async def reaches(client: Any, household_id: str) -> None:
    """The browser's session now reaches the household with its second factor (no step left to do)."""
    principal = await client.app[SERVICES].sessions.principal_for(session_cookie(client), household_id)
    assert principal.second_factor


async def post_json(client: Any, path: str, csrf: str, body: dict[str, Any]) -> Any:
    """POST as passkey.js does (JSON, the CSRF token in X-CSRF-Token); the 200 answer's JSON."""
    resp = await client.post(path, json=body, headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert resp.status == 200, (path, resp.status, await resp.text())
    return await resp.json()


async def ceremony(
    client: Any, csrf: str, action: str, device: SoftAuthenticator, **extra: Any
) -> tuple[dict[str, Any], Any]:
    """One passkey ceremony through passkey.js's two calls (options, then the device's answer) for `action`
    ("nieuw", "inloggen", "controle"); (the body sent, the reply)."""
    options = await post_json(client, f"/inloggen/passkey/{action}/opties", csrf, {})
    make = device.create if action == "nieuw" else device.get
    credential = json.loads(make(json.dumps(options["options"])))
    body = {"challenge_id": options["challenge_id"], "credential": credential, **extra}
    return body, await post_json(client, f"/inloggen/passkey/{action}", csrf, body)
