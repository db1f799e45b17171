"""Helpers for the page tests: sign in as a browser would (form, mail link, landing page, button)."""

from __future__ import annotations

import re

from eenplan.web.keys import SERVICES

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"https?://\S+/auth/magic-link/([A-Za-z0-9_-]{43})")


async def csrf_of(client, path: str = "/") -> str:
    """The form token a page gives this browser (and, with it, the browser's CSRF cookie)."""
    page = await client.get(path)
    found = CSRF.search(await page.text())
    assert found, f"no form token on {path}"
    return found.group(1)


async def ask_link(client, capsys, email: str, next_path: str | None = None) -> str:
    """Fill in the start page's form; the link token that arrives by (console) mail."""
    capsys.readouterr()
    data = {"email": email, "csrf": await csrf_of(client)}
    if next_path:
        data["next"] = next_path
    resp = await client.post("/inloggen", data=data, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/inloggen/verstuurd", await resp.text()
    await client.app[SERVICES].signin.settle()
    (token,) = LINK.findall(capsys.readouterr().out)
    return token


async def press_link_button(client, link_token: str):
    """Open the link's landing page and press its button; the (unfollowed) answer."""
    csrf = await csrf_of(client, f"/auth/magic-link/{link_token}")
    return await client.post("/inloggen/link", data={"token": link_token, "csrf": csrf}, allow_redirects=False)


async def sign_in(client, capsys, email: str, next_path: str | None = None):
    """The whole sign-in by mail link; the answer to the button (a 303 with the session cookie)."""
    resp = await press_link_button(client, await ask_link(client, capsys, email, next_path))
    assert resp.status == 303, await resp.text()
    return resp
