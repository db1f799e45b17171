"""Two regisseurs change the analysis at once in a real browser (issue x5): the second save lands on the conflict
page, which offers "Samenvoegen" — both changes in one text, prefilled — and the second regisseur, with the
keyboard only, adds a line to it and saves it; the plan then holds both changes and hers. Where both changed the
same sentence the page keeps both and names the lines. Every page state passes axe (WCAG 2.1 AA), is screenshot
and fits 320 px."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flows import api, at, press, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Browser, Page, expect

from eenplan.domain.access import Principal

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = ("Sanne de Vries", "sanne.devries@example.org")
OTHER = {
    "name": "Ruud Hermans",
    "kind": "professional",
    "role": "casusregisseur",
    "organisation": "Sociaal Team Maastricht",
    "email": "r.hermans@example.org",
}
BEFORE = "Geldzorgen geven spanning thuis; Youssef trekt zich terug."
THEIRS = "Schulden geven spanning thuis; Youssef trekt zich terug."
MINE = "Hij wil wel naar voetbal."
ADDED = "Fatima belt de school."


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about the editor (factors have their own browser tests)."""
    return {"second_factor": "off"}


async def _analyse(site: Site) -> dict[str, Any]:
    me = Principal(site.person(SANNE[0])["id"], site.household_id)
    snap = await site.services.plan.current(me, site.household_id)
    return {"version": snap.info.number, **json.loads(snap.sections["analyse"])}


async def _add_line(page: Page, field: str, line: str, button: str) -> None:
    """With the keyboard only: Tab to the text field, add a line at its end, Tab to the form's button and press it."""
    await tab_to(page, field, limit=200)
    await page.keyboard.press("Control+End")
    await page.keyboard.press("Enter")
    await page.keyboard.type(line)
    await tab_to(page, button)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def test_two_regisseurs_change_the_analysis_and_the_second_merges_with_the_keyboard(
    browser: Browser, page: Page, site: Site
) -> None:
    base = f"/huishoudens/{site.household_id}/plan/bewerken"
    await api(site, "POST", f"/api/households/{site.household_id}/betrokkenen", site.person(SANNE[0])["token"], OTHER)
    other_context = await browser.new_context(base_url=site.url, bypass_csp=True, locale="nl-NL")
    try:
        other = await other_context.new_page()
        await sign_in_by_link(page, site, SANNE[1], start=base)
        await page.wait_for_url(at(base))
        await sign_in_by_link(other, site, OTHER["email"], start=base)
        await other.wait_for_url(at(base))  # both now look at the same version
        before = await _analyse(site)
        assert before["analyse"] == BEFORE

        await page.locator("#deel-analyse-analyse").fill(THEIRS)
        await press(page, page.locator("form[action$='/delen/analyse']").get_by_role("button", name="Opslaan"))
        await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")

        # the other regisseur, keyboard only: a line added under the analysis she still sees as it was
        await _add_line(other, "#deel-analyse-analyse", MINE, "form[action$='/delen/analyse'] button[type=submit]")
        await expect(other.get_by_role("heading", name="Iemand anders veranderde dit ook")).to_be_visible()
        await expect(other.get_by_role("heading", name="Samenvoegen")).to_be_visible()
        merged = other.locator("#samenvoegen-analyse")
        await expect(merged).to_have_value(f"{THEIRS}\n{MINE}")
        await expect(other.locator("main")).to_contain_text("U en de ander veranderden verschillende stukken.")
        await check_page(other, "editor-samenvoegen")
        assert (await _analyse(site))["analyse"] == THEIRS  # nothing written yet

        await _add_line(other, "#samenvoegen-analyse", ADDED, "form[aria-labelledby=samenvoegen] button[type=submit]")
        await expect(other.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
        await check_page(other, "editor-samengevoegd-opgeslagen")

        after = await _analyse(site)
        assert after["version"] == before["version"] + 2
        assert after["analyse"].splitlines() == [THEIRS, MINE, ADDED]
        assert after["gewenst_perspectief"] == before["gewenst_perspectief"]

        # the same sentence changed by both: both texts stay, theirs first, and the page says which lines
        await page.reload()
        await other.reload()
        await page.locator("#deel-analyse-gewenst_perspectief").fill("Rust in de financiën.")
        await press(page, page.locator("form[action$='/delen/analyse']").get_by_role("button", name="Opslaan"))
        await other.locator("#deel-analyse-gewenst_perspectief").fill("Youssef elke dag naar school.")
        await press(other, other.locator("form[action$='/delen/analyse']").get_by_role("button", name="Opslaan"))
        field = other.locator("#samenvoegen-gewenst_perspectief")
        await expect(field).to_have_value("Rust in de financiën.\nYoussef elke dag naar school.")
        await expect(other.locator("#samenvoegen-gewenst_perspectief-let-op")).to_contain_text(
            "eerst die van de ander (regel 1), dan die van u (regel 2)"
        )
        await expect(field).to_have_attribute("aria-describedby", "samenvoegen-gewenst_perspectief-let-op")
        await check_page(other, "editor-samenvoegen-overlap")
    finally:
        await other_context.close()
