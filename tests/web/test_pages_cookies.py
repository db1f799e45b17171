"""Cookie flags by deployment (https: `__Host-` and Secure), the 429 page, and a municipality's theme."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from support.pagekit import CSRF

from eenplan.config import Settings
from eenplan.web.app import create_app


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> str:
    """These pages need a database only to exist: SQLite, without the demo."""
    target = tmp_path / "eenplan.sqlite"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A deployment reached over https."""
    return dataclasses.replace(settings, public_url="https://plan.example.org")


async def test_on_https_the_cookies_are_host_prefixed_and_secure(client):
    page = await client.get("/")
    cookie = page.cookies["__Host-eenplan-csrf"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["domain"]  # a __Host- cookie has no Domain
    assert "eenplan-csrf" not in page.cookies


async def test_on_https_a_plain_cookie_of_the_same_value_does_not_pass(client):
    page = await client.get("/")
    value = page.cookies["__Host-eenplan-csrf"].value
    token = CSRF.search(await page.text()).group(1)
    client.session.cookie_jar.clear()
    # a plain-http cookie (one a network attacker could set) named like the http deployment's
    forged = await client.post(
        "/inloggen", data={"email": "a@example.org", "csrf": token}, headers={"Cookie": f"eenplan-csrf={value}"}
    )
    assert forged.status == 403
    proper = await client.post(
        "/inloggen",
        data={"email": "a@example.org", "csrf": token},
        headers={"Cookie": f"__Host-eenplan-csrf={value}"},
        allow_redirects=False,
    )
    assert proper.status == 303


async def test_too_many_link_requests_get_a_dutch_429_page_with_retry_after(client):
    page = await client.get("/")
    value = page.cookies["__Host-eenplan-csrf"].value
    token = CSRF.search(await page.text()).group(1)
    cookie = {"Cookie": f"__Host-eenplan-csrf={value}"}
    statuses = []
    for _ in range(7):
        resp = await client.post(
            "/inloggen", data={"email": "a@example.org", "csrf": token}, headers=cookie, allow_redirects=False
        )
        statuses.append(resp.status)
    assert statuses[0] == 303 and statuses[-1] == 429
    assert resp.content_type == "text/html" and int(resp.headers["Retry-After"]) > 0
    assert "te veel pogingen" in await resp.text()


async def test_a_municipality_theme_is_served_after_the_default_one(aiohttp_client, services, tmp_path):
    theme = tmp_path / "gemeente.css"
    theme.write_text(".voorbeeld-theme { --basis-color-accent-1-bg-default: #c00; }\n")
    client = await aiohttp_client(create_app(services, theme_css=str(theme)))
    text = await (await client.get("/")).text()
    default = text.index("/static/vendor/voorbeeld-design-tokens/theme.css")
    assert text.index('href="/static/thema.css"') > default
    css = await client.get("/static/thema.css")
    assert css.status == 200 and "#c00" in await css.text()


async def test_without_a_theme_there_is_no_theme_link(client):
    text = await (await client.get("/")).text()
    assert "thema.css" not in text
    assert (await client.get("/static/thema.css")).status == 404
