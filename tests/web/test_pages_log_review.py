"""Review findings on "Wie heeft ons plan bekeken" (issue 12): a wrong page number is named, each entry's
heading says who did what, and a consent recorded for the klant reads as that, on the reader's own ground."""

from __future__ import annotations

import html
import re

import pytest
from support.log_kit import ids, klant_with_second_factor

from eenplan.domain.access import Principal
from eenplan.domain.audit import AccessEvent, Channel, Event

ROW = re.compile(r'<li class="eenplan-log__item">(.*?)(?=<li class="eenplan-log__item">|</ol>)', re.S)


@pytest.mark.parametrize("voor", ["abc", "0", "-5"])
async def test_a_wrong_page_of_the_log_is_a_dutch_422_not_the_generic_400(client, demo, capsys, clock, voor):
    hid, *_ = ids(demo)
    await klant_with_second_factor(client, capsys, clock, hid)
    resp = await client.get(f"/huishoudens/{hid}/bekeken", params={"voor": voor})
    text = html.unescape(await resp.text())
    assert resp.status == 422, text
    assert "Dit deel van de lijst bestaat niet." in text and "Wie heeft ons plan bekeken" in text


async def test_each_entry_is_headed_by_who_did_what(client, services, demo, capsys, clock):
    hid, _joost, inge, _fatima = ids(demo)
    await services.plan.current(Principal(inge, hid), hid)
    await klant_with_second_factor(client, capsys, clock, hid)
    text = html.unescape(await (await client.get(f"/huishoudens/{hid}/bekeken")).text())
    row = next(r for r in ROW.findall(text) if "Inge Bakker" in r)
    assert re.search(
        r'<h3 class="utrecht-heading-3">Inge Bakker las het plan — \w+dag \d+ \w+ \d{4}, \d\d:\d\d</h3>', row
    )


async def test_a_consent_the_regisseur_recorded_for_me_says_so_on_her_own_role(client, services, demo, capsys, clock):
    hid, _joost, _inge, fatima = ids(demo)
    sanne = demo["regisseur"]["id"]
    # as `ConsentForms.record` logs it: the regisseur is the user, on behalf of the klant, on her role
    event = AccessEvent(
        Event.CHANGE, hid, sanne, (), Channel.WEB, "rol:procesregisseur", clock(),
        on_behalf_of=fatima, detail="toestemming c-1: mondeling vastgelegd, ja",
    )  # fmt: skip
    await services.plan.record([event])
    await klant_with_second_factor(client, capsys, clock, hid)
    text = html.unescape(await (await client.get(f"/huishoudens/{hid}/bekeken")).text())
    row = next(r for r in ROW.findall(text) if "legde" in r)
    assert "Sanne de Vries legde uw toestemming vast — " in row
    assert "Als procesregisseur mag Sanne de Vries het hele plan lezen en aanpassen." in row
    assert "mag Fatima El Amrani het hele plan" not in row
    assert "geen delen van het plan" not in row and "gewijzigd" not in row
