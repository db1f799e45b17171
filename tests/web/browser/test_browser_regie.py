"""The regisseur's overleggen and stagnatie pages in a real browser: the startoverleg window as a calendar, a
date poll made from the slots inside it, the date picked with the keyboard alone (Tab to the option, Space,
Tab to the place, type, Tab to the button, Enter), the overleg closed with the next one; then a stagnation case
escalated and the phase moved. Every page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flows import at, press, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.household import Phase
from eenplan.domain.overleg import OverlegStatus, Vote

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

AMS = ZoneInfo("Europe/Amsterdam")
SANNE = "sanne.devries@example.org"
WEEKS = 5_000_000  # seconds: the session outlives the clock moved past the overleg


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """No second factor (factors have their own browser tests); a session that outlives the moved clock."""
    return {"second_factor": "off", "session_idle_seconds": WEEKS, "session_max_seconds": WEEKS}


async def test_a_startoverleg_through_a_poll_inside_its_window_closed_with_the_next(page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person("Sanne de Vries")["id"], household, second_factor=True)
    mother = site.person("Fatima El Amrani")["id"]
    base = f"/huishoudens/{household}/regie/overleggen"

    await sign_in_by_link(page, site, SANNE, start=base)
    await page.wait_for_url(at(base))
    await expect(page.locator("main table caption").first).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Werkdag in het venster")
    await check_page(page, "regie-overleggen")

    boxes = page.locator("main input[name=optie]")
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await press(page, page.get_by_role("button", name="Datumprikker maken"))
    await expect(page.get_by_role("status")).to_contain_text("De datumprikker staat klaar")
    (poll,) = await site.services.polls.open_polls(regisseur, household)
    cal = await site.services.overleggen.window_calendar(regisseur, household, None)
    assert all(cal.earliest <= o.start.astimezone(AMS).date() <= cal.latest for o in poll.options)
    await site.services.polls.vote(
        Principal(mother, household, second_factor=True), household, poll.id, {poll.options[0].id: Vote.YES}
    )
    await page.reload()
    await expect(page.locator("main")).to_contain_text("1 ja, 0 misschien, 0 nee")
    await check_page(page, "regie-prikker-uitslag")

    # the pick, with the keyboard alone
    await tab_to(page, f"#kies-{poll.id}-1")
    await page.keyboard.press("Space")
    await tab_to(page, f"#locatie-{poll.id}")
    await page.keyboard.type("Wijkcentrum De Kring")
    await page.keyboard.press("Tab")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Het overleg is gepland")
    await check_page(page, "regie-overleg")
    (overleg,) = await site.services.overleggen.list(regisseur, household)
    assert overleg.start == poll.options[0].start and overleg.location == "Wijkcentrum De Kring"

    # after the overleg: close it, and plan the next one on the same form
    site.clock.advance(overleg.end - site.clock() + timedelta(hours=1))
    await page.reload()
    nxt = (overleg.start.astimezone(AMS) + timedelta(days=42)).date()
    await page.get_by_label("Besluiten").fill("Plan besproken. Volgende keer: school.")
    await page.locator("#volgende_datum").fill(nxt.isoformat())
    await press(page, page.get_by_role("button", name="Overleg afsluiten"))
    await expect(page.get_by_role("status")).to_contain_text("Het overleg is afgesloten")
    await check_page(page, "regie-overleg-afgesloten")
    held = await site.services.overleggen.get(regisseur, household, overleg.id)
    assert held.status is OverlegStatus.HELD and held.next_overleg_id
    following = await site.services.overleggen.get(regisseur, household, held.next_overleg_id)
    assert following.start.astimezone(AMS).date() == nxt and following.location == "Wijkcentrum De Kring"


async def test_a_stagnation_case_escalated_and_the_phase_moved(page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person("Sanne de Vries")["id"], household, second_factor=True)
    case = await site.services.stagnatie.open(
        regisseur, household, doel_id="school", actie_id="mentor", betrokkene_id=None,
        organisatie="Jeugdteam", toelichting="Geen gesprek met de mentor",
    )  # fmt: skip
    base = f"/huishoudens/{household}/regie/stagnatie"
    await sign_in_by_link(page, site, SANNE, start=base)
    await page.wait_for_url(at(base))
    await expect(page.locator("main")).to_contain_text("stap 1 van 4")
    await check_page(page, "regie-stagnatie")

    await press(page, page.get_by_role("button", name="Escaleren naar stap 2"))
    await expect(page.locator("main")).to_contain_text("stap 2 van 4")
    await check_page(page, "regie-stagnatie-stap-2")
    assert (await site.services.stagnatie.get(regisseur, household, case["id"]))["step"] == 2

    # only the moves the method allows from aanmelding are offered (a refused move cannot be chosen)
    await expect(page.get_by_label("Naar fase").locator("option")).to_have_text(["2. Intake", "6. Afsluiten"])
    await page.get_by_label("Naar fase").select_option("2")
    await page.get_by_label("Waarom").fill("Aanmelding compleet")
    await press(page, page.get_by_role("button", name="Fase veranderen"))
    await expect(page.locator("main")).to_contain_text("fase 2: Intake")
    assert (await site.services.households.get(regisseur, household)).phase is Phase.INTAKE
