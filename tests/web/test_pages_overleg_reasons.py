"""Onze overleggen says why someone sees no agenda (the service's view decides), offers "Antwoord geven" per
overleg one may still answer, and shows the one-time calendar link in a box that wraps at 320 px."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support import overleg_kit as kit
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"
WITHHELD = "U ziet de agenda en de besluiten niet."
WHO_READS = "De agenda en de besluiten lezen alleen de regisseur"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the overleggen page."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/overleggen"


async def plan(services, demo, days: int = 28) -> str:
    invitees = [("Fatima El Amrani", True), ("Khadija El Amrani", False)]
    return await kit.plan_overleg(services, demo, invitees, days=days, agenda="Bespreken: school", location="Kring")


async def test_the_grandmother_is_told_why_she_sees_no_agenda(client, services, demo, capsys):
    oid = await plan(services, demo)
    await sign_in(client, capsys, KHADIJA)
    for path in (base(demo), f"{base(demo)}/{oid}"):
        text = await (await client.get(path)).text()
        assert WITHHELD in text and "Bespreken: school" not in text


async def test_the_klant_reads_the_agenda_and_who_else_may(client, services, demo, capsys):
    oid = await plan(services, demo)
    await sign_in(client, capsys, FATIMA)
    for path in (base(demo), f"{base(demo)}/{oid}"):
        text = await (await client.get(path)).text()
        assert WITHHELD not in text and WHO_READS in text and "Bespreken: school" in text


async def test_each_overleg_one_may_answer_has_an_antwoord_geven_link(client, services, demo, capsys):
    hid = demo["household"]["id"]
    open_one = await plan(services, demo, days=20)
    cancelled = await plan(services, demo, days=30)
    await services.overleggen.cancel(regisseur(demo), hid, cancelled)
    await sign_in(client, capsys, KHADIJA)
    text = await (await client.get(base(demo))).text()
    links = re.findall(r'href="([^"]+)#antwoord-ja">Antwoord geven</a>', text)
    assert links == [f"{base(demo)}/{open_one}"]
    answer_page = await (await client.get(links[0])).text()
    assert 'id="antwoord-ja"' in answer_page


async def test_the_one_time_calendar_link_is_in_a_box_that_wraps(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    csrf = await csrf_of(client, base(demo))
    text = await (await client.post(f"{base(demo)}/agenda-link", data={"csrf": csrf})).text()
    found = re.search(r'<textarea [^>]*id="agenda-link"[^>]*readonly>(https?://\S+/agenda/\S+\.ics)</textarea>', text)
    assert found, "the link is not in a wrapping box"
    assert '<label class="utrecht-form-label" for="agenda-link">' in text
