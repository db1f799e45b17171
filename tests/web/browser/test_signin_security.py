"""What protects a browser session, seen from the browser: cookie flags, CSRF, the CSP, the API needing a
bearer token, and a sign-in that works with the keyboard alone."""

from __future__ import annotations

import pytest
from flows import EMAIL_FIELD, at, path_of, press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Browser, Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

MOTHER = "fatima@example.org"


async def test_the_session_cookie_is_httponly_and_samesite_lax_and_hidden_from_scripts(site: Site, page: Page) -> None:
    await sign_in_by_link(page, site, MOTHER)
    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["eenplan"]  # http public URL: no __Host- prefix (that needs Secure; H2's tests check https)
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["path"] == "/"
    assert "eenplan=" not in await page.evaluate("() => document.cookie")


async def test_the_cookie_alone_never_reaches_the_api(site: Site, page: Page) -> None:
    await sign_in_by_link(page, site, MOTHER)
    listed = await page.request.get("/api/households")  # the browser's cookies go along
    assert listed.status == 401
    plan = await page.request.get(f"/api/households/{site.household_id}/plan")
    assert plan.status == 401


async def test_a_form_posted_without_its_csrf_token_is_refused(site: Site, page: Page) -> None:
    before = site.mail.count(MOTHER)
    await page.goto("/")
    form = page.locator("main form").filter(has=page.locator("input[type=email]"))
    await form.locator("input[type=hidden]:not([name=next])").evaluate_all("els => els.forEach(e => e.remove())")
    await form.locator("input[type=email]").fill(MOTHER)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await press(page, form.locator("button"))
    assert (await answer.value).status == 403
    await check_page(page, "csrf-geweigerd")
    forged = await page.request.post("/inloggen", form={"email": MOTHER})  # another site's form would look so
    assert forged.status == 403
    await site.services.signin.settle()
    sent = [str(m["Subject"]) for m in site.mail.peer.to(MOTHER)[before:]]
    assert sent == []  # nothing was sent for either


async def test_the_content_security_policy_holds_in_the_browser(site: Site, browser: Browser) -> None:
    context = await browser.new_context(base_url=site.url)  # no bypass_csp: the page's own policy applies
    try:
        page = await context.new_page()
        violations: list[str] = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        resp = await page.goto("/")
        assert resp is not None
        headers = await resp.all_headers()
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "no-store" in headers["cache-control"]
        assert headers["referrer-policy"] == "no-referrer"
        await page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true';"
            " document.body.appendChild(s);"
            " const b = document.createElement('button'); b.setAttribute('onclick', 'window.handlerRan = true');"
            " document.body.appendChild(b); b.click(); }"
        )
        assert await page.evaluate("() => [window.inlineRan, window.handlerRan]") == [None, None]
        assert violations  # the browser refused them because of the policy
    finally:
        await context.close()


async def _tab_to(page: Page, selector: str, limit: int = 30) -> None:
    """Press Tab until the element is focused; each focused element must show that it is."""
    target = page.locator(selector)
    visited: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        style = await page.evaluate(
            "() => { const e = document.activeElement; if (!e || e === document.body) return null;"
            " const s = getComputedStyle(e);"
            " return {visible: e.matches(':focus-visible'), outline: s.outlineStyle, width: s.outlineWidth,"
            " shadow: s.boxShadow, tag: e.tagName + (e.id ? '#' + e.id : '')}; }"
        )
        if style is not None:
            visited.append(style["tag"])
            shows = (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"
            assert style["visible"] and shows, f"focus on {style['tag']} is not visible: {style}"
        if await target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}; it went {visited}")


async def test_sign_in_works_with_the_keyboard_alone(site: Site, page: Page) -> None:
    await page.goto("/")
    await page.keyboard.press("Tab")
    skip = await page.evaluate("() => document.activeElement.getAttribute('href')")
    assert skip == "#inhoud"  # the first Tab reaches the skip link, which then shows itself
    await expect(page.locator("a[href='#inhoud']")).to_be_in_viewport()
    await _tab_to(page, EMAIL_FIELD)
    await page.keyboard.type(MOTHER)
    await page.keyboard.press("Enter")
    await page.wait_for_url(at("/inloggen/verstuurd"))
    link = await site.mail.next_link(MOTHER)
    await page.goto(link)  # following the link from the mail program
    await _tab_to(page, "main form button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(at("/huishoudens.*"))
    await _tab_to(page, f"main a[href='/huishoudens/{site.household_id}']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(at(f"/huishoudens/{site.household_id}"))
    assert path_of(page) == f"/huishoudens/{site.household_id}"
    await expect(page.locator("h1")).to_contain_text("El Amrani")


async def test_signing_out_everywhere_ends_the_session_on_the_other_device(
    site: Site, page: Page, browser: Browser
) -> None:
    laptop = await browser.new_context(base_url=site.url, bypass_csp=True, locale="nl-NL")
    try:
        other = await laptop.new_page()
        await sign_in_by_link(other, site, MOTHER)
        await sign_in_by_link(page, site, MOTHER)
        await page.goto("/account")
        await check_page(page, "account-sessies")
        await expect(page.locator("main table tbody tr")).to_have_count(2)  # this browser and the laptop
        await press(page, page.locator("main form[action='/account/overal-uitloggen'] button"))
        for device in (page, other):
            await device.goto("/huishoudens")
            await expect(device.locator("main input[type=email]")).to_be_visible()  # asked to sign in again
    finally:
        await laptop.close()
