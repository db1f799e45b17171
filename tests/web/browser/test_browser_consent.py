"""Wie ziet wat in a real browser, as the mother: a consent request answered with the keyboard alone (Tab to Ja,
Enter), an aanspreekpunt exclusion ticked with Space, and the consent revoked with Space once her son answered
too. Every page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flows import at, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Level, Principal
from eenplan.domain.consent import ConsentMethod

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

MOTHER = ("Fatima El Amrani", "fatima@example.org")


async def test_the_mother_answers_ticks_and_revokes_with_the_keyboard(page: Page, site: Site) -> None:
    household = site.household_id
    joost = Principal(site.person("Joost Willems")["id"], household, second_factor=True)
    consent = await site.services.consent.request(
        joost,
        household,
        grantee_id=joost.betrokkene_id,
        sections=["krachten_zorgen"],
        level=Level.READ,
        purpose="hulp bij schulden",
        until=site.clock().date() + timedelta(days=30),
        about_id=None,
    )
    cid = consent.consent.id
    base = f"/huishoudens/{household}/wie-ziet-wat"
    await sign_in_by_link(page, site, MOTHER[1], start=base)
    await page.wait_for_url(at(base))
    await expect(page.locator("main")).to_contain_text("hulp bij schulden")
    await check_page(page, "wie-ziet-wat")

    await tab_to(page, f"main form[action$='/{cid}/antwoord'] button[value=ja]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.wait_for_url(at(base))
    await expect(page.locator("main [role=status]")).to_contain_text("U heeft ja gezegd")
    await expect(page.locator("main")).to_contain_text("Wacht op het antwoord van Youssef El Amrani")
    await check_page(page, "wie-ziet-wat-ja")

    await tab_to(page, "#deel-analyse")
    await page.keyboard.press("Space")
    await expect(page.locator("#deel-analyse")).to_be_checked()
    await tab_to(page, "main form[action$='/uitsluitingen'] button")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen")
    await expect(page.locator("#deel-analyse")).to_be_checked()
    await check_page(page, "wie-ziet-wat-uitsluitingen")

    youssef = Principal(site.person("Youssef El Amrani")["id"], household, second_factor=True)
    await site.services.consent.answer(youssef, household, cid, True, ConsentMethod.WRITTEN)
    await page.reload()
    revoke = f"main a[href$='/{cid}/intrekken']"
    await expect(page.locator(revoke)).to_have_text("Intrekken")
    await check_page(page, "wie-ziet-wat-gegeven")
    await tab_to(page, revoke)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    # the confirmation step names who loses access; only its button revokes
    await expect(page.locator("main h1")).to_have_text("Toestemming intrekken")
    await expect(page.locator("#gevolg")).to_contain_text("Joost Willems")
    await check_page(page, "toestemming-intrekken")
    sure = f"main form[action$='/{cid}/intrekken'] button"
    await tab_to(page, sure)
    async with page.expect_navigation():
        await page.keyboard.press("Space")
    await expect(page.locator("main [role=status]")).to_contain_text("De toestemming is ingetrokken")
    await expect(page.locator(revoke)).to_have_count(0)
    await check_page(page, "wie-ziet-wat-ingetrokken")
