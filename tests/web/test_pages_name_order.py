"""Every list of people a page shows reads in name order (casefolded full name, "de Boer" under d), whatever
order the people were added in: the betrokkenen page, one overleg's invitees, a date poll's votes, the mail
page, "wie ziet wat", the editor's and the deadlines' choices of a person."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date, timedelta

import pytest
from support.helpers import bearer
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
from support.plan_kit import KHADIJA, page_text

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.domain.bounces import BounceRecord
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


async def test_the_mail_page_lists_people_groups_missing_keys_and_bounces_in_name_order(client, services, demo, capsys):
    hid = demo["household"]["id"]
    ids = await add_people(services, demo)  # none of them has a key: all three lack encrypted mail
    await services.mailgroup.add_group(regisseur(demo), hid, "orde", "Orde", list(ids.values()), False)
    async with services.bounces._uow(write=True) as uow:  # and mail to each came back, in the order added
        for n, name in enumerate(ids):
            await uow.bounces.put(BounceRecord(hid, ids[name], f"orde{n}@example.org", 1.0, date(2026, 11, 30)))
        await uow.commit()
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(f"{_home(demo)}/mail")).text()
    group = between(page, 'data-group="[^"]+"', "</section>")
    assert order_in(group) == list(ALPHABETICAL), group
    boxes = re.findall(r'for="lid-\d+">([^<]*)</label>', page)
    assert set(ALPHABETICAL) <= set(boxes) and boxes == in_name_order(boxes), boxes
    missing = re.findall(r"data-missing-key><strong>([^<]*)</strong>", page)
    assert set(ALPHABETICAL) <= set(missing) and missing == in_name_order(missing), missing
    bounced = re.findall(r'data-bounce="[^"]+"><strong>([^<]*)</strong>', page)
    assert bounced == list(ALPHABETICAL), bounced


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


async def test_the_plan_names_the_klanten_who_decide_in_name_order(client, services, demo, capsys):
    """A section partly kept from the grandmother says whose consent would share the rest: those klanten, by
    name."""
    await add_people(services, demo, kind=Kind.KLANT, role=Role.OUDER)
    await sign_in(client, capsys, KHADIJA)
    text = await page_text(client, demo, "plan")
    sentence = "De rest delen Anna Smit, de Boer, Fatima El Amrani, Youssef El Amrani en Zeynep Kaya niet met u."
    assert sentence in text, text


async def test_who_are_you_offers_the_people_of_one_address_in_name_order(client, services, demo, capsys):
    """An address that belongs to several people of a household: the choice lists them by name."""
    await add_people(services, demo, kind=Kind.KLANT, role=Role.OUDER, email=FATIMA, names=("Zeynep Kaya", "de Boer"))
    resp = await sign_in(client, capsys, FATIMA)
    page = await (await client.get(resp.headers["Location"])).text()
    options = re.findall(
        r'<label class="utrecht-form-label utrecht-form-label--radio" for="kies-[^"]+">([^<(]*) \(', page
    )
    assert options == ["de Boer", "Fatima El Amrani", "Zeynep Kaya"], options


async def test_wie_ziet_wat_names_who_must_answer_a_request_in_name_order(client, services, demo, capsys, clock):
    await add_people(services, demo, kind=Kind.KLANT, role=Role.OUDER)
    joost = demo["by_name"]["Joost Willems"]
    body = {
        "grantee_id": joost["id"],
        "sections": ["krachten_zorgen"],
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    asked = await client.post(
        f"/api/households/{demo['household']['id']}/toestemmingen", json=body, headers=bearer(joost)
    )
    assert asked.status == 201, await asked.text()
    await sign_in(client, capsys, FATIMA)
    text = html.unescape(await (await client.get(f"{_home(demo)}/wie-ziet-wat")).text())
    who = re.search(r"Wie moet antwoorden: ([^<]*)</p>", text)
    assert who and who.group(1) == "u, Anna Smit, de Boer, Youssef El Amrani en Zeynep Kaya", text
