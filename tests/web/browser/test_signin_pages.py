"""The pages around sign-in that a person meets without signing in: about, too many attempts, not found."""

from __future__ import annotations

import pytest
from flows import EMAIL_FIELD, press
from harness import Site, check_page
from playwright.async_api import Page, expect
from support.clock import MovableClock

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_about_page_passes_axe(site: Site, page: Page) -> None:
    answer = await page.goto("/over")
    assert answer is not None and answer.status == 200
    await check_page(page, "over")


async def test_too_many_link_requests_get_a_dutch_page_that_says_when_to_try_again(site: Site, page: Page) -> None:
    limit = site.settings.signin_target_limit
    for _ in range(limit + 1):
        await page.goto("/")
        await page.locator(EMAIL_FIELD).fill("khadija@example.org")
        async with page.expect_response(lambda r: r.request.method == "POST") as posted:
            await press(page, page.locator("main form button[type=submit]").first)
        answer = await posted.value
    assert answer.status == 429
    assert int(answer.headers["retry-after"]) > 0
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await check_page(page, "te-vaak")


async def test_a_page_that_does_not_exist_is_a_dutch_page(site: Site, page: Page) -> None:
    answer = await page.goto("/bestaat-niet")
    assert answer is not None and answer.status == 404
    assert "text/html" in answer.headers["content-type"]
    await check_page(page, "niet-gevonden-pad")


async def test_a_sign_in_link_older_than_ten_minutes_leads_back_to_the_form(
    site: Site, page: Page, clock: MovableClock
) -> None:
    await page.goto("/")
    await page.locator(EMAIL_FIELD).fill("khadija@example.org")
    await press(page, page.locator("main form button[type=submit]").first)
    link = await site.mail.next_link("khadija@example.org")
    clock.advance(minutes=11)
    await page.goto(link)
    await press(page, page.locator("main form button").first)
    await check_page(page, "link-verlopen")
    assert "eenplan" not in {c["name"] for c in await page.context.cookies()}  # no session
    await expect(page.locator("main [role=status], main .utrecht-alert").first).to_be_visible()  # says why
    await expect(page.locator(EMAIL_FIELD)).to_be_visible()  # and offers a new link
