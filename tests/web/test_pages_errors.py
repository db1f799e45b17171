"""Errors on pages are Dutch pages that say nothing of the error's text; the API keeps problem+json."""

from __future__ import annotations

import logging
import urllib.parse
from types import SimpleNamespace

from aiohttp import web

from eenplan.domain.errors import ChoiceRequired, Forbidden, SecondFactorRequired, TemporaryFailure
from eenplan.domain.signin import RateLimited
from eenplan.web.keys import SERVICES
from eenplan.web.pages import install
from eenplan.web.pages.errors import page_errors
from eenplan.web.problems import problem_middleware

SECRET_TEXT = "Fatima heeft schulden bij de woningcorporatie"


def _app() -> web.Application:
    """The pages' machinery on routes that fail in each way (services: only what the layout asks)."""
    app = web.Application(middlewares=[problem_middleware, page_errors])
    app[SERVICES] = SimpleNamespace(signin=SimpleNamespace(secure_cookies=False))  # type: ignore[assignment]
    failures = {
        "/stuk": RuntimeError(SECRET_TEXT),
        "/bezet": TemporaryFailure(SECRET_TEXT),
        "/verboden": Forbidden(SECRET_TEXT),
        "/tweede-stap-nodig": SecondFactorRequired(SECRET_TEXT),
        "/kiezen-nodig": ChoiceRequired(SECRET_TEXT),
        "/api/stuk": RuntimeError(SECRET_TEXT),
        "/even-wachten": RateLimited(45),
        "/langer-wachten": RateLimited(150),
    }
    for path, error in failures.items():

        async def fail(_request: web.Request, error: Exception = error) -> web.StreamResponse:
            raise error

        app.router.add_get(path, fail)
    install(app)
    return app


async def test_an_unexpected_error_is_a_dutch_500_page_without_its_text(aiohttp_client, caplog):
    client = await aiohttp_client(_app())
    with caplog.at_level(logging.ERROR):
        resp = await client.get("/stuk")
    text = await resp.text()
    assert resp.status == 500 and resp.content_type == "text/html" and "Er ging iets mis" in text
    assert SECRET_TEXT not in text and SECRET_TEXT not in caplog.text
    assert "RuntimeError" in caplog.text  # the log names the type, never the message


async def test_busy_storage_is_a_503_page_with_retry_after(aiohttp_client):
    resp = await (await aiohttp_client(_app())).get("/bezet")
    assert resp.status == 503 and resp.headers["Retry-After"] == "60" and SECRET_TEXT not in await resp.text()


async def test_forbidden_is_a_403_page(aiohttp_client):
    resp = await (await aiohttp_client(_app())).get("/verboden")
    assert resp.status == 403 and "Geen toegang" in await resp.text() and SECRET_TEXT not in await resp.text()


async def test_a_missing_second_factor_or_choice_goes_there_and_comes_back(aiohttp_client):
    client = await aiohttp_client(_app())
    factor = await client.get("/tweede-stap-nodig?x=1", allow_redirects=False)
    assert factor.status == 303 and _where(factor) == ("/inloggen/tweede-stap", "/tweede-stap-nodig?x=1")
    choice = await client.get("/kiezen-nodig", allow_redirects=False)
    assert choice.status == 303 and _where(choice) == ("/inloggen/kiezen", "/kiezen-nodig")


def _where(resp) -> tuple[str, str]:
    """A redirect's path and the `next` it carries."""
    target = urllib.parse.urlsplit(resp.headers["Location"])
    return target.path, urllib.parse.parse_qs(target.query)["next"][0]


async def test_the_api_keeps_problem_json(aiohttp_client):
    resp = await (await aiohttp_client(_app())).get("/api/stuk")
    assert resp.status == 500 and resp.content_type == "application/problem+json"
    assert SECRET_TEXT not in await resp.text()


async def test_a_wrong_method_on_a_page_is_a_dutch_405_page_naming_what_is_allowed(aiohttp_client):
    resp = await (await aiohttp_client(_app())).post("/toegankelijkheid")
    assert resp.status == 405 and resp.content_type == "text/html" and "GET" in resp.headers["Allow"]
    text = await resp.text()
    assert "U kunt deze pagina niet zo openen. Ga naar de startpagina en probeer het opnieuw." in text
    assert 'href="/"' in text


async def test_the_wait_page_counts_minutes_in_good_dutch(aiohttp_client):
    client = await aiohttp_client(_app())
    one = await client.get("/even-wachten")
    assert one.status == 429 and one.headers["Retry-After"] == "45"
    assert "Probeer het over 1 minuut opnieuw." in await one.text()
    three = await client.get("/langer-wachten")
    assert "Probeer het over 3 minuten opnieuw." in await three.text()
