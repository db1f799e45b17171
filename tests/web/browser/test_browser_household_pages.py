"""Every household page in a real browser, for the mother, her 14-year-old son, the grandmother and a professional
(issue 12 item 9): signed in by mail link with an authenticator app as second step, each walks every link under
`/huishoudens/{id}` from the start page; a marker the policy keeps from them never appears in any page, PDF or
download, the markers they may read do appear on the plan page, and every page passes axe (WCAG 2.1 AA), is
screenshot and fits 320 px.

The pages are found by their links (crawl.py), so a page added later is walked without touching this test; the
walk must reach at least the plan and the overleggen pages, so it cannot pass by finding nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import pytest
from crawl import Fetched, body_texts, headers_text, walk
from crawl_markers import Api, check_sweep, expectation, plant_all
from flows import at, set_up_totp, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page

from eenplan.domain.access import Principal

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

#: the personas of item 9 (who → name, address)
PERSONAS = {
    "moeder": ("Fatima El Amrani", "fatima@example.org"),
    "zoon-14": ("Youssef El Amrani", "youssef@example.org"),
    "oma": ("Khadija El Amrani", "khadija@example.org"),
    "professional": ("Joost Willems", "j.willems@shv.example.org"),
}


#: the page's links, and its GET forms (filters, version choices) as they would be sent untouched
LINKS_AND_GET_FORMS = """() => [
  ...Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href')),
  ...Array.from(document.forms).filter(f => f.method === 'get').map(f => {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(f)) if (typeof value === 'string') query.append(name, value);
    return f.action.split('?')[0] + (query.toString() ? '?' + query : '');
  }),
]"""


def site_api(site: Site) -> Api:
    """The running site's JSON API with a bearer token (the regisseur arranging the household)."""

    async def call(method: str, path: str, token: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
        sent = {"Authorization": f"Bearer {token}", **headers}
        async with aiohttp.ClientSession() as http, http.request(method, site.url + path, json=body, headers=sent) as r:
            text = await r.text()
            assert r.status < 300, (method, path, r.status, text)
            return json.loads(text) if text else None

    return call


async def sign_in_with_app(page: Page, site: Site, email: str) -> None:
    """The mail link, then an authenticator app as the second step (a professional must; the others may, and
    then the access log and the inzage download are walked too)."""
    await sign_in_by_link(page, site, email)
    await page.goto(f"/inloggen/tweede-stap/app?next=/huishoudens/{site.household_id}")
    await check_page(page, "huishouden-app-instellen")
    await set_up_totp(page, site)
    await page.wait_for_url(at("/inloggen/tweede-stap/klaar|/huishoudens.*"))


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def shot_name(who: str, path: str, prefix: str, numbers: dict[str, int]) -> str:
    """A screenshot's name: the persona and the page's path below the household (query included), each id
    numbered in the order the walk met it, so a new run overwrites the last one's screenshots."""
    rest = UUID.sub(lambda m: f"n{numbers.setdefault(m.group(0), len(numbers) + 1)}", path.removeprefix(prefix))
    rest = re.sub(r"[^a-z0-9]+", "-", rest.lower()).strip("-")
    return f"huishouden-{who}-{rest or 'start'}"[:120]


def browser_fetch(page: Page, site: Site, who: str, prefix: str):
    """Fetch one path with the browser's cookies; an HTML page is then opened in the tab (axe, screenshot,
    320 px) and its rendered DOM read too; anything else is a download, read as its texts."""
    numbers: dict[str, int] = {}

    async def fetch(path: str) -> Fetched:
        resp = await page.context.request.get(site.url + path)
        body = await resp.body()
        headers = dict(resp.headers)
        content_type = headers.get("content-type", "").split(";")[0].strip()
        texts = [*body_texts(content_type, body), headers_text(headers)]
        links: list[str] = []
        if content_type == "text/html":
            await page.goto(path)
            await check_page(page, shot_name(who, path, prefix, numbers))
            texts.append(await page.content())
            links = await page.evaluate(LINKS_AND_GET_FORMS)
        return Fetched(resp.url, resp.status, content_type, texts, headers, links)

    return fetch


@pytest.mark.parametrize("who", list(PERSONAS))
async def test_every_household_page_shows_only_what_the_person_may_read(who: str, site: Site, page: Page) -> None:
    planted = await plant_all(
        site_api(site), site.household_id, {b["name"]: b for b in site.demo["betrokkenen"]}, site.clock
    )
    name, email = PERSONAS[who]
    await sign_in_with_app(page, site, email)
    principal = Principal(site.person(name)["id"], site.household_id, second_factor=True)
    expect = await expectation(site.services, who, principal, planted)
    prefix = f"/huishoudens/{site.household_id}"
    walked = await walk(browser_fetch(page, site, who, prefix), site.url, prefix)

    check_sweep(expect, walked)
