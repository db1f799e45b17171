"""The pages' foundation: every page a Dutch HTML page with the strict headers, errors as pages, CSRF on forms."""

from __future__ import annotations

import re

import pytest

from eenplan.web.pages.headers import CSP

PUBLIC_PAGES = ["/", "/toegankelijkheid", "/over", "/inloggen/verstuurd", "/auth/magic-link/" + "A" * 43]
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> str:
    """These pages need a database only to exist: SQLite, without the demo."""
    import shutil

    target = tmp_path / "eenplan.sqlite"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_public_pages_are_dutch_html_with_strict_headers(client, path):
    resp = await client.get(path)
    assert resp.status == 200 and resp.content_type == "text/html"
    text = await resp.text()
    assert '<html lang="nl"' in text and text.count("<h1") == 1 and '<main id="inhoud"' in text
    assert 'href="#inhoud"' in text and 'href="/toegankelijkheid"' in text
    assert re.search(r"<title>[^<]+ — eenplan</title>", text)
    assert "<script>" not in text and "style=" not in text
    assert resp.headers["Content-Security-Policy"] == CSP
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"


async def test_missing_page_is_a_dutch_page_not_json(client):
    resp = await client.get("/bestaat-niet")
    assert resp.status == 404 and resp.content_type == "text/html"
    assert "Pagina niet gevonden" in await resp.text()
    api = await client.get("/api/bestaat-niet", headers={"Authorization": "Bearer x"})
    assert api.content_type == "application/problem+json"


async def test_stylesheets_are_served(client):
    for path in (
        "/static/eenplan.css",
        "/static/vendor/utrecht/component-library.css",
        "/static/vendor/voorbeeld-design-tokens/theme.css",
    ):
        resp = await client.get(path)
        assert resp.status == 200 and resp.content_type == "text/css", path


async def test_forms_refuse_a_post_without_or_with_a_wrong_token(client):
    page = await client.get("/")
    token = CSRF_FIELD.search(await page.text()).group(1)
    without = await client.post("/inloggen", data={"email": "a@example.org"})
    wrong = await client.post("/inloggen", data={"email": "a@example.org", "csrf": token[:-2] + "xx"})
    for resp in (without, wrong):
        assert resp.status == 403 and resp.content_type == "text/html"
        assert "Formulier verlopen" in await resp.text()


async def test_a_token_from_another_browser_does_not_work(client, aiohttp_client):
    page = await client.get("/")
    token = CSRF_FIELD.search(await page.text()).group(1)
    client.session.cookie_jar.clear()  # the attacker's page has the token's text, not the victim's cookie
    await client.get("/")  # a fresh cookie of its own
    resp = await client.post("/inloggen", data={"email": "a@example.org", "csrf": token})
    assert resp.status == 403


async def test_the_first_page_gives_the_browser_its_form_cookie_and_the_form_then_works(client):
    page = await client.get("/")
    cookie = page.cookies["eenplan-csrf"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    token = CSRF_FIELD.search(await page.text()).group(1)
    resp = await client.post("/inloggen", data={"email": "a@example.org", "csrf": token}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/inloggen/verstuurd"


async def test_the_accessibility_statement_is_dated_and_says_whom_to_ask(client):
    text = await (await client.get("/toegankelijkheid")).text()
    assert "met een automatische test" in text and "axe" not in text  # no tool names people do not know
    assert "Deze verklaring is gemaakt op 1 december 2026." in text
    assert "Neem contact op met uw regisseur" in text
