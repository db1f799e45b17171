"""Issue 13 gaps in a real browser: the regisseur signs in (no `next`) and lands on her werkbank, records on
Termijnen van het plan that the mother asked for the plan in writing (first with a day in the future, refused next
to the field), sees the deadline on the werkbank, marks the grandmother as must-attend for the next overleg on the
betrokkenen page, and adopts the plan at today's overleg in the editor. Every page state passes axe (WCAG 2.1 AA),
is screenshot and fits 320 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flows import at, press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.overleg import Invitee, OverlegType
from eenplan.services.overleg_drafts import OverlegDraft

pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = "sanne.devries@example.org"


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor (factors have their own browser tests)."""
    return {"second_factor": "off"}


async def test_deadlines_must_attend_and_vaststellen(page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person("Sanne de Vries")["id"], household, second_factor=True)
    joost, oma = site.person("Joost Willems")["id"], site.person("Khadija El Amrani")["id"]
    tomorrow = site.clock.today() + timedelta(days=1)
    site.clock.to(tomorrow.year, tomorrow.month, tomorrow.day, 8)  # 09:00 in Amsterdam: the overleg is today's
    soon = site.clock() + timedelta(hours=1)
    await site.services.overleggen.plan(
        regisseur,
        household,
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG,
            start=soon,
            end=soon + timedelta(hours=1),
            invitees=(Invitee(joost, False),),
            location="Wijkcentrum",
        ),
    )

    await sign_in_by_link(page, site, SANNE)
    await page.wait_for_url(at("/werkbank"))  # a regisseur lands on her werkbank

    termijnen = f"/huishoudens/{household}/regie/termijnen"
    await page.goto(termijnen)
    await check_page(page, "termijnen")
    await page.get_by_label("Wie vroeg erom").select_option(label="Fatima El Amrani (ouder)")
    tomorrow_text = (site.clock.today() + timedelta(days=1)).isoformat()
    await page.get_by_label("Wanneer vroeg hij of zij erom").fill(tomorrow_text)
    await press(page, page.get_by_role("button", name="Vraag vastleggen"))
    await expect(page.locator("#gevraagd-datum-fout")).to_be_visible()
    await check_page(page, "termijnen-fout")
    await page.get_by_label("Wanneer vroeg hij of zij erom").fill(site.clock.today().isoformat())
    await press(page, page.get_by_role("button", name="Vraag vastleggen"))
    await expect(page.get_by_role("status")).to_contain_text("binnen 14 dagen op schrift")
    await check_page(page, "termijnen-vastgelegd")

    await page.goto("/werkbank")
    await expect(page.locator("main [data-kind='plan-op-schrift']")).to_contain_text("Plan op schrift zetten")
    await check_page(page, "werkbank-termijnen")

    betrokkenen = f"/huishoudens/{household}/betrokkenen"
    await page.goto(betrokkenen)
    row = page.locator(f"main li[data-betrokkene='{oma}']")
    await expect(row.locator("[data-must]")).to_have_attribute("data-must", "niet-uitgenodigd")
    await press(page, row.get_by_role("button", name="Verplicht maken"))
    await page.wait_for_url(at(betrokkenen))
    await expect(row.locator("[data-must]")).to_have_attribute("data-must", "ja")
    await check_page(page, "betrokkenen-volgend-overleg")

    editor = f"/huishoudens/{household}/plan/bewerken"
    await page.goto(editor + "#vaststellen")
    await check_page(page, "editor-vaststellen")
    await page.get_by_label("Bij welk overleg is het plan goedgekeurd?").select_option(
        index=1
    )  # 0 is "Kies een overleg": no default
    await press(page, page.locator("#vaststellen ~ form button[type=submit]").first)
    await page.wait_for_url(at(editor))
    await expect(page.get_by_role("status")).to_contain_text("vastgesteld")
