"""The regie page's "Meteen plannen" refuses a start date in the future next to the Startdatum field, in Dutch, and
plans nothing (the service's rule, as for a poll: tests/web/test_pages_overleg_words.py)."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import timedelta

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
SLOT = re.compile(r'name="optie" value="([^"]+)"')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the start date."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo: dict) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/overleggen"


async def _plan_directly(client, demo: dict, capsys, started: str):
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    slots = SLOT.findall(page)
    assert slots, page
    return await client.post(
        base(demo) + "/plannen",
        data={
            "csrf": await csrf_of(client, base(demo)),
            "optie": slots[0],
            "moet": [demo["by_name"]["Fatima El Amrani"]["id"]],
            "gekozen": "1",
            "gestart": started,
        },
        allow_redirects=False,
    )


async def test_planning_directly_from_a_start_date_in_the_future_is_refused_next_to_the_start_date(
    client, services, demo, capsys, clock
):
    resp = await _plan_directly(client, demo, capsys, (clock.today() + timedelta(days=1)).isoformat())
    text = await resp.text()
    assert resp.status == 422, text
    error = re.search(r'id="gestart-fout"[^>]*>(.*?)</', text, re.S)
    assert error and "De startdatum ligt in de toekomst." in html.unescape(error.group(1)), text
    assert 'aria-describedby="gestart-fout"' in text
    assert await services.overleggen.list(regisseur(demo), demo["household"]["id"]) == []


async def test_planning_directly_from_today_plans_the_startoverleg(client, services, demo, capsys, clock):
    resp = await _plan_directly(client, demo, capsys, clock.today().isoformat())
    assert resp.status == 303, await resp.text()
    (view,) = await services.overleggen.list(regisseur(demo), demo["household"]["id"])
    assert view.initiated_on == clock.today()
