"""The regisseur's whole morning in a real browser (issue 13 item 8, "How we will check"): Sanne de Vries, regisseur
of two households, signs in (the mail link, then an authenticator app as her second factor), starts at her
caseload, opens the household, adds an action for the grandmother in the plan editor with the keyboard alone (the
other goals untouched, checked through the API), plans the startoverleg through a date poll inside its window,
picks the date, sees the grandmother's answer (given on her own page) arrive, closes the overleg with the next one,
opens a stagnation case and escalates it, and moves the phase. Every page on the way passes axe (WCAG 2.1 AA), is
screenshot (`ochtend-*.png`) and fits 320 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flows import api, at, press, second_household, set_up_totp, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Browser, Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.household import Phase
from eenplan.domain.overleg import OverlegStatus, Partstat, Vote

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

AMS = ZoneInfo("Europe/Amsterdam")
SANNE = ("Sanne de Vries", "sanne.devries@example.org")
OMA = ("Khadija El Amrani", "khadija@example.org")
WEEKS = 5_000_000  # seconds: the sessions outlive the clock moved past the overleg


@pytest.fixture
def site_overrides() -> dict[str, Any]:
    """The default second factor for professionals; sessions that outlive the moved clock."""
    return {"session_idle_seconds": WEEKS, "session_max_seconds": WEEKS}


async def _sections(site: Site) -> dict[str, Any]:
    """The plan as a program sees it: the regisseur's GET of the current plan through the JSON API."""
    token = site.person(SANNE[0])["token"]
    return dict(await api(site, "GET", f"/api/households/{site.household_id}/plan", token))


async def _sign_in_with_an_app(page: Page, site: Site) -> None:
    """Her sign-in: the mail link, then (a professional) a second factor, an authenticator app she sets up
    now; onward to the caseload she asked for."""
    await sign_in_by_link(page, site, SANNE[1], start="/werkbank")
    await page.wait_for_url(at("/inloggen/tweede-stap(?:/.*)?"))  # no plan content before the second factor
    await check_page(page, "ochtend-tweede-stap")
    await press(page, page.locator("main a[href^='/inloggen/tweede-stap/app']").first)
    await page.wait_for_url(at("/inloggen/tweede-stap/app"))
    await check_page(page, "ochtend-app-instellen")
    await set_up_totp(page, site)
    await page.wait_for_url(at("/inloggen/tweede-stap/klaar"))
    await check_page(page, "ochtend-tweede-stap-klaar")
    await press(page, page.locator("main a.eenplan-onward, main a[href^='/werkbank']").first)
    await page.wait_for_url(at("/werkbank"))


async def _go(page: Page, href: str, path: str, name: str) -> None:
    """Follow the link to `href` on the page in view, wait for `path` and check the page."""
    await press(page, page.locator(f"main a[href='{href}']").first)
    await page.wait_for_url(at(path))
    await check_page(page, name)


