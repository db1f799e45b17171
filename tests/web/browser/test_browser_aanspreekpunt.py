"""In a real browser: the gemeentelijk aanspreekpunt signs in with the mail link after step 4 and works on the
Escalatie page (its case, the deadlines, the copy of the plan; actions, result and term refused next to the
fields, then recorded); and the regisseur adds a voorziening in the plan editor with the keyboard only. Every
page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flows import ask_link, at, sign_in_by_link, tab_to, use_link
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.stagnatie import Outcome
from eenplan_crypto.testing import create_keys

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

SANNE = ("Sanne de Vries", "sanne.devries@example.org")
AP_EMAIL = "a.punt@maastricht.example"


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about the pages (factors have their own browser tests)."""
    return {"second_factor": "off"}


@pytest.fixture(scope="module")
def ap_key() -> Iterator[Any]:
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


def _regisseur(site: Site) -> Principal:
    return Principal(site.person(SANNE[0])["id"], site.household_id)


async def _at_step_4(site: Site, ap_key: Any) -> str:
    """Register Maastricht's aanspreekpunt and take a case up the ladder to step 4, as the regisseur does."""
    svc, me, hh = site.services, _regisseur(site), site.household_id
    await svc.aanspreekpunten.add("Maastricht", "Anna Punt", AP_EMAIL, ap_key.armored_public)
    case = await svc.stagnatie.open(
        me, hh, doel_id="school", actie_id="mentor", betrokkene_id=None, organisatie="Jeugdteam", toelichting=""
    )
    cid = str(case["id"])
    for outcome in (Outcome.INTERN_PLAN, Outcome.GESPREK, None):
        await svc.stagnatie.escalate(me, hh, cid)
        if outcome:
            await svc.stagnatie.record_outcome(
                me, hh, cid, outcome, datum=None, acties=None, resultaat=None, termijn=None
            )
    return cid


async def test_the_aanspreekpunt_records_actions_result_and_term(page: Page, site: Site, ap_key: Any) -> None:
    cid = await _at_step_4(site, ap_key)
    base = f"/huishoudens/{site.household_id}/escalatie"
    await page.goto(base)  # the sign-in form, then back here; the link comes encrypted to the pinned key
    await ask_link(page, site, AP_EMAIL, name="inloggen")
    await use_link(page, await site.mail.next_link(AP_EMAIL, ap_key))
    await page.wait_for_url(at(base))
    await expect(page.locator(f"#zaak-{cid}")).to_contain_text("stap 4 van 4")
    await expect(page.locator("#plan")).to_have_text("Het plan dat u kreeg")
    await check_page(page, "escalatie")

    key = f"zaak-{cid}"
    await page.locator(f"#{key}-acties").fill("Gesprek met de wethouder")
    async with page.expect_navigation():
        await page.locator(f"form[action$='/zaken/{cid}/acties'] button[type=submit]").click()
    await expect(page.locator(f"#{key}-resultaat-fout")).to_have_text("Schrijf op welk resultaat er moet komen.")
    await expect(page.locator(f"#{key}-acties")).to_have_value("Gesprek met de wethouder")
    await check_page(page, "escalatie-fout")

    await page.locator(f"#{key}-resultaat").fill("De mentor spreekt Youssef elke week")
    await page.locator(f"#{key}-termijn").fill("2026-12-18")
    async with page.expect_navigation():
        await page.locator(f"form[action$='/zaken/{cid}/acties'] button[type=submit]").click()
    await expect(page.locator("#melding")).to_contain_text("Opgeslagen: de acties, het resultaat en de termijn.")
    await check_page(page, "escalatie-vastgelegd")
    case = await site.services.stagnatie.get(_regisseur(site), site.household_id, cid)
    assert case["steps"][3]["resultaat"] == "De mentor spreekt Youssef elke week"


async def test_the_regisseur_adds_a_voorziening_with_the_keyboard(page: Page, site: Site) -> None:
    base = f"/huishoudens/{site.household_id}/plan/bewerken"
    await sign_in_by_link(page, site, SANNE[1], start=base)
    await page.wait_for_url(at(base))
    await check_page(page, "editor-delen")

    await tab_to(page, "#deel-voorzieningen-voorziening-1", limit=300)  # the empty row to add
    await page.keyboard.type("Huiswerkbegeleiding")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Twee middagen per week")
    await tab_to(page, "form[action$='/delen/voorzieningen'] button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
    await check_page(page, "editor-voorziening-toegevoegd")

    snap = await site.services.plan.current(_regisseur(site), site.household_id)
    voorzieningen = json.loads(snap.sections["voorzieningen"])
    assert [v["voorziening"] for v in voorzieningen] == ["Schuldhulpverlening", "Huiswerkbegeleiding"]
    assert voorzieningen[1] == {
        "voorziening": "Huiswerkbegeleiding",
        "toelichting": "Twee middagen per week",
        "status": "gevraagd",
    }
