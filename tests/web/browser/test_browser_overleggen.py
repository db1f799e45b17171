"""Onze overleggen in a real browser, as the mother: the list, one overleg answered with the keyboard alone
(Tab to the answers, arrow keys between them, Space, Tab to the button, Enter), the date poll, the calendar
link shown once. Every page state passes axe (WCAG 2.1 AA), is screenshot and fits 320 px."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flows import at, press, sign_in_by_link, tab_to
from harness import Site, check_page
from playwright.async_api import Page, expect

from eenplan.domain.access import Principal
from eenplan.domain.overleg import Invitee, OverlegType, Partstat, Vote
from eenplan.services.overleg_drafts import OverlegDraft

#: on the session's event loop, like the one browser (conftest.browser)
pytestmark = pytest.mark.asyncio(loop_scope="session")

AMS = ZoneInfo("Europe/Amsterdam")
MOTHER = ("Fatima El Amrani", "fatima@example.org")


async def focused_id(page: Page) -> str:
    return str(await page.evaluate("() => document.activeElement.id"))


async def test_the_mother_answers_with_the_keyboard_and_votes_in_the_poll(page: Page, site: Site) -> None:
    household = site.household_id
    regisseur = Principal(site.person("Sanne de Vries")["id"], household, second_factor=True)
    mother = site.person(MOTHER[0])["id"]
    start = (site.clock().astimezone(AMS) + timedelta(days=21)).replace(hour=14, minute=0, second=0, microsecond=0)
    overleg, _ = await site.services.overleggen.plan(
        regisseur,
        household,
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG,
            start=start,
            end=start + timedelta(minutes=90),
            invitees=(Invitee(mother, True), Invitee(site.person("Khadija El Amrani")["id"], False)),
            agenda="Hoe gaat het met het budgetplan?",
            location="Wijkcentrum De Kring, Maastricht",
        ),
    )
    first = start + timedelta(days=30)
    poll = await site.services.polls.create(
        regisseur,
        household,
        overleg_type=OverlegType.VOORTGANGSOVERLEG,
        options=[(first, first + timedelta(hours=1)), (first + timedelta(days=2), first + timedelta(days=2, hours=1))],
        invitees=(Invitee(mother, True),),
    )

    base = f"/huishoudens/{household}/overleggen"
    await sign_in_by_link(page, site, MOTHER[1], start=base)
    await page.wait_for_url(at(base))
    await expect(page.locator("main")).to_contain_text("Wijkcentrum De Kring")
    await check_page(page, "overleggen")

    detail = f"{base}/{overleg.id}"
    await tab_to(page, f"main a[href='{detail}']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(at(detail))
    await check_page(page, "overleg")

    await tab_to(page, "#antwoord-ja")  # Tab enters the group at its first answer
    await page.keyboard.press("ArrowDown")  # arrow keys move between the answers (and choose)
    assert await focused_id(page) == "antwoord-nee"
    await page.keyboard.press("ArrowDown")
    assert await focused_id(page) == "antwoord-misschien"
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Space")
    await expect(page.locator("#antwoord-nee")).to_be_checked()
    await tab_to(page, "main form[action$='/antwoord'] button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Uw antwoord is bewaard.")
    await expect(page.locator("#antwoord-nee")).to_be_checked()
    await check_page(page, "overleg-antwoord")
    seen = await site.services.overleggen.get(regisseur, household, overleg.id)
    assert next(i for i in seen.invitees if i.betrokkene_id == mother).partstat is Partstat.DECLINED

    await page.goto(base)
    await press(page, page.locator(f"main a[href='{base}/prikker/{poll.id}']"))
    await check_page(page, "overleg-prikker")
    a, b = poll.options
    await page.locator("#optie-1-ja").check()
    await page.locator("#optie-2-misschien").check()
    await press(page, page.get_by_role("button", name="Keuze bewaren"))
    await expect(page.get_by_role("status")).to_contain_text("Bewaard.")
    await check_page(page, "overleg-prikker-bewaard")
    votes = (await site.services.polls.get(regisseur, household, poll.id)).votes
    assert votes[a.id][mother] is Vote.YES and votes[b.id][mother] is Vote.MAYBE

    await page.goto(base)
    await press(page, page.get_by_role("button", name="Agenda-link maken"))
    link = await page.get_by_label("Agenda-link").input_value()
    assert link.startswith(site.url + "/agenda/") and link.endswith(".ics")
    await check_page(page, "overleg-agenda-link")
