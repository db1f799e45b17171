"""A startoverleg poll's initiation date may not lie in the future (issue 13, defect 4): a start that has not
happened would move the window, and the caseload's startoverleg deadline with it, out of sight."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.helpers import bearer
from support.overleg_kit import regisseur
from support.werkbank_kit import SANNE, session_of

from eenplan.config import Settings

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sanne signs in by link only: the second factor is not what these tests check."""
    return dataclasses.replace(settings, second_factor="off")


def _polls(demo: dict) -> str:
    return f"/api/households/{demo['household']['id']}/polls"


def _body(demo: dict, initiated: date, day: date) -> dict:
    start = datetime.combine(day, time(10), AMS)
    return {
        "type": "startoverleg",
        "initiated": initiated.isoformat(),
        "options": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
        "invitees": [{"betrokkene_id": demo["by_name"]["Fatima El Amrani"]["id"], "must_attend": True}],
    }


async def test_a_poll_started_tomorrow_is_refused_naming_initiated_and_nothing_is_stored(client, demo, services, clock):
    tomorrow = clock.today() + timedelta(days=1)
    earliest, _latest = services.overleggen.planner.startoverleg_window(tomorrow)
    resp = await client.post(_polls(demo), json=_body(demo, tomorrow, earliest), headers=bearer(demo["regisseur"]))
    assert resp.status == 422, await resp.text()
    assert [e["field"] for e in (await resp.json())["errors"]] == ["initiated"]
    assert await services.polls.open_polls(regisseur(demo), demo["household"]["id"]) == []


async def test_a_poll_started_today_is_accepted(client, demo, services, clock):
    today = clock.today()
    earliest, _latest = services.overleggen.planner.startoverleg_window(today)
    resp = await client.post(_polls(demo), json=_body(demo, today, earliest), headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["initiated"] == today.isoformat()


async def test_a_refused_future_start_leaves_the_startoverleg_deadline_on_the_caseload(
    client, demo, services, clock, capsys
):
    hh = demo["household"]["id"]
    for to in (2, 3):
        resp = await client.post(
            f"/api/households/{hh}/phase", json={"to": to, "reason": "volgende stap"}, headers=bearer(demo["regisseur"])
        )
        assert resp.status == 200, await resp.text()
    clock.advance(days=16)  # the window's last day is near: an upcoming deadline until a startoverleg is planned
    later = clock.today() + timedelta(days=180)
    earliest, _latest = services.overleggen.planner.startoverleg_window(later)
    resp = await client.post(_polls(demo), json=_body(demo, later, earliest), headers=bearer(demo["regisseur"]))
    assert resp.status == 422, await resp.text()
    session = await session_of(client, capsys, SANNE)
    werkbank = await client.get("/api/werkbank", headers={"Authorization": f"Bearer {session}"})
    (row,) = (await werkbank.json())["households"]
    assert [d["kind"] for d in row["deadlines_upcoming"] + row["deadlines_overdue"]] == ["startoverleg"]
