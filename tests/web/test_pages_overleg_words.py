"""The regisseur's overleg planner says only what is true (issue 13, defects 3 and 4): "iedereen kan" only when
everyone invited can come at every time shown, otherwise the words name who must come (the people whose
reachability was checked) and list the others apart; a start date in the future is refused next to its field."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timedelta

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
SLOT = re.compile(r'name="optie" value="([^"]+)"')
STARTED = re.compile(r'name="gestart" value="([^"]+)"')
EVERYONE = "Tijden waarop iedereen kan"
MUST_ONES = "Tijden waarop iedereen die erbij moet zijn kan"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the planner's words."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo: dict) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/overleggen"


def _text(page: str) -> str:
    """The page's text without tags, as a reader sees it."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_the_default_times_say_who_must_come_and_list_the_unreachable_others_apart(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get(base(demo))
    page = await resp.text()
    assert resp.status == 200, page
    text = _text(page)
    # the demo's klanten (Fatima: ma/wo/vr, Youssef: wo/vr) are checked; the regisseur (ma/di/do) is not
    assert MUST_ONES in text and EVERYONE not in text, text
    named = re.search(r"Wie erbij moet zijn: ([^.]*)\.", text)
    assert named and sorted(named.group(1).split(", ")) == ["Fatima El Amrani", "Youssef El Amrani"], text
    apart = re.search(r'id="tijden-niet">(.*?)</p>', page, re.S)
    assert apart, page
    assert "Niet altijd bereikbaar, maar niet verplicht:" in apart.group(1) and "Sanne de Vries" in apart.group(1)
    slots = SLOT.findall(page)
    assert slots, page
    # every time shown is a day both klanten can: what the words say was checked is what was checked
    assert {datetime.fromisoformat(v.split("|")[0]).weekday() for v in slots} <= {2, 4}
    # and at each time, who then cannot come is named as not required (the regisseur: never on wo/vr)
    apart_per_time = re.findall(r"\(dan niet bereikbaar, maar niet verplicht: ([^)]*)\)", text)
    assert len(apart_per_time) == len(slots) and all("Sanne de Vries" in names for names in apart_per_time), text


async def test_iedereen_kan_only_when_everyone_invited_can_come_at_every_time(client, services, demo, capsys):
    hid = demo["household"]["id"]
    for person in demo["by_name"].values():
        await services.betrokkenen.update(
            regisseur(demo), hid, person["id"], {"reachable_days": ("ma", "di", "wo", "do", "vr")}
        )
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    text = _text(page)
    assert EVERYONE in text and MUST_ONES not in text, text
    assert "niet verplicht" not in text and SLOT.search(page), text


async def test_with_nobody_who_must_come_the_page_asks_to_choose(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo) + "?gekozen=1")).text()
    text = _text(page)
    assert "Kies hierboven wie erbij moet zijn." in text and EVERYONE not in text and not SLOT.search(page), text
    assert "Wie erbij moet zijn:" not in text


async def test_a_poll_with_a_start_date_in_the_future_is_refused_next_to_the_start_date(
    client, services, demo, capsys, clock
):
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    slots = SLOT.findall(page)
    assert slots and STARTED.search(page), page
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    resp = await client.post(
        base(demo) + "/prikker",
        data={
            "csrf": await csrf_of(client, base(demo)),
            "optie": slots[:1],
            "moet": [demo["by_name"]["Fatima El Amrani"]["id"]],
            "gekozen": "1",
            "gestart": tomorrow,
        },
        allow_redirects=False,
    )
    text = await resp.text()
    assert resp.status == 422, text
    error = re.search(r'id="gestart-fout"[^>]*>(.*?)</', text, re.S)
    assert error and "De startdatum ligt in de toekomst." in html.unescape(error.group(1)), text
    assert 'aria-describedby="gestart-fout"' in text
    assert await services.polls.open_polls(regisseur(demo), demo["household"]["id"]) == []


def _by_name(names: list[str]) -> list[str]:
    return sorted(names, key=str.casefold)


async def test_the_planner_lists_the_betrokkenen_in_name_order_at_every_render(client, demo, capsys):
    """The checkboxes, who must come and who cannot come at each time read alphabetically (casefold of the full
    name), whatever order the database gives or the form sent them in."""
    ids = {name: person["id"] for name, person in demo["by_name"].items()}
    await sign_in(client, capsys, SANNE)
    reverse = "&".join(f"moet={ids[n]}" for n in ("Youssef El Amrani", "Fatima El Amrani"))
    for url in (base(demo), base(demo) + "?gekozen=1&" + reverse):
        page = await (await client.get(url)).text()
        text = _text(page)
        boxes = re.findall(r'for="moet-\d+">([^<]*)</label>', page)
        assert len(boxes) == len(ids) and boxes == _by_name(boxes), boxes
        named = re.search(r"Wie erbij moet zijn: ([^.]*)\.", text)
        assert named and named.group(1) == "Fatima El Amrani, Youssef El Amrani", text
        apart = re.search(r"Niet altijd bereikbaar, maar niet verplicht: ([^.]*)\.", text)
        assert apart and len(apart.group(1).split(", ")) > 1, text
        assert apart.group(1).split(", ") == _by_name(apart.group(1).split(", ")), text
        per_time = [n.split(", ") for n in re.findall(r"\(dan niet bereikbaar, maar niet verplicht: ([^)]*)\)", text)]
        assert any(len(names) > 1 for names in per_time), text
        assert all(names == _by_name(names) for names in per_time), text
