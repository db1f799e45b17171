"""The plan editor in a real browser (issue 13 items 2 and 8): the regisseur adds an action for the grandmother
with the keyboard only (a wrong form first: the errors next to the fields), and two regisseurs edit one plan at
once — changes to different items are both kept, a change to the same item shows both versions. Every page state
passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from editor_flows import SANNE, editor_path, open_editor, plan_of
from flows import api, at, press, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Browser, Page, expect

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

OTHER = {
    "name": "Ruud Hermans",
    "kind": "professional",
    "role": "casusregisseur",
    "organisation": "Sociaal Team Maastricht",
    "email": "r.hermans@example.org",
}


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about the editor (factors have their own browser tests)."""
    return {"second_factor": "off"}


async def test_the_regisseur_adds_an_action_for_the_grandmother_with_the_keyboard(page: Page, site: Site) -> None:
    before = await open_editor(page, site)
    await check_page(page, "editor")

    await tab_to(page, "#nieuwe-actie-school-open")
    await page.keyboard.press("Enter")  # opens "Nieuwe actie"
    await tab_to(page, "#nieuwe-actie-school-wie")
    await tab_to(page, "main form[action$='/doelen/school/acties'] button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")  # nothing filled in: the errors, next to their fields
    await expect(page.locator("#nieuwe-actie-school-wie-fout")).to_have_text("Kies iemand uit de lijst.")
    await expect(page.locator("#nieuwe-actie-school-wat-fout")).to_be_visible()
    await check_page(page, "editor-fout")
    assert (await plan_of(site))["version"] == before["version"]

    await tab_to(page, "#nieuwe-actie-school-wie", limit=200)
    await page.keyboard.type("Khadija")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Youssef ophalen na school")
    await page.keyboard.press("Tab")
    await page.keyboard.type("12072026")  # a date input, typed in the order headless chromium shows (mm-dd-yyyy)
    await tab_to(page, "#nieuwe-actie-school-einde")  # Tab first walks the date's own parts
    await page.keyboard.type("12212026")
    await tab_to(page, "#nieuwe-actie-school-evaluatie")
    await page.keyboard.type("Na twee weken")
    await tab_to(page, "main form[action$='/doelen/school/acties'] button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
    await check_page(page, "editor-actie-toegevoegd")

    after = await plan_of(site)
    assert after["version"] == before["version"] + 1
    assert after["doelen"][0] == before["doelen"][0]  # the other goal untouched
    added = after["doelen"][1]["acties"][-1]
    assert added["wie"] == site.person("Khadija El Amrani")["id"]
    assert (added["wat"], added["start"], added["einde"]) == ("Youssef ophalen na school", "2026-12-07", "2026-12-21")


async def test_two_regisseurs_edit_one_plan_at_once(browser: Browser, page: Page, site: Site) -> None:
    base = editor_path(site)
    await api(site, "POST", f"/api/households/{site.household_id}/betrokkenen", site.person(SANNE[0])["token"], OTHER)
    other_context = await browser.new_context(base_url=site.url, bypass_csp=True, locale="nl-NL")
    try:
        other = await other_context.new_page()
        await sign_in_by_link(page, site, SANNE[1], start=base)
        await page.wait_for_url(at(base))
        await sign_in_by_link(other, site, OTHER["email"], start=base)
        await other.wait_for_url(at(base))  # both now look at the same version

        await page.locator("#actie-mentor-open").click()
        await page.locator("#actie-mentor-evaluatie").fill("Na vier weken")
        await press(page, page.locator("form[action$='/acties/mentor']").get_by_role("button", name="Actie opslaan"))
        await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")

        await other.locator("#nieuwe-afspraak-open").click()
        await other.locator("#nieuwe-afspraak-wat").fill("Oma belt op vrijdag")
        await press(other, other.get_by_role("button", name="Afspraak toevoegen"))
        await expect(other.locator("#melding")).to_contain_text("Beide wijzigingen staan nu in het plan.")
        await check_page(other, "editor-samengevoegd")
        plan = await plan_of(site)
        assert plan["doelen"][1]["acties"][0]["evaluatie"] == "Na vier weken"
        assert plan["afspraken"][-1]["wat"] == "Oma belt op vrijdag"

        # the same action, from two pages each based on the version they show
        await page.reload()
        await other.reload()
        for who, text in ((page, "Gesprek met de mentor"), (other, "Gesprek met mentor, Youssef en oma")):
            await who.locator("#actie-mentor-open").click()
            await who.locator("#actie-mentor-wat").fill(text)
        await press(page, page.locator("form[action$='/acties/mentor']").get_by_role("button", name="Actie opslaan"))
        await press(other, other.locator("form[action$='/acties/mentor']").get_by_role("button", name="Actie opslaan"))
        await expect(other.get_by_role("heading", name="Iemand anders veranderde dit ook")).to_be_visible()
        await expect(other.locator("main")).to_contain_text("Gesprek met de mentor")
        await expect(other.locator("main")).to_contain_text("Gesprek met mentor, Youssef en oma")
        await check_page(other, "editor-conflict")
        assert (await plan_of(site))["doelen"][1]["acties"][0]["wat"] == "Gesprek met de mentor"  # nothing lost yet
        await press(other, other.get_by_role("button", name="Mijn versie bewaren"))
        await expect(other.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
        assert (await plan_of(site))["doelen"][1]["acties"][0]["wat"] == "Gesprek met mentor, Youssef en oma"
    finally:
        await other_context.close()
