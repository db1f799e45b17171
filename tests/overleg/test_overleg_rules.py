"""The method's rules through the API: date poll, closing asks for the next overleg, needs planning,
reminders N werkdagen ahead across a holiday, attendance, and who may do what (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.clock import MovableClock
from support.helpers import bearer, plan_url
from support.ical_parsers import read

from eenplan.domain.access import Principal
from eenplan.services.households import NewHousehold, RegisseurDetails

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def clock() -> MovableClock:
    """Wednesday 2 December 2026, 10:00 in Amsterdam: the overleggen and polls below lie ahead of it."""
    return MovableClock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))


def url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


def polls(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}/polls{suffix}"


def at(y, m, d, h, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=AMS).isoformat()


def voortgang(demo, start: datetime, who=("Fatima El Amrani", "Inge Bakker"), agenda="Doelen doorlopen"):
    return {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "video_link": "https://meet.example.org/abc",
        "agenda": agenda,
        "invitees": [{"betrokkene_id": demo["by_name"][n]["id"], "must_attend": True} for n in who],
    }


async def test_poll_votes_and_pick_become_the_invitation(client, demo, outbox, services, clock):
    clock.to(2026, 12, 18)  # the day the household started: a poll's initiation date may not lie in the future
    people = demo["by_name"]
    fatima, joost, youssef = people["Fatima El Amrani"], people["Joost Willems"], people["Youssef El Amrani"]
    body = {
        "type": "startoverleg",
        "initiated": "2026-12-18",
        "options": [
            {"start": at(2026, 12, 29, 10), "end": at(2026, 12, 29, 11)},
            {"start": at(2027, 1, 5, 14), "end": at(2027, 1, 5, 15)},
        ],
        "invitees": [
            {"betrokkene_id": fatima["id"], "must_attend": True},
            {"betrokkene_id": joost["id"], "must_attend": False},
        ],
    }
    resp = await client.post(polls(demo), json=body, headers=bearer(fatima))
    assert resp.status == 403
    resp = await client.post(polls(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    poll = await resp.json()
    async with services.overleggen._uow() as uow:  # the invitees are told by a content-free notice
        queued = [
            i
            for i in await uow.mail.list_outbox(demo["household"]["id"], None, 1000)
            if i.dedupe_key == f"poll:{poll['id']}"
        ]
    assert sorted(i.recipient_id for i in queued) == sorted([fatima["id"], joost["id"]])
    assert all(i.kind.value == "notice" and "Doel" not in (i.payload or "") for i in queued)
    first, second = (o["id"] for o in poll["options"])
    resp = await client.put(
        polls(demo, f"/{poll['id']}/votes"), json={"votes": {first: "no", second: "yes"}}, headers=bearer(fatima)
    )
    assert resp.status == 200
    resp = await client.put(
        polls(demo, f"/{poll['id']}/votes"), json={"votes": {first: "maybe", second: "yes"}}, headers=bearer(joost)
    )
    voted = await resp.json()
    assert voted["options"][1]["tally"] == {"yes": 2, "maybe": 0, "no": 0}
    assert voted["options"][0]["votes"] == {fatima["id"]: "no", joost["id"]: "maybe"}
    assert (await client.get(polls(demo, f"/{poll['id']}"), headers=bearer(youssef))).status == 404  # not invited
    outside = {
        "type": "startoverleg",
        "initiated": "2026-12-18",
        "invitees": body["invitees"],
        "options": [{"start": at(2026, 12, 23, 10), "end": at(2026, 12, 23, 11)}],
    }
    resp = await client.post(polls(demo), json=outside, headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "options[0].start"

    resp = await client.post(
        polls(demo, f"/{poll['id']}/pick"),
        json={"option_id": second, "location": "Wijkcentrum", "agenda": "Kennismaken"},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 201, await resp.text()
    overleg = await resp.json()
    assert overleg["start"] == at(2027, 1, 5, 14) and overleg["type"] == "startoverleg"
    assert overleg["invites_queued"] == 2
    invites = await outbox(demo["household"]["id"])
    assert {i["recipient_id"] for i in invites} == {fatima["id"], joost["id"]}
    assert all(b"DTSTART;TZID=Europe/Amsterdam:20270105T140000" in i["ics"] for i in invites)
    assert {read(i["ics"]).event.start_utc for i in invites} == {"2027-01-05T13:00:00Z"}  # icalendar and ical.js
    closed = await (await client.get(polls(demo, f"/{poll['id']}"), headers=bearer(fatima))).json()
    assert closed["open"] is False and closed["overleg_id"] == overleg["id"]
    resp = await client.put(polls(demo, f"/{poll['id']}/votes"), json={"votes": {first: "yes"}}, headers=bearer(fatima))
    assert resp.status == 422


async def test_needs_planning_in_phase_4_without_future_overleg(client, demo):
    status = url(demo, "/status")
    assert (await (await client.get(status, headers=bearer(demo["regisseur"]))).json())["needs_planning"] is False
    for phase in (2, 3, 4):
        resp = await client.post(
            f"/api/households/{demo['household']['id']}/phase", json={"to": phase}, headers=bearer(demo["regisseur"])
        )
        assert resp.status == 200, await resp.text()
    body = await (await client.get(status, headers=bearer(demo["by_name"]["Fatima El Amrani"]))).json()
    assert body == {"needs_planning": True, "phase": 4, "next_overleg": None}
    resp = await client.post(
        url(demo), json=voortgang(demo, datetime(2027, 2, 2, 10, tzinfo=AMS)), headers=bearer(demo["regisseur"])
    )
    assert resp.status == 201
    body = await (await client.get(status, headers=bearer(demo["by_name"]["Fatima El Amrani"]))).json()
    assert body["needs_planning"] is False and body["next_overleg"]["id"] == (await resp.json())["id"]


async def test_reminder_is_due_two_werkdagen_before_across_easter(client, demo, services, outbox):
    # Voortgangsoverleg Tue 30-3-2027, the day after 2e Paasdag (Mon 29-3). N = 2 werkdagen:
    # the werkdagen between are Fri 26-3 (Goede Vrijdag is a werkdag by default) and Tue 30-3 itself,
    # so the reminder is due from Thu 25-3; on Wed 24-3 it is three werkdagen away.
    resp = await client.post(
        url(demo), json=voortgang(demo, datetime(2027, 3, 30, 10, tzinfo=AMS)), headers=bearer(demo["regisseur"])
    )
    overleg = await resp.json()
    assert services.overleggen.reminder_werkdagen == 2
    assert await services.overleggen.due_reminders(date(2027, 3, 24)) == []
    assert await services.overleggen.due_reminders(date(2027, 3, 25)) == [overleg["id"]]
    assert await services.overleggen.due_reminders(date(2027, 3, 25)) == []  # idempotent
    assert await services.overleggen.due_reminders(date(2027, 3, 26)) == []
    reminders = [i for i in await outbox(demo["household"]["id"]) if ":reminder:" in i["dedupe_key"]]
    assert {r["recipient_id"] for r in reminders} == {
        demo["by_name"][n]["id"] for n in ("Fatima El Amrani", "Inge Bakker")
    }
    assert all(r["method"] == "REQUEST" and r["agenda"] == "Doelen doorlopen" for r in reminders)
    got = await (await client.get(url(demo, f"/{overleg['id']}"), headers=bearer(demo["regisseur"]))).json()
    assert got["reminder_sent"] is True


async def test_closing_asks_for_the_next_overleg_and_adopts_the_plan(client, demo, clock, outbox):
    start = clock.now + timedelta(days=3)
    resp = await client.post(url(demo), json=voortgang(demo, start), headers=bearer(demo["regisseur"]))
    overleg = await resp.json()
    resp = await client.post(url(demo, f"/{overleg['id']}/close"), json={}, headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "status"  # not started yet
    clock.advance(timedelta(days=3, hours=1))
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"),
        json={"decisions": "Budgetplan akkoord"},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 422
    problem = await resp.json()
    assert problem["errors"][0]["field"] == "next_overleg" and "next" in problem["errors"][0]["problem"]
    assert (
        await client.post(
            url(demo, f"/{overleg['id']}/close"),
            json={"no_next_reason": "x"},
            headers=bearer(demo["by_name"]["Inge Bakker"]),
        )
    ).status == 403
    nxt = voortgang(demo, clock.now + timedelta(days=42))
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"),
        json={"decisions": "Budgetplan akkoord", "adopted_version": 2, "next": nxt},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200, await resp.text()
    held = await resp.json()
    assert held["status"] == "held" and held["adopted_version"] == 2 and held["next_overleg_id"]
    assert held["invites_queued"] == 2 and held["warnings"] == []
    version = await (await client.get(plan_url(demo, "/versions/2"), headers=bearer(demo["regisseur"]))).json()
    assert version["vastgesteld"] is True and version["vastgesteld_overleg"] == overleg["id"]
    nxt_overleg = await (
        await client.get(url(demo, f"/{held['next_overleg_id']}"), headers=bearer(demo["regisseur"]))
    ).json()
    assert nxt_overleg["status"] == "planned" and nxt_overleg["type"] == "voortgangsoverleg"


async def test_closing_with_a_reason_but_no_next_warns(client, demo, clock):
    resp = await client.post(
        url(demo), json=voortgang(demo, clock.now + timedelta(hours=2)), headers=bearer(demo["regisseur"])
    )
    overleg = await resp.json()
    clock.advance(timedelta(hours=3))
    resp = await client.post(
        url(demo, f"/{overleg['id']}/close"),
        json={"no_next_reason": "Datum volgt na vakantie"},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["next_overleg_id"] is None and body["warnings"][0].startswith("next_overleg:")


async def test_attendance_and_who_sees_what(client, demo):
    resp = await client.post(
        url(demo), json=voortgang(demo, datetime(2027, 2, 2, 10, tzinfo=AMS)), headers=bearer(demo["regisseur"])
    )
    overleg = await resp.json()
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    resp = await client.put(
        url(demo, f"/{overleg['id']}/attendance"), json={"partstat": "accepted"}, headers=bearer(fatima)
    )
    assert resp.status == 200
    mine = next(i for i in (await resp.json())["invitees"] if i["betrokkene_id"] == fatima["id"])
    assert mine["partstat"] == "accepted"
    listed = await (await client.get(url(demo), headers=bearer(fatima))).json()
    assert [o["id"] for o in listed["overleggen"]] == [overleg["id"]]
    assert (await (await client.get(url(demo), headers=bearer(youssef))).json())["overleggen"] == []
    assert (await client.get(url(demo, f"/{overleg['id']}"), headers=bearer(youssef))).status == 404
    resp = await client.put(
        url(demo, f"/{overleg['id']}/attendance"), json={"partstat": "maybe"}, headers=bearer(fatima)
    )
    assert resp.status == 422


async def test_only_regisseurs_plan_change_cancel(client, demo):
    inge = demo["by_name"]["Inge Bakker"]
    body = voortgang(demo, datetime(2027, 2, 2, 10, tzinfo=AMS))
    assert (await client.post(url(demo), json=body, headers=bearer(inge))).status == 403
    overleg = await (await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))).json()
    assert (
        await client.patch(url(demo, f"/{overleg['id']}"), json={"agenda": "x"}, headers=bearer(inge))
    ).status == 403
    assert (await client.post(url(demo, f"/{overleg['id']}/cancel"), headers=bearer(inge))).status == 403
    assert (await client.get(url(demo, "/slots?initiated=2026-12-18"), headers=bearer(inge))).status == 403


async def test_non_member_gets_404_everywhere(client, demo, services):
    household, regisseur = await services.households.open(
        NewHousehold("ANDER-001", "Ander huishouden", "Heerlen"),
        RegisseurDetails(name="Piet", email="piet@example.org"),
    )
    outsider = {"Authorization": "Bearer " + services.tokens.issue(Principal(regisseur.id, household.id))}
    overleg = await (
        await client.post(
            url(demo), json=voortgang(demo, datetime(2027, 2, 2, 10, tzinfo=AMS)), headers=bearer(demo["regisseur"])
        )
    ).json()
    for method, path in [
        ("GET", url(demo)),
        ("GET", url(demo, "/window?type=startoverleg&initiated=2026-12-18")),
        ("GET", url(demo, "/status")),
        ("GET", url(demo, f"/{overleg['id']}")),
        ("GET", url(demo, f"/{overleg['id']}/invite.ics")),
        ("POST", url(demo, f"/{overleg['id']}/cancel")),
    ]:
        resp = await client.request(method, path, headers=outsider)
        assert resp.status == 404, (method, path, resp.status)
    resp = await client.post(url(demo), json=voortgang(demo, datetime(2027, 2, 2, 10, tzinfo=AMS)), headers=outsider)
    assert resp.status == 404
    # and another household's overleg id is not found from inside this one
    other = f"/api/households/{household.id}/overleggen/{overleg['id']}"
    assert (await client.get(other, headers=outsider)).status == 404
