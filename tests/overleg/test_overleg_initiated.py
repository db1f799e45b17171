"""A startoverleg planned directly, or as a closed overleg's next, may not start from a future day: `initiated`
is the day the household started, and a day that has not come would move the 5–15 werkdagen window (and the
caseload's deadline) into the future. The same rule as a poll's (tests/api/test_poll_initiated.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from support.helpers import bearer
from support.overleg_kit import regisseur

AMS = ZoneInfo("Europe/Amsterdam")


def url(demo: dict, suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


def startoverleg(services, demo: dict, initiated: date) -> dict:
    """A startoverleg on the first day of `initiated`'s window, at 10:00, for Fatima."""
    start = datetime.combine(services.overleggen.planner.startoverleg_window(initiated)[0], time(10), AMS)
    return {
        "type": "startoverleg",
        "initiated": initiated.isoformat(),
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "invitees": [{"betrokkene_id": demo["by_name"]["Fatima El Amrani"]["id"], "must_attend": True}],
    }


async def test_a_startoverleg_started_tomorrow_is_refused_naming_initiated_and_nothing_is_written(
    client, demo, services, clock, outbox
):
    hid = demo["household"]["id"]
    before = await outbox(hid)
    tomorrow = clock.today() + timedelta(days=1)
    resp = await client.post(url(demo), json=startoverleg(services, demo, tomorrow), headers=bearer(demo["regisseur"]))
    assert resp.status == 422, await resp.text()
    problem = await resp.json()
    assert problem["type"].endswith("/validation")
    assert [e["field"] for e in problem["errors"]] == ["initiated"]
    assert await services.overleggen.list(regisseur(demo), hid) == []
    assert await outbox(hid) == before  # no invitation queued


async def test_a_startoverleg_started_today_is_planned(client, demo, services, clock):
    today = clock.today()
    resp = await client.post(url(demo), json=startoverleg(services, demo, today), headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["initiated"] == today.isoformat()


async def test_a_future_start_is_not_refused_for_another_type(client, demo, services, clock):
    """Only a startoverleg has a window counted from `initiated`; a spoedoverleg carries it without a rule."""
    body = startoverleg(services, demo, clock.today() + timedelta(days=1)) | {"type": "spoedoverleg"}
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()


async def test_closing_with_a_next_startoverleg_started_tomorrow_is_refused_and_the_overleg_stays_planned(
    client, demo, services, clock, outbox
):
    hid = demo["household"]["id"]
    start = clock.now + timedelta(days=1)
    first = {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "invitees": [{"betrokkene_id": demo["by_name"]["Fatima El Amrani"]["id"], "must_attend": True}],
    }
    resp = await client.post(url(demo), json=first, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    oid = (await resp.json())["id"]
    clock.advance(days=1, hours=2)  # the overleg has been held
    before = await outbox(hid)
    nxt = startoverleg(services, demo, clock.today() + timedelta(days=1))
    resp = await client.post(
        url(demo, f"/{oid}/close"), json={"decisions": "Akkoord", "next": nxt}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 422, await resp.text()
    assert [e["field"] for e in (await resp.json())["errors"]] == ["next.initiated"]
    (only,) = await services.overleggen.list(regisseur(demo), hid)
    assert only.id == oid and only.status.value == "planned"
    assert await outbox(hid) == before
