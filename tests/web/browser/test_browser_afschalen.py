"""In a real browser, with the keyboard only: the gemeentelijk aanspreekpunt hands a case back (afschalen). The
"Zaak teruggeven" button leads to a step that says their access ends; "Nee, terug" changes nothing, "Ja, zaak
teruggeven" hands the case back and the household is gone for them. The step passes axe (WCAG 2.1 AA) and 320 px.
The regisseur, who may never hand a case back, reads on her stagnatie page that the aanspreekpunt does it, and
finds no Afschalen link or button there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flows import ask_link, at, sign_in_by_link, tab_to, use_link
from harness import Site, check_page
from playwright.async_api import Page, expect
from test_browser_aanspreekpunt import AP_EMAIL, SANNE, _at_step_4, _regisseur

from eenplan.domain.access import Principal
from eenplan.domain.stagnatie import Outcome
from eenplan_crypto.testing import create_keys

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor: this module is about afschalen (factors have their own browser tests)."""
    return {"second_factor": "off"}


@pytest.fixture(scope="module")
def ap_key() -> Iterator[Any]:
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


async def _ready_to_hand_back(site: Site, ap_key: Any) -> str:
    """Step 4 with the aanspreekpunt's actions, result, term and new afspraken recorded."""
    svc, hh = site.services, site.household_id
    cid = await _at_step_4(site, ap_key)
    ap = Principal((await svc.stagnatie.get(_regisseur(site), hh, cid))["aanspreekpunt_id"], hh)
    termijn = site.clock.today() + timedelta(days=30)
    await svc.stagnatie.record_outcome(
        ap, hh, cid, Outcome.ACTIES, datum=None, acties="Gesprek wethouder", resultaat="Mentor", termijn=termijn
    )
    version = (await svc.households.get(_regisseur(site), hh)).current_version
    await svc.stagnatie.commit(ap, hh, cid, "Mentor belt elke week", version)
    return cid


async def _afgeschaald(site: Site, cid: str) -> bool:
    return bool((await site.services.stagnatie.get(_regisseur(site), site.household_id, cid))["afgeschaald"])


async def test_afschalen_asks_first_and_is_done_with_the_keyboard(page: Page, site: Site, ap_key: Any) -> None:
    cid = await _ready_to_hand_back(site, ap_key)
    base = f"/huishoudens/{site.household_id}/escalatie"
    step = f"{base}/zaken/{cid}/afschalen"
    await page.goto(base)
    await ask_link(page, site, AP_EMAIL, name="inloggen")
    await use_link(page, await site.mail.next_link(AP_EMAIL, ap_key))
    await page.wait_for_url(at(base))

    await tab_to(page, f"a[href='{step}']")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Zaak teruggeven aan de regisseur")
    await expect(page.locator("#gevolg")).to_contain_text("Daarna ziet u dit huishouden niet meer.")
    await check_page(page, "afschalen-stap")
    assert not await _afgeschaald(site, cid)  # the step changed nothing

    await tab_to(page, "main a:text-is('Nee, terug')")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.wait_for_url(at(base))
    await expect(page.locator(f"#zaak-{cid}")).to_contain_text("stap 4 van 4")
    assert not await _afgeschaald(site, cid)

    await tab_to(page, f"a[href='{step}']")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await tab_to(page, "main button[type=submit]:text-is('Ja, zaak teruggeven')")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.wait_for_url(at("/huishoudens"))  # no escalation left: their households
    assert await _afgeschaald(site, cid)
    await page.goto(base)
    await expect(page.locator("h1")).not_to_contain_text("Escalatie")


async def test_the_regisseur_reads_who_hands_back_and_finds_no_afschalen(page: Page, site: Site, ap_key: Any) -> None:
    cid = await _ready_to_hand_back(site, ap_key)
    base = f"/huishoudens/{site.household_id}/regie/stagnatie"
    await sign_in_by_link(page, site, SANNE[1], start=base)
    await page.wait_for_url(at(base))
    case = page.locator(f"section:has(#zaak-{cid})")
    await expect(case).to_contain_text("stap 4 van 4")
    await expect(case).to_contain_text("Daarna geeft het de zaak terug (afschalen).")
    await expect(page.locator("a[href$='/afschalen'], form[action$='/afschalen']")).to_have_count(0)
    await expect(page.get_by_role("link", name="Afschalen")).to_have_count(0)
    await expect(page.get_by_role("button", name="Afschalen")).to_have_count(0)
    await check_page(page, "regie-stagnatie-stap-4")
    assert not await _afgeschaald(site, cid)
