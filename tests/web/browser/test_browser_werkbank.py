"""The werkbank and the betrokkenen pages in a real browser (issue 13 items 1 and 3): the regisseur signs in
straight to her caseload, sees the overdue household first, filters, opens the household, adds a betrokkene
(first with a refused field, named next to it), and issues a machine token. Every page state passes axe
(WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from flows import at, press, second_household, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.household import Phase

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = "sanne.devries@example.org"
WEEKS = 5_000_000  # seconds: the session outlives the clock moved past the startoverleg window


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor (factors have their own browser tests); a session that outlives the moved clock."""
    return {"second_factor": "off", "session_idle_seconds": WEEKS, "session_max_seconds": WEEKS}


async def test_the_morning_caseload_then_a_new_betrokkene(page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person("Sanne de Vries")["id"], household, second_factor=True)
    for to in (Phase.INTAKE, Phase.STARTOVERLEG):
        await site.services.households.change_phase(regisseur, household, to, "browser")
    quiet = await second_household(site, "H-2026-301", "Gezin Jansen", [])
    site.clock.advance(days=30)  # the startoverleg window of the demo household has passed

    await sign_in_by_link(page, site, SANNE, start="/werkbank")
    await page.wait_for_url(at("/werkbank"))
    rows = page.locator("main ol > li[data-household]")
    await expect(rows).to_have_count(2)
    assert await rows.nth(0).get_attribute("data-household") == household
    await expect(rows.nth(0)).to_contain_text("Te laat")
    await check_page(page, "werkbank")

    await press(page, page.locator("main nav a", has_text="Te laat"))
    await page.wait_for_url(at("/werkbank"))
    assert page.url.endswith("/werkbank?filter=te-laat")
    await expect(rows).to_have_count(1)
    assert quiet not in await page.content()
    await check_page(page, "werkbank-te-laat")

    await press(page, rows.nth(0).locator("h3 a"))
    await page.wait_for_url(at(f"/huishoudens/{household}"))
    await press(page, page.locator("main a", has_text="Betrokkenen"))
    base = f"/huishoudens/{household}/betrokkenen"
    await page.wait_for_url(at(base))
    await check_page(page, "betrokkenen")

    await press(page, page.locator("main a", has_text="Betrokkene toevoegen"))
    await page.wait_for_url(at(base + "/nieuw"))
    await check_page(page, "betrokkene-nieuw")
    await page.get_by_label("Naam").fill("Ahmed El Amrani")
    await page.get_by_label("Soort").select_option("netwerk")
    await page.get_by_label("Rol").select_option("netwerklid")
    await page.get_by_label("E-mailadres").fill("geen-adres")
    await press(page, page.get_by_role("button", name="Betrokkene toevoegen"))
    await expect(page.locator("#veld-email-fout")).to_be_visible()
    await check_page(page, "betrokkene-fout")
    await page.get_by_label("E-mailadres").fill("ahmed@example.org")
    await page.get_by_label("Relatie tot het gezin").fill("opa")
    await page.get_by_label("dinsdag").check()
    await press(page, page.get_by_role("button", name="Betrokkene toevoegen"))
    await expect(page.get_by_role("status")).to_contain_text("De betrokkene is toegevoegd.")
    await check_page(page, "betrokkene")

    await press(page, page.get_by_role("button", name="Sleutel voor een programma maken"))
    await expect(page.locator("#token-waarde")).not_to_be_empty()
    await check_page(page, "betrokkene-token")
