"""Every list of people a page shows reads in name order (casefolded full name, "de Boer" under d), whatever
order the people were added in: the betrokkenen page, one overleg's invitees, a date poll's votes, the mail
page, "wie ziet wat", the editor's and the deadlines' choices of a person."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from support.name_order_kit import (
    ALPHABETICAL,
    add_people,
    ahead,
    between,
    in_name_order,
    order_in,
    planned,
    voted_poll,
)
from support.overleg_kit import regisseur
from support.pagekit import sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.domain.overleg import Invitee

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
HEADING = re.compile(r'<h2 class="utrecht-heading-3" id="betrokkene-[^"]+"><a [^>]*>([^<]*)</a></h2>')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the order of names."""
    return dataclasses.replace(settings, second_factor="off")


def _home(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}"


async def test_the_betrokkenen_page_lists_everyone_in_name_order(client, services, demo, capsys):
    await add_people(services, demo)
    await sign_in(client, capsys, SANNE)
    names = HEADING.findall(await (await client.get(_home(demo) + "/betrokkenen")).text())
    names = [n.replace("&#39;", "'") for n in names]
    assert len(names) == len(demo["betrokkenen"]) + 3 and set(ALPHABETICAL) <= set(names), names
    assert names == in_name_order(names), names


async def test_one_overlegs_invitees_are_listed_in_name_order(client, services, demo, capsys, clock):
    ids = await add_people(services, demo)
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    start = ahead(clock, 10, 14)
    # invited in the order they were added, with a demo klant who must come in the middle
    order = (ids["Zeynep Kaya"], fatima, ids["de Boer"], ids["Anna Smit"])
    oid = await planned(services, demo, start, tuple(Invitee(b, b == fatima) for b in order))
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/regie/overleggen/{oid}")).text()
    rows = re.findall(r'scope="row">([^<(]*?)(?: \(|</th>)', between(page, 'id="wie-komt"', "</table>"))
    assert rows == ["Anna Smit", "de Boer", "Fatima El Amrani", "Zeynep Kaya"], rows


async def test_a_date_polls_votes_are_listed_in_name_order(client, services, demo, capsys, clock):
    ids = await add_people(services, demo)
    start = ahead(clock, 9, 10)
    poll = await voted_poll(services, demo, ids, start)  # they vote in the order they were added
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/regie/overleggen")).text()
    votes = between(page, f'id="prikker-{poll.id}"', "</fieldset>")
    assert order_in(votes) == list(ALPHABETICAL), votes


async def test_the_mail_page_lists_people_groups_and_missing_keys_in_name_order(client, services, demo, capsys):
    hid = demo["household"]["id"]
    ids = await add_people(services, demo)  # none of them has a key: all three lack encrypted mail
    await services.mailgroup.add_group(regisseur(demo), hid, "orde", "Orde", list(ids.values()), False)
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/mail")).text()
    group = between(page, 'data-group="[^"]+"', "</section>")
    assert order_in(group) == list(ALPHABETICAL), group
    boxes = re.findall(r'for="lid-\d+">([^<]*)</label>', page)
    assert set(ALPHABETICAL) <= set(boxes) and boxes == in_name_order(boxes), boxes
    missing = re.findall(r"data-missing-key><strong>([^<]*)</strong>", page)
    assert set(ALPHABETICAL) <= set(missing) and missing == in_name_order(missing), missing


async def test_wie_ziet_wat_lists_the_people_in_name_order_within_each_group(client, services, demo, capsys):
    await add_people(services, demo)  # network members: after the klanten, before the professionals
    await sign_in(client, capsys, FATIMA)
    page = await (await client.get(f"{_home(demo)}/wie-ziet-wat")).text()
    rows = [n.split(",")[0] for n in re.findall(r'<h3 class="utrecht-heading-3" id="persoon-\d+">([^<]*)</h3>', page)]
    network = ["Anna Smit", "de Boer", "Khadija El Amrani", "Zeynep Kaya"]
    assert rows[0].startswith("U (Fatima") and rows[2:6] == network, rows
    assert rows[6:] == in_name_order(rows[6:]) and "Youssef El Amrani" in rows[1], rows


async def test_the_editor_offers_the_people_in_name_order(client, services, demo, capsys):
    await add_people(services, demo)
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/plan/bewerken")).text()
    select = re.search(r'<select[^>]*name="wie"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    options = re.findall(r'<option value="[^"]+"[^>]*>([^<]*)</option>', select.group(1))
    assert set(ALPHABETICAL) <= set(options) and options == in_name_order(options), options


async def test_the_deadlines_page_offers_who_asked_in_name_order(client, services, demo, capsys):
    await add_people(services, demo, kind=Kind.PROFESSIONAL, role=Role.HULPVERLENER)
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/regie/termijnen")).text()
    options = re.findall(r'<option value="[^"]+"[^>]*>([^<(]*) \(', between(page, 'id="gevraagd-wie"', "</select>"))
    assert set(ALPHABETICAL) <= set(options) and options == in_name_order(options), options


async def test_the_access_log_filter_lists_the_people_in_name_order_and_namesakes_by_id(services, demo, clock):
    """ "Wie heeft ons plan bekeken": the filter's people (the page shows `people` as given); two people with the
    same name keep one place, by id, not the order they were added in."""
    await add_people(services, demo)
    first = (await add_people(services, demo, names=("Anna Smit",), email=False))["Anna Smit"]
    for _ in range(30):  # until a namesake added later has the smaller id (each try: even odds)
        clock.advance(timedelta(seconds=1))
        later = (await add_people(services, demo, names=("Anna Smit",), email=False))["Anna Smit"]
        if later < first:
            break
    assert later < first
    hid = demo["household"]["id"]
    fatima = Principal(demo["by_name"]["Fatima El Amrani"]["id"], hid, second_factor=True)
    people = (await services.access_log.client_view(fatima, hid)).people
    names = [p.name for p in people]
    assert set(ALPHABETICAL) <= set(names) and names == in_name_order(names), names
    annas = [p.id for p in people if p.name == "Anna Smit"]
    assert annas.index(later) < annas.index(first), annas
