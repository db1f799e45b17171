"""Ons plan, Wat is er veranderd and the version history in a real browser, for the grandmother and the mother:
signed in by mail link, every page passes axe (WCAG 2.1 AA), is screenshot and fits 320 px; a marker the mother
did not share with the grandmother never appears on her pages, and does on the mother's."""

from __future__ import annotations

import json

import pytest
from flows import press, sign_in_by_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

MARKER = "ZEGEL-5512-analyse"


async def _new_version(site: Site) -> None:
    """The regisseur writes a marker into the analyse and gives the budget plan to Inge Bakker (version 3)."""
    regisseur = Principal(site.person("Sanne de Vries")["id"], site.household_id, second_factor=True)
    doelen = json.loads((await site.services.plan.current(regisseur, site.household_id)).sections["doelen"])
    doelen[0]["acties"][0]["wie"] = site.person("Inge Bakker")["id"]
    doelen[0]["acties"][1]["evaluatie"] = "Na drie weken"
    await site.services.plan.change(
        regisseur,
        site.household_id,
        None,
        {"analyse": {"analyse": MARKER, "gewenst_perspectief": ""}, "doelen": doelen},
    )


async def _walk(page: Page, site: Site, who: str) -> dict[str, str]:
    """Plan, its changes and the version history, each checked; their visible texts."""
    base = f"/huishoudens/{site.household_id}"
    texts = {}
    await page.goto(f"{base}/plan")
    await expect(page.locator("h1")).to_have_text("Ons plan")
    await check_page(page, f"plan-{who}")
    texts["plan"] = await page.locator("main").inner_text()
    await press(page, page.locator("main a", has_text="Wat is er veranderd").first)
    await check_page(page, f"veranderd-{who}")
    texts["veranderd"] = await page.locator("main").inner_text()
    await press(page, page.locator("main a", has_text="Alle versies").first)
    await check_page(page, f"versies-{who}")
    texts["versies"] = await page.locator("main").inner_text()
    await press(page, page.locator("main a", has_text="Wat is er veranderd in versie 3").first)
    await check_page(page, f"veranderd-2-3-{who}")
    texts["veranderd-2-3"] = await page.locator("main").inner_text()
    await page.locator("main input#van").fill("negen")
    await press(page, page.locator("main form button", has_text="Vergelijken"))
    await check_page(page, f"veranderd-fout-{who}")
    texts["fout"] = await page.locator("main").inner_text()
    return texts


async def test_the_grandmothers_plan_pages(page: Page, site: Site) -> None:
    await _new_version(site)
    await sign_in_by_link(page, site, "khadija@example.org")
    texts = await _walk(page, site, "oma")
    assert all(MARKER not in text for text in texts.values())
    assert "Samen de post ordenen" in texts["plan"] and "Budgetplan" not in texts["plan"]
    assert "delen dit deel niet met u" in texts["plan"]
    assert "Na drie weken" in texts["veranderd-2-3"] and "Inge Bakker" not in texts["veranderd-2-3"]
    assert "Versie 3" in texts["versies"]
    assert "Van versie" in texts["fout"]


async def test_the_mothers_plan_pages(page: Page, site: Site) -> None:
    await _new_version(site)
    await sign_in_by_link(page, site, "fatima@example.org")
    texts = await _walk(page, site, "moeder")
    assert MARKER in texts["plan"] and "deelt dit deel niet" not in texts["plan"]
    assert "Inge Bakker is nu eigenaar van 'Budgetplan opstellen met Fatima'." in texts["veranderd-2-3"]