async def _keyboard_action_for_oma(page: Page) -> None:
    """In the plan editor, with Tab/Enter and typing only: a new action under the school goal for the grandmother."""
    form = "main form[action$='/doelen/school/acties']"
    await tab_to(page, "#nieuwe-actie-school-open", limit=200)
    await page.keyboard.press("Enter")  # opens "Nieuwe actie"
    await tab_to(page, "#nieuwe-actie-school-wie")
    await page.keyboard.type("Khadija")  # the select jumps to her name
    await page.keyboard.press("Tab")
    await page.keyboard.type("Youssef op woensdag ophalen van school")
    await page.keyboard.press("Tab")
    await page.keyboard.type("12092026")  # a date input, typed in the order headless chromium shows (mm-dd-yyyy)
    await tab_to(page, "#nieuwe-actie-school-einde")  # Tab first walks the date's own parts
    await page.keyboard.type("12232026")
    await tab_to(page, "#nieuwe-actie-school-evaluatie")
    await page.keyboard.type("Bij het startoverleg")
    await tab_to(page, f"{form} button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def _oma_answers_yes(browser: Browser, site: Site, overleg_path: str) -> None:
    """As the grandmother, in her own browser: the sign-in link leads to the overleg; she answers 'ja'."""
    ctx = await browser.new_context(base_url=site.url, bypass_csp=True, locale="nl-NL")
    try:
        oma = await ctx.new_page()
        await sign_in_by_link(oma, site, OMA[1], start=overleg_path)
        await oma.wait_for_url(at(overleg_path))
        await check_page(oma, "ochtend-oma-overleg")
        await oma.locator("#antwoord-ja").check()
        await press(oma, oma.locator("main form[action$='/antwoord'] button[type=submit]"))
        await expect(oma.get_by_role("status")).to_contain_text("Uw antwoord is bewaard.")
        await expect(oma.locator("#antwoord-ja")).to_be_checked()
        await check_page(oma, "ochtend-oma-antwoord")
    finally:
        await ctx.close()


async def test_the_regisseurs_whole_morning(browser: Browser, page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person(SANNE[0])["id"], household, second_factor=True)
    oma_id = site.person(OMA[0])["id"]
    for to in (Phase.INTAKE, Phase.STARTOVERLEG):  # the household came in last week: now its startoverleg
        await site.services.households.change_phase(regisseur, household, to, "aanmelding en intake gedaan")
    other = await second_household(site, "H-2026-302", "Gezin Jansen", [])
    home = f"/huishoudens/{household}"

    # the caseload: both households, this one in the startoverleg phase
    await _sign_in_with_an_app(page, site)
    rows = page.locator("main ol > li[data-household]")
    await expect(rows).to_have_count(2)
    assert {await r.get_attribute("data-household") for r in await rows.all()} == {household, other}
    row = page.locator(f"main li[data-household='{household}']")
    await expect(row).to_contain_text("3 · Startoverleg")
    await check_page(page, "ochtend-werkbank")
    await press(page, row.locator("h3 a"))
    await page.wait_for_url(at(home))
    await check_page(page, "ochtend-huishouden")

    # the plan editor, keyboard only: an action for the grandmother, nothing else touched
    before = await _sections(site)
    editor = f"{home}/plan/bewerken"
    await tab_to(page, f"main a[href='{editor}']")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.wait_for_url(at(editor))
    await check_page(page, "ochtend-editor")
    await _keyboard_action_for_oma(page)
    await expect(page.locator("#melding")).to_contain_text("Uw wijziging is opgeslagen.")
    await check_page(page, "ochtend-editor-actie")
    after = await _sections(site)
    assert after["version"] == before["version"] + 1
    goals_before = {g["id"]: g for g in before["sections"]["doelen"]}
    goals_after = {g["id"]: g for g in after["sections"]["doelen"]}
    assert goals_after.keys() == goals_before.keys()
    assert goals_after["financien"] == goals_before["financien"]  # the other goal untouched
    school = goals_after["school"]
    assert {k: v for k, v in school.items() if k != "acties"} == {
        k: v for k, v in goals_before["school"].items() if k != "acties"
    }
    assert school["acties"][:-1] == goals_before["school"]["acties"]  # the goal's own actions untouched
    added = school["acties"][-1]
    assert (added["wie"], added["wat"]) == (oma_id, "Youssef op woensdag ophalen van school")
    assert (added["start"], added["einde"]) == ("2026-12-09", "2026-12-23")
    unchanged = ("doelen", "version")
    assert {k: v for k, v in after["sections"].items() if k not in unchanged} == {
        k: v for k, v in before["sections"].items() if k not in unchanged
    }  # every other section as it was

    # the startoverleg: a date poll from the slots inside the window
    await press(page, page.locator(f"main a[href='{home}']").last)  # "Terug naar het huishouden"
    await page.wait_for_url(at(home))
    planning = f"{home}/regie/overleggen"
    await _go(page, planning, planning, "ochtend-overleggen")
    await expect(page.locator("main")).to_contain_text("Werkdag in het venster")
    boxes = page.locator("main input[name=optie]")
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await press(page, page.get_by_role("button", name="Datumprikker maken"))
    await expect(page.get_by_role("status")).to_contain_text("De datumprikker staat klaar")
    await check_page(page, "ochtend-prikker")
    (poll,) = await site.services.polls.open_polls(regisseur, household)
    cal = await site.services.overleggen.window_calendar(regisseur, household, None)
    assert all(cal.earliest <= o.start.astimezone(AMS).date() <= cal.latest for o in poll.options)
    assert oma_id in {i.betrokkene_id for i in poll.invitees}
    for voter in ("Fatima El Amrani", OMA[0]):  # the invitees vote (as they would on their page)
        me = Principal(site.person(voter)["id"], household, second_factor=True)
        await site.services.polls.vote(me, household, poll.id, {poll.options[0].id: Vote.YES})
    await page.reload()
    await expect(page.locator("main")).to_contain_text("2 ja, 0 misschien, 0 nee")
    await check_page(page, "ochtend-prikker-uitslag")

    # the pick: the overleg and its invitations
    await page.locator(f"#kies-{poll.id}-1").check()
    await page.locator(f"#locatie-{poll.id}").fill("Wijkcentrum De Kring")
    await press(page, page.get_by_role("button", name="Deze datum kiezen en uitnodigen"))
    await expect(page.get_by_role("status")).to_contain_text("Het overleg is gepland")
    await check_page(page, "ochtend-overleg")
    (overleg,) = await site.services.overleggen.list(regisseur, household)
    assert overleg.start == poll.options[0].start
    assert cal.earliest <= overleg.start.astimezone(AMS).date() <= cal.latest
    oma_row = page.locator("main table tbody tr", has_text=OMA[0])
    await expect(oma_row.locator("td").nth(0)).to_have_text("Nog geen antwoord")

    # as the grandmother: her answer arrives, and the regisseur's overleg page shows it
    await _oma_answers_yes(browser, site, f"{home}/overleggen/{overleg.id}")
    await page.reload()
    await expect(oma_row.locator("td").nth(0)).to_have_text("Komt")
    await expect(oma_row.locator("td").nth(1)).to_have_text("op de website")
    await check_page(page, "ochtend-overleg-antwoord")
    answered = await site.services.overleggen.get(regisseur, household, overleg.id)
    assert {i.betrokkene_id: i.partstat for i in answered.invitees}[oma_id] is Partstat.ACCEPTED

    # after the overleg: close it with the decisions and the next one
    site.clock.advance(overleg.end - site.clock() + timedelta(hours=1))
    await page.reload()
    nxt = (overleg.start.astimezone(AMS) + timedelta(days=42)).date()
    await page.get_by_label("Besluiten").fill("Plan besproken. Oma haalt Youssef op woensdag op.")
    await page.locator("#volgende_datum").fill(nxt.isoformat())
    await press(page, page.get_by_role("button", name="Overleg afsluiten"))
    await expect(page.get_by_role("status")).to_contain_text("Het overleg is afgesloten")
    await check_page(page, "ochtend-overleg-afgesloten")
    held = await site.services.overleggen.get(regisseur, household, overleg.id)
    assert held.status is OverlegStatus.HELD and held.next_overleg_id
    following = await site.services.overleggen.get(regisseur, household, held.next_overleg_id)
    assert following.start.astimezone(AMS).date() == nxt and following.status is OverlegStatus.PLANNED
    await _go(
        page,
        f"{planning}/{held.next_overleg_id}",
        f"{planning}/{held.next_overleg_id}",
        "ochtend-volgend-overleg",
    )

    # stagnation: the mentor's talk does not happen; a case at step 1, escalated to step 2
    await press(page, page.locator(f"main a[href='{home}']").last)
    await page.wait_for_url(at(home))
    stagnatie = f"{home}/regie/stagnatie"
    await _go(page, stagnatie, stagnatie, "ochtend-stagnatie")
    await page.get_by_label("Doel of actie").select_option("school|mentor")
    await page.get_by_label("Organisatie").fill("Jeugdteam")
    await page.get_by_label("Wat gaat er mis").fill("Het gesprek met de mentor komt er niet.")
    await press(page, page.get_by_role("button", name="Zaak openen"))
    await expect(page.locator("main")).to_contain_text("stap 1 van 4")
    await check_page(page, "ochtend-stagnatie-zaak")
    (case,) = await site.services.stagnatie.list(regisseur, household)
    await press(page, page.get_by_role("button", name="Escaleren naar stap 2"))
    await expect(page.locator("main")).to_contain_text("stap 2 van 4")
    await check_page(page, "ochtend-stagnatie-stap-2")
    assert (await site.services.stagnatie.get(regisseur, household, case["id"]))["step"] == 2

    # the phase: from the startoverleg to voortgang, with the reason
    await page.get_by_label("Naar fase").select_option(str(Phase.VOORTGANG.value))
    await page.get_by_label("Waarom").fill("Startoverleg gehouden, plan besproken")
    await press(page, page.get_by_role("button", name="Fase veranderen"))
    await expect(page.locator("main")).to_contain_text("fase 4: Voortgang")
    await check_page(page, "ochtend-fase")
    assert (await site.services.households.get(regisseur, household)).phase is Phase.VOORTGANG
