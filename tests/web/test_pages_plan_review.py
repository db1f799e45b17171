"""Review findings on the plan pages (issue 12): the log says only what a page showed, a HEAD reads nothing,
and "since your last visit" ends once the current version was read."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from support.mail_helpers import pdf_text
from support.pagekit import sign_in
from support.plan_kit import FATIMA, KHADIJA, page_text, regisseur

from eenplan.config import Settings
from eenplan.domain.audit import AccessEvent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about what a person sees of the plan."""
    return dataclasses.replace(settings, second_factor="off")


async def _entries(services: Any, demo: dict[str, Any]) -> list[AccessEvent]:
    async with services.plan._uow() as uow:
        return [e for _, e in await uow.access_log.entries(demo["household"]["id"], limit=200)]


async def _give_budgetplan_to_inge(services: Any, demo: dict[str, Any]) -> None:
    """Version 3: Joost's action 'Budgetplan opstellen met Fatima' goes to Inge Bakker (doelen changes)."""
    hid = demo["household"]["id"]
    doelen = json.loads((await services.plan.current(regisseur(demo), hid)).sections["doelen"])
    doelen[0]["acties"][0]["wie"] = demo["by_name"]["Inge Bakker"]["id"]
    await services.plan.change(regisseur(demo), hid, None, {"doelen": doelen})


async def test_a_change_outside_my_part_of_a_section_is_not_logged_as_read(client, services, demo, capsys):
    await _give_budgetplan_to_inge(services, demo)  # Khadija sees only her own action of that goal: unchanged
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "veranderd?van=2&tot=3")
    assert "In de delen die u mag lezen is niets veranderd." in text
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    diff = next(e for e in await _entries(services, demo) if e.actor_id == khadija and e.detail == "diff 2-3")
    assert "doelen" not in diff.sections, diff.sections


@pytest.mark.parametrize("tail", ["plan", "plan.pdf", "veranderd", "overleggen"])
async def test_a_head_request_shows_nothing_and_logs_nothing(client, services, demo, capsys, tail):
    await sign_in(client, capsys, FATIMA)
    before = len(await _entries(services, demo))
    resp = await client.head(f"/huishoudens/{demo['household']['id']}/{tail}", allow_redirects=False)
    assert resp.status == 405
    assert len(await _entries(services, demo)) == before


async def test_after_reading_the_current_version_again_nothing_changed_since_my_last_visit(
    client, services, demo, capsys
):
    await sign_in(client, capsys, FATIMA)
    await page_text(client, demo, "plan")  # version 2
    await _give_budgetplan_to_inge(services, demo)
    first = await page_text(client, demo, "plan")  # version 3: what changed since 2 is offered once
    assert "U las eerder versie 2." in first
    assert "veranderd?van=2&tot=3" in first
    again = await page_text(client, demo, "plan")
    assert "Er is niets veranderd sinds uw vorige bezoek." in again
    assert "U las eerder versie 2." not in again and "veranderd?van=2&tot=3" not in again
    changes = await page_text(client, demo, "veranderd")
    assert "Er is niets veranderd sinds uw vorige bezoek." in changes
    assert "U las eerder versie" not in changes


async def test_the_grandmother_hears_her_action_moved_not_that_the_goal_left_the_plan(client, services, demo, capsys):
    hid = demo["household"]["id"]
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    doelen = json.loads((await services.plan.current(regisseur(demo), hid)).sections["doelen"])
    for goal in doelen:
        for action in goal["acties"]:
            if action["wie"] == khadija:
                action["wie"] = demo["by_name"]["Inge Bakker"]["id"]
    await services.plan.change(regisseur(demo), hid, None, {"doelen": doelen})
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "veranderd?van=2&tot=3")
    assert "U doet de actie 'Samen de post ordenen' niet meer; iemand anders doet die nu." in text
    assert "staat niet meer in het plan" not in text
    back = await page_text(client, demo, "veranderd?van=1&tot=2")
    assert "U heeft nu een actie bij het doel 'Fatima heeft overzicht over haar geld': 'Samen de post ordenen'" in back
    assert "Nieuw doel" not in back


async def test_the_plan_names_actions_by_what_says_u_for_me_and_when_i_have_none(client, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "plan")
    assert '<h4 class="utrecht-heading-4">Samen de post ordenen</h4>' in text
    assert "Actie 1" not in text
    action = text.split('<h4 class="utrecht-heading-4">Samen de post ordenen</h4>', 1)[1].split("</dl>", 1)[0]
    assert '<dd class="utrecht-data-list__item-value">U</dd>' in action and "Khadija" not in action
    afspraken = text.split('id="deel-afspraken"', 1)[1].split("</section>", 1)[0]
    assert "U heeft nu geen afspraken." in afspraken


async def test_the_version_history_shows_the_time_of_each_version(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    text = await page_text(client, demo, "veranderd/versies")
    assert re.search(r"Gemaakt op \w+dag \d+ \w+ \d{4} om \d\d:\d\d", text), text


async def test_the_pdf_says_its_date_in_words_and_stand_like_the_page(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    resp = await client.get(f"/huishoudens/{demo['household']['id']}/plan.pdf")
    body = pdf_text(await resp.read())
    assert re.search(r"versie 2 van \w+dag \d+ \w+ \d{4}", body), body[:300]
    assert not re.search(r"versie 2 van \d{4}-\d\d-\d\d", body)
    assert "Stand: nog bezig" in body and "Status: nog bezig" not in body
