"""The startoverleg window around Dutch holidays, planning outside it, and slot proposals (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from support.clock import MovableClock
from support.helpers import bearer

AMS = ZoneInfo("Europe/Amsterdam")


#: the day the household started: the services' clock stands on it, so the startoverleg planned from it
#: does not start in the future (refused) and its window stays the Kerst/Nieuwjaar one the dates below use
STARTED = date(2026, 12, 18)


@pytest.fixture
def clock() -> MovableClock:
    """Friday 18 December 2026 (STARTED), 10:00 in Amsterdam: the Kerst window's werkdagen below lie ahead of it."""
    return MovableClock(datetime(2026, 12, 18, 9, 0, tzinfo=UTC))


def url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


@pytest.mark.parametrize(
    "initiated, earliest, latest",
    [
        # Kerst/Nieuwjaar: initiated Fri 18-12-2026. Werkdagen: Mon 21 (1), 22 (2), 23 (3), Thu 24 (4),
        # Fri 25 Kerst no, [Sat 26 2e Kerstdag], Mon 28 (5) ... Thu 31 (8), Fri 1-1 Nieuwjaar no,
        # Mon 4 (9), 5, 6, 7, Fri 8 (13), Mon 11 (14), Tue 12-1-2027 (15).
        ("2026-12-18", "2026-12-28", "2027-01-12"),
        # Pasen 2027 (Easter Sunday 28-3): initiated Mon 22-3. Tue 23 (1), 24, 25, Fri 26 Goede Vrijdag
        # is a werkdag by default (4), Mon 29 2e Paasdag no, Tue 30 (5) ... Tue 13-4 (15).
        ("2027-03-22", "2027-03-30", "2027-04-13"),
        # Koningsdag Mon 27-4-2026: initiated Mon 20-4. 21, 22, 23, Fri 24 (4), Mon 27 no, Tue 28 (5),
        # 29, 30, Fri 1-5 (8), Mon 4 (9), Tue 5-5 Bevrijdingsdag is a werkdag outside lustrum years (10),
        # 6, 7, Fri 8 (13), Mon 11 (14), Tue 12-5 (15).
        ("2026-04-20", "2026-04-28", "2026-05-12"),
        # Hemelvaart Thu 14-5-2026 and 2e Pinksterdag Mon 25-5-2026: initiated Fri 8-5. Mon 11 (1), 12, 13,
        # Thu 14 no, Fri 15 (4), Mon 18 (5), 19 .. Fri 22 (9), Mon 25 no, Tue 26 (10) .. Fri 29 (13),
        # Mon 1-6 (14), Tue 2-6 (15).
        ("2026-05-08", "2026-05-18", "2026-06-02"),
    ],
)
async def test_window_around_dutch_holidays(client, demo, initiated, earliest, latest):
    resp = await client.get(
        url(demo, f"/window?type=startoverleg&initiated={initiated}"),
        headers=bearer(demo["by_name"]["Fatima El Amrani"]),
    )
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"earliest": earliest, "latest": latest}


async def test_window_needs_a_date_and_a_startoverleg(client, demo):
    resp = await client.get(url(demo, "/window?type=startoverleg"), headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "initiated"
    resp = await client.get(
        url(demo, f"/window?type=voortgangsoverleg&initiated={STARTED}"), headers=bearer(demo["regisseur"])
    )
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "type"


def _body(demo, start: datetime, hours: int = 1, **extra):
    people = demo["by_name"]
    end = start.replace(hour=start.hour + hours)
    return {
        "type": "startoverleg",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "initiated": STARTED.isoformat(),
        "location": "Wijkcentrum De Kring",
        "agenda": "Kennismaken",
        "invitees": [
            {"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True},
            {"betrokkene_id": people["Joost Willems"]["id"], "must_attend": False},
        ],
        **extra,
    }


async def test_planning_outside_the_window_needs_a_reason(client, demo):
    too_early = datetime(2026, 12, 23, 10, 0, tzinfo=AMS)  # werkdag 3: before the window 28-12 … 12-1
    resp = await client.post(url(demo), json=_body(demo, too_early), headers=bearer(demo["regisseur"]))
    assert resp.status == 422
    problem = await resp.json()
    assert problem["errors"][0]["field"] == "start"
    assert "2026-12-28 t/m 2027-01-12" in problem["errors"][0]["problem"]
    too_late = datetime(2027, 1, 13, 10, 0, tzinfo=AMS)  # werkdag 16
    resp = await client.post(url(demo), json=_body(demo, too_late), headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "start"

    resp = await client.post(
        url(demo), json=_body(demo, too_early, reason="Spoed: huisuitzetting dreigt"), headers=bearer(demo["regisseur"])
    )
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["outside_window_reason"] == "Spoed: huisuitzetting dreigt"

    inside = datetime(2026, 12, 28, 10, 0, tzinfo=AMS)
    resp = await client.post(url(demo), json=_body(demo, inside), headers=bearer(demo["regisseur"]))
    assert resp.status == 201
    assert (await resp.json())["outside_window_reason"] is None


async def test_startoverleg_needs_its_initiation_date(client, demo):
    body = _body(demo, datetime(2026, 12, 28, 10, 0, tzinfo=AMS))
    del body["initiated"]
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "initiated"


async def test_slots_respect_must_attend_reachable_days(client, demo):
    people = demo["by_name"]
    joost = people["Joost Willems"]["id"]  # reachable di, do
    optional = [people[n]["id"] for n in ("Fatima El Amrani", "Khadija El Amrani", "Inge Bakker")]
    resp = await client.get(
        url(demo, f"/slots?initiated={STARTED}&must={joost}&optional={','.join(optional)}&limit=50&per_day=1"),
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["earliest"], body["latest"]) == ("2026-12-28", "2027-01-12")
    slots = body["slots"]
    assert slots
    days = [datetime.fromisoformat(s["start"]).astimezone(AMS) for s in slots]
    assert {d.weekday() for d in days} <= {1, 3}  # only Tuesday and Thursday
    # the window's Tuesdays and Thursdays: 29-12, 31-12, 5-1, 7-1, 12-1 (no holiday among them)
    assert {d.date() for d in days} == {
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2027, 1, 5),
        date(2027, 1, 7),
        date(2027, 1, 12),
    }
    assert all(d.hour >= 9 and d.hour + 1 <= 17 for d in days)
    scores = [len(s["optional_reachable"]) for s in slots]
    assert scores == sorted(scores, reverse=True)  # ranked by optional betrokkenen reachable


async def test_slots_empty_when_must_attendees_share_no_day(client, demo):
    people = demo["by_name"]
    must = f"{people['Joost Willems']['id']},{people['Youssef El Amrani']['id']}"  # di/do vs wo/vr
    resp = await client.get(url(demo, f"/slots?initiated={STARTED}&must={must}"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200 and (await resp.json())["slots"] == []
