"""Invitations as calendar programs see them: icalendar, ical.js and vobject, roles, SEQUENCE, CANCEL, and no care
content."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from support.clock import MovableClock
from support.helpers import bearer, patch_plan
from support.ical_parsers import read

AMS = ZoneInfo("Europe/Amsterdam")
MARKER = "GEHEIM-ZORGINHOUD-7731"


#: the day the household started: the services' clock stands on it, so the startoverleg planned from it
#: does not start in the future (refused) and its window stays the Kerst/Nieuwjaar one the dates below use
STARTED = date(2026, 12, 18)


@pytest.fixture
def clock() -> MovableClock:
    """Friday 18 December 2026 (STARTED), 10:00 in Amsterdam: the overleggen below lie ahead of it."""
    return MovableClock(datetime(2026, 12, 18, 9, 0, tzinfo=UTC))


def url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


async def plan_startoverleg(client, demo, agenda=f"Bespreken: {MARKER}"):
    people = demo["by_name"]
    body = {
        "type": "startoverleg",
        "initiated": STARTED.isoformat(),
        "start": datetime(2026, 12, 29, 10, 0, tzinfo=AMS).isoformat(),
        "end": datetime(2026, 12, 29, 11, 30, tzinfo=AMS).isoformat(),
        "location": "Wijkcentrum De Kring, Maastricht",
        "agenda": agenda,
        "chair_id": demo["regisseur"]["id"],
        "invitees": [
            {"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True},
            {"betrokkene_id": people["Joost Willems"]["id"], "must_attend": True},
            {"betrokkene_id": people["Khadija El Amrani"]["id"], "must_attend": False},
        ],
    }
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


def attendees_icalendar(ics: bytes) -> dict[str, str]:
    cal = icalendar.Calendar.from_ical(ics)
    event = next(c for c in cal.walk("VEVENT"))
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:").lower(): a.params["ROLE"] for a in found}


async def test_scheduled_startoverleg_invites_parse_in_two_parsers(client, demo, outbox):
    overleg = await plan_startoverleg(client, demo)
    assert overleg["invites_queued"] == 4  # Fatima, Joost, Khadija and the chair (Sanne, must attend)
    invites = await outbox(demo["household"]["id"])
    assert {i["recipient_id"] for i in invites} == {
        demo["by_name"][n]["id"] for n in ("Fatima El Amrani", "Joost Willems", "Khadija El Amrani", "Sanne de Vries")
    }
    expected = {
        "fatima@example.org": "REQ-PARTICIPANT",
        "j.willems@shv.example.org": "REQ-PARTICIPANT",
        "khadija@example.org": "OPT-PARTICIPANT",
        "sanne.devries@example.org": "CHAIR",  # the regisseur chairs (chair_id)
    }
    for invite in invites:
        assert invite["method"] == "REQUEST"
        ics = invite["ics"]
        # parser 1: icalendar
        cal = icalendar.Calendar.from_ical(ics)
        assert str(cal["METHOD"]) == "REQUEST"
        event = next(c for c in cal.walk("VEVENT"))
        assert str(event["UID"]) == overleg["uid"] and overleg["uid"].endswith("@eenplan.localhost")
        assert int(event["SEQUENCE"]) == 0
        assert str(event["SUMMARY"]) == "Overleg huishouden DEMO-001"
        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:plan-demo-001@eenplan.localhost"
        assert organizer.params["SENT-BY"] == "mailto:sanne.devries@example.org"
        assert attendees_icalendar(ics) == expected
        assert all(a.params["RSVP"] == "TRUE" for a in event.get("attendee"))
        assert event["DTSTART"].dt == datetime(2026, 12, 29, 10, 0, tzinfo=AMS)
        assert list(cal.walk("VTIMEZONE")) and list(event.walk("VALARM"))
        # parser 2: vobject
        vcal = vobject.readOne(ics.decode())
        assert vcal.method.value == "REQUEST"
        vevent = vcal.vevent
        assert vevent.uid.value == overleg["uid"] and vevent.summary.value == "Overleg huishouden DEMO-001"
        roles = {a.value.removeprefix("mailto:").lower(): a.params["ROLE"][0] for a in vevent.attendee_list}
        assert roles == expected
        assert vevent.dtstart.value == datetime(2026, 12, 29, 10, 0, tzinfo=AMS)
        assert vevent.location.value == "Wijkcentrum De Kring, Maastricht"
        # the agenda travels only beside the .ics, for the encrypted part
        assert MARKER in invite["agenda"]
        # parser 3: ical.js (Thunderbird's), which must read what icalendar reads
        event = read(ics).event
        assert {a.email: a.params["ROLE"] for a in event.attendees} == expected
        assert {a.params["PARTSTAT"] for a in event.attendees} == {"NEEDS-ACTION"}
        assert event.start_utc == "2026-12-29T09:00:00Z" and event.location == "Wijkcentrum De Kring, Maastricht"


async def test_invite_ics_endpoint_gives_own_invite_only(client, demo):
    overleg = await plan_startoverleg(client, demo)
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]
    resp = await client.get(url(demo, f"/{overleg['id']}/invite.ics"), headers=bearer(fatima))
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/calendar; method=REQUEST")
    ics = await resp.read()
    assert vobject.readOne(ics.decode()).vevent.uid.value == overleg["uid"]
    assert read(ics).event.uid == overleg["uid"]
    other = demo["by_name"]["Joost Willems"]["id"]
    resp = await client.get(url(demo, f"/{overleg['id']}/invite.ics?for={other}"), headers=bearer(fatima))
    assert resp.status == 403
    resp = await client.get(url(demo, f"/{overleg['id']}/invite.ics"), headers=bearer(youssef))  # not invited
    assert resp.status == 404
    log = await (
        await client.get(f"/api/households/{demo['household']['id']}/toegangslog", headers=bearer(fatima))
    ).json()
    ics_entries = [e for e in log["entries"] if e["channel"] == "ics"]
    assert [(e["actor_id"], e["event"]) for e in ics_entries] == [(fatima["id"], "export")]


async def test_reschedule_raises_sequence_and_agenda_change_does_not(client, demo, outbox):
    overleg = await plan_startoverleg(client, demo)
    moved = {
        "start": datetime(2026, 12, 31, 14, 0, tzinfo=AMS).isoformat(),
        "end": datetime(2026, 12, 31, 15, 0, tzinfo=AMS).isoformat(),
    }
    resp = await client.patch(url(demo, f"/{overleg['id']}"), json=moved, headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["sequence"] == 1
    resp = await client.patch(
        url(demo, f"/{overleg['id']}"), json={"location": "Gemeentehuis"}, headers=bearer(demo["regisseur"])
    )
    assert (await resp.json())["sequence"] == 2
    resp = await client.patch(
        url(demo, f"/{overleg['id']}"), json={"agenda": "Andere agenda"}, headers=bearer(demo["regisseur"])
    )
    assert (await resp.json())["sequence"] == 2
    invites = await outbox(demo["household"]["id"])
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    sequences = sorted(read(i["ics"]).event.sequence for i in invites if i["recipient_id"] == fatima)
    assert sequences == [0, 1, 2, 2]
    latest = next(i for i in invites if i["recipient_id"] == fatima and i["dedupe_key"].endswith(":r1:REQUEST"))
    event = vobject.readOne(latest["ics"].decode()).vevent
    assert event.sequence.value == "1" and event.dtstart.value == datetime(2026, 12, 31, 14, 0, tzinfo=AMS)


async def test_uninvited_betrokkene_gets_cancel(client, demo, outbox):
    overleg = await plan_startoverleg(client, demo)
    people = demo["by_name"]
    keep = [{"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True}]
    resp = await client.patch(
        url(demo, f"/{overleg['id']}"), json={"invitees": keep}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 200 and (await resp.json())["sequence"] == 1
    khadija = people["Khadija El Amrani"]["id"]
    cancel = next(
        i for i in await outbox(demo["household"]["id"]) if i["recipient_id"] == khadija and i["method"] == "CANCEL"
    )
    assert list(attendees_icalendar(cancel["ics"])) == ["khadija@example.org"]
    # RFC 5546 §3.2.5: uninviting MUST NOT carry STATUS:CANCELLED (the overleg goes on for the others)
    event = read(cancel["ics"]).event
    assert event.status is None and "STATUS" not in event.props and event.sequence == 1
    assert cancel["uninvited"] and read(cancel["ics_clear"]).event.status is None


async def test_cancel_sends_cancel(client, demo, outbox):
    overleg = await plan_startoverleg(client, demo)
    resp = await client.post(url(demo, f"/{overleg['id']}/cancel"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "cancelled" and body["sequence"] == 1 and body["invites_queued"] == 4
    cancels = [i for i in await outbox(demo["household"]["id"]) if i["method"] == "CANCEL"]
    assert len(cancels) == 4
    for c in cancels:
        cal = icalendar.Calendar.from_ical(c["ics"])
        event = cal.walk("VEVENT")[0]
        assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1 and str(event["UID"]) == overleg["uid"]
        assert vobject.readOne(c["ics"].decode()).method.value == "CANCEL"
        for ics in (c["ics"], c["ics_clear"]):
            seen = read(ics)
            assert seen.method == "CANCEL" and seen.event.status == "CANCELLED" and not c["uninvited"]
    resp = await client.get(
        url(demo, f"/{overleg['id']}/invite.ics"), headers=bearer(demo["by_name"]["Fatima El Amrani"])
    )
    assert b"METHOD:CANCEL" in await resp.read()
    again = await client.post(url(demo, f"/{overleg['id']}/cancel"), headers=bearer(demo["regisseur"]))
    assert again.status == 422


async def test_no_invite_contains_plan_or_agenda_text(client, demo, outbox, services):
    resp = await patch_plan(client, demo, {"analyse": {"analyse": MARKER, "gewenst_perspectief": MARKER}}, version=2)
    assert resp.status == 200
    overleg = await plan_startoverleg(client, demo)
    await client.patch(
        url(demo, f"/{overleg['id']}"),
        json={"agenda": f"Nieuw: {MARKER}", "location": "Gemeentehuis"},
        headers=bearer(demo["regisseur"]),
    )
    await client.post(url(demo, f"/{overleg['id']}/cancel"), headers=bearer(demo["regisseur"]))
    invites = await outbox(demo["household"]["id"])
    assert len(invites) >= 12
    for invite in invites:
        for ics in (invite["ics"], invite["ics_clear"]):
            text = ics.decode()
            assert MARKER not in text and "Bespreken" not in text and "Nieuw:" not in text
            assert "Fatima heeft overzicht" not in text and "Geldzorgen" not in text
            assert read(ics).event.description is None
    for person in demo["betrokkenen"]:
        resp = await client.get(
            url(demo, f"/{overleg['id']}/invite.ics?for={person['id']}"), headers=bearer(demo["regisseur"])
        )
        if resp.status == 200:
            assert MARKER not in (await resp.text())


async def test_injection_in_location_is_refused(client, demo):
    people = demo["by_name"]
    body = {
        "type": "spoedoverleg",
        "start": datetime(2026, 12, 29, 10, 0, tzinfo=AMS).isoformat(),
        "end": datetime(2026, 12, 29, 11, 0, tzinfo=AMS).isoformat(),
        "location": "Kamer 1\r\nATTENDEE:mailto:evil@example.org",
        "invitees": [{"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True}],
    }
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "location"


async def test_without_a_chair_the_regisseur_who_sends_is_chair(client, demo, outbox):
    """ROLE=CHAIR falls to the regisseur on whose behalf the invites go (SENT-BY) when no chair was named."""
    people = demo["by_name"]
    body = {
        "type": "spoedoverleg",
        "start": datetime(2026, 12, 29, 10, 0, tzinfo=AMS).isoformat(),
        "end": datetime(2026, 12, 29, 11, 0, tzinfo=AMS).isoformat(),
        "invitees": [
            {"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True},
            {"betrokkene_id": demo["regisseur"]["id"], "must_attend": True},
        ],
    }
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    for invite in await outbox(demo["household"]["id"]):
        event = read(invite["ics"]).event
        assert event.attendee("sanne.devries@example.org").params["ROLE"] == "CHAIR"
        assert event.attendee("fatima@example.org").params["ROLE"] == "REQ-PARTICIPANT"
        assert event.organizer.params["SENT-BY"] == "mailto:sanne.devries@example.org"
