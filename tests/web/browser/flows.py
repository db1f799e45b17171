"""What a person does in the browser, step by step: ask for a link, open it, press the button, set up factors.

Every page passed on the way goes through `check_page` (axe, screenshot, 320 px). Selectors are what a person
sees: the e-mail field, the form's button, links by their target.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
from harness import Site, check_page
from playwright.async_api import Locator, Page, expect

EMAIL_FIELD = "main input[type=email]"
HOUSEHOLD_PAGE = re.compile(r"/huishoudens/[^/?#]+$")


def at(path: str) -> re.Pattern[str]:
    """A URL whose whole path matches the regex `path` (any query): for wait_for_url, never fooled by ?next=."""
    return re.compile(rf"^https?://[^/]+(?:{path})(?:[?#].*)?$")


async def press(page: Page, target: Locator) -> None:
    """Click something that loads a new page (a form's button, a link) and wait until that page has loaded."""
    async with page.expect_navigation():
        await target.click()


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus, as someone without a mouse would (fails saying where Tab went)."""
    target = page.locator(selector)
    visited: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("e => e === document.activeElement"):
            return
        visited.append(await page.evaluate("() => document.activeElement?.tagName + '#' + document.activeElement?.id"))
    raise AssertionError(f"Tab never reached {selector} on {page.url}; it went {visited}")


def path_of(page: Page) -> str:
    """The current page's path (and query), without the origin."""
    return re.sub(r"^https?://[^/]+", "", page.url)


async def ask_link(page: Page, site: Site, address: str, *, name: str = "home") -> None:
    """On the page in view (the home or the sign-in page): give the address, send; the 'check your mail' page."""
    field = page.locator(EMAIL_FIELD)
    await expect(field).to_be_visible()
    await check_page(page, name)
    await field.fill(address)
    form = page.locator("main form").filter(has=page.locator("input[type=email]"))
    await form.locator("button[type=submit], button:not([type])").click()
    await page.wait_for_url(at("/inloggen/verstuurd"))
    await check_page(page, "inloggen-verstuurd")


async def use_link(page: Page, link: str) -> None:
    """Open a sign-in link from a mail (a landing page with a button: scanners only look) and press the button."""
    assert link.startswith("http://localhost:"), link
    await page.goto(link)
    await check_page(page, "link-landing")
    await press(page, page.locator("main form button").first)


async def sign_in_by_link(page: Page, site: Site, address: str, *, start: str = "/") -> None:
    """The whole sign-in by mail link, from `start` (a page with the sign-in form) to the page it leads to."""
    await page.goto(start)
    await ask_link(page, site, address, name="home" if start == "/" else "inloggen")
    await use_link(page, await site.mail.next_link(address))


async def household_links(page: Page) -> dict[str, str]:
    """The household list page's links to households: {household id: link text}."""
    out: dict[str, str] = {}
    for link in await page.locator("main a[href^='/huishoudens/']").all():
        href = await link.get_attribute("href") or ""
        out[href.removeprefix("/huishoudens/").split("?")[0]] = (await link.inner_text()).strip()
    return out


async def api(
    site: Site, method: str, path: str, token: str, body: dict[str, Any] | None = None, **headers: str
) -> Any:
    """Call the JSON API with a bearer token (the regisseur arranging households); the decoded answer."""
    import aiohttp

    sent = {"Authorization": f"Bearer {token}", **{k.replace("_", "-"): v for k, v in headers.items()}}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, site.url + path, json=body, headers=sent) as resp,
    ):
        assert resp.status < 300, (resp.status, await resp.text())
        return await resp.json() if resp.content_type.endswith("json") else None


async def second_household(site: Site, code: str, name: str, members: list[dict[str, Any]]) -> str:
    """A household the demo regisseur opens through the API, with these members added; its id."""
    sanne = site.person("Sanne de Vries")
    opened = await api(
        site, "POST", "/api/households", sanne["token"], {"code": code, "name": name, "gemeente": "Heerlen"}
    )
    hid = str(opened["household"]["id"])
    site.regisseur_tokens[hid] = opened["token"]
    for member in members:
        await api(site, "POST", f"/api/households/{hid}/betrokkenen", opened["token"], member)
    return hid


JOOST_THERE = {
    "name": "Joost Willems",
    "kind": "professional",
    "role": "hulpverlener",
    "relation": "schuldhulpverlener",
    "organisation": "Schuldhulpverlening Zuid-Limburg",
    "email": "j.willems@shv.example.org",
}


async def set_up_totp(page: Page, site: Site) -> pyotp.TOTP:
    """On the TOTP set-up: read the secret shown on the page, answer with the code of the server's time (its
    clock stands still in tests; a code works once, so the next sign-in needs the clock moved a step)."""
    secret_text = await page.locator("main [data-totp-secret], main code").first.inner_text()
    totp = pyotp.TOTP(re.sub(r"\s", "", secret_text))
    await page.locator("main input[autocomplete=one-time-code]").first.fill(totp.at(site.clock()))
    form = page.locator("main form").filter(has=page.locator("input[autocomplete=one-time-code]"))
    await press(page, form.locator("button").first)
    return totp
