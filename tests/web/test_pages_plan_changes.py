"""Wat is er veranderd (issue 12 item 2): since my last visit and between two versions, in words, scoped."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta

import pytest
from support.pagekit import sign_in
from support.plan_kit import FATIMA, KHADIJA, page_text, regisseur, words

from eenplan.config import Settings
from eenplan.domain.audit import Channel

MARKER = "ZEGEL-4410-analyse"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about what a person sees of the plan (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def _move_budgetplan(services, demo) -> date:
    """The regisseur gives 'Budgetplan opstellen met Fatima' to Inge Bakker and a new einde (version 3)."""
    hid = demo["household"]["id"]
    doelen = json.loads((await services.plan.current(regisseur(demo), hid)).sections["doelen"])
    new_end = services.plan.today() + timedelta(days=45)
    action = doelen[0]["acties"][0]
    action["wie"], action["einde"] = demo["by_name"]["Inge Bakker"]["id"], new_end.isoformat()
    await services.plan.change(regisseur(demo), hid, None, {"doelen": doelen})
    return new_end


async def test_the_demo_versions_in_words_with_names_and_dates(client, services, demo, capsys, clock):
    await sign_in(client, capsys, FATIMA)
    text = await page_text(client, demo, "veranderd?van=1&tot=2")
    assert "Dit is er veranderd van versie 1 tot versie 2." in text
    assert "Nieuw doel: 'Fatima heeft overzicht over haar geld'." in text
    today = clock.today()  # the demo's day: Amsterdam's, on the services' clock
    assert (
        "Nieuwe actie bij 'Fatima heeft overzicht over haar geld': 'Budgetplan opstellen met Fatima'. "
        f"Joost Willems doet dit, van {words(today)} tot {words(today + timedelta(days=30))}."
    ) in text
    assert "Nieuwe voorziening: 'Schuldhulpverlening'. Status: toegekend." in text
    assert "Het adres is ingevuld: Voorbeeldstraat 1, Maastricht" in text
    assert "Nieuw bij krachten en zorgen: onderwijs (Youssef El Amrani)." in text
    assert demo["by_name"]["Joost Willems"]["id"] not in text


async def test_a_new_owner_and_a_new_einde_are_said_in_words(client, services, demo, capsys):
    new_end = await _move_budgetplan(services, demo)
    await sign_in(client, capsys, FATIMA)
    text = await page_text(client, demo, "veranderd?van=2&tot=3")
    assert "Inge Bakker is nu eigenaar van 'Budgetplan opstellen met Fatima'." in text
    assert f"Actie 'Budgetplan opstellen met Fatima' heeft een nieuwe einddatum: {words(new_end)}." in text


async def test_since_my_last_visit_starts_at_the_version_i_last_read(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    await page_text(client, demo, "plan")  # she reads version 2 on the web
    await _move_budgetplan(services, demo)
    text = await page_text(client, demo, "veranderd")  # version 3 now, which she has not read yet
    assert "U las eerder versie 2 van het plan. Nu is het versie 3." in text
    assert "Inge Bakker is nu eigenaar van 'Budgetplan opstellen met Fatima'." in text
    assert "Nieuw doel" not in text  # what came before her visit is not repeated
    plan = await page_text(client, demo, "plan")  # the page offers what changed since 2
    assert "U las eerder versie 2." in plan and "veranderd?van=2&tot=3" in plan


async def test_the_grandmother_sees_only_changes_in_what_she_may_read(client, services, demo, capsys):
    await services.plan.change(
        regisseur(demo), demo["household"]["id"], None, {"analyse": {"analyse": MARKER, "gewenst_perspectief": ""}}
    )
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "veranderd?van=2&tot=3")
    assert MARKER not in text and "Analyse en gewenst perspectief" not in text
    assert "In de delen die u mag lezen is niets veranderd." in text
    first = await page_text(client, demo, "veranderd?van=1&tot=2")
    assert "Samen de post ordenen" in first and "Budgetplan" not in first and "Geldzorgen" not in first
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    async with services.plan._uow() as uow:
        entries = [e for _, e in await uow.access_log.entries(demo["household"]["id"], limit=20)]
    diff = next(e for e in entries if e.actor_id == khadija and e.channel is Channel.WEB)
    assert diff.detail == "diff 1-2" and set(diff.sections) <= {"algemeen", "doelen", "afspraken"}


@pytest.mark.parametrize(
    ("query", "field"),
    [("van=abc", "Van versie"), ("tot=99", "Tot versie"), ("van=0", "Van versie"), ("van=2&tot=1", "Van versie")],
)
async def test_a_wrong_version_number_gives_a_dutch_422_naming_the_field(client, demo, capsys, query, field):
    await sign_in(client, capsys, FATIMA)
    text = await page_text(client, demo, f"veranderd?{query}", status=422)
    assert "Controleer het versienummer" in text
    wrong = re.search(r'id="(van|tot)-fout">([^<]+)<', text)
    assert wrong is not None and {"van": "Van versie", "tot": "Tot versie"}[wrong.group(1)] == field
    assert 'aria-invalid="true"' in text


async def test_the_version_history_marks_the_vastgestelde_and_links_each_to_its_changes(
    client, services, demo, capsys, clock
):
    await services.plan_deadlines.adopt_at(regisseur(demo), demo["household"]["id"], 2, None)
    await _move_budgetplan(services, demo)
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "veranderd/versies")
    items = text.split('<li class="utrecht-unordered-list__item">')[1:]
    two = next(i for i in items if "Versie 2<" in i)
    three = next(i for i in items if "Versie 3 " in i)
    # Amsterdam's day, as the server counts it (the machine's UTC day differs from 23:00 or 22:00 to 24:00)
    assert f"Vastgesteld op {words(clock.today())}." in two and "Vastgesteld op" not in three
    assert "Niet vastgesteld." in three and "(de nieuwste)" in three
    assert "veranderd?van=1&tot=2" in two and "veranderd?van=2&tot=3" in three
