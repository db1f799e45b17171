"""Must-attend for the next overleg, toggled per person on the betrokkenen page (issue 13 follow-up): only the
person whose must-attend changed gets an updated invitation (their new ROLE, RSVP, their answer and the SEQUENCE
kept), nobody else is mailed, and toggles at the same time all stay — through the real outbox, SMTP peer and gpg,
every .ics read by icalendar and ical.js (support.ical_parsers.read)."""

from __future__ import annotations

import asyncio

import pytest
from support.ical_parsers import read
from support.mail_helpers import bearer, drain, open_encrypted, upload_keys
from support.overleg_kit import plan_overleg, regisseur

from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed
from eenplan_crypto.testing import create_keys


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring."""
    return mail_settings


@pytest.fixture(scope="module")
def keys():
    """Fatima's own key (she reads encrypted mail); the others have none."""
    made = create_keys({"Fatima El Amrani": ("good", "Fatima <fatima@example.org>")})
    yield made
    for key in made.values():
        key.cleanup()


@pytest.fixture
async def mailed(client, demo, services, smtp_peer, keys):
    """The peer, after pending mail was sent and Fatima's key uploaded."""
    _, peer = smtp_peer
    await upload_keys(client, demo, keys, ["Fatima El Amrani"])
    await drain(services.outbox)
    peer.messages.clear()
    return peer


def calendars(msg) -> list[bytes]:
    return [p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "text/calendar"]


async def toggle(services, demo, betrokkene_id: str, overleg_id: str, must: bool) -> None:
    """The regisseur changes must-attend as the betrokkenen page does (`NextOverlegService.set_must_attend`; the
    form itself: tests/web/test_pages_plan_deadlines.py)."""
    hid = demo["household"]["id"]
    await services.next_overleg.set_must_attend(regisseur(demo), hid, overleg_id, betrokkene_id, must)


async def test_a_must_attend_toggle_mails_only_that_person(client, demo, services, mailed, keys, outbox):
    people = demo["by_name"]
    fatima, joost, khadija = people["Fatima El Amrani"], people["Joost Willems"], people["Khadija El Amrani"]
    hid = demo["household"]["id"]
    oid = await plan_overleg(
        services, demo, [("Fatima El Amrani", True), ("Joost Willems", False), ("Inge Bakker", True)], days=9
    )
    answer = await client.put(
        f"/api/households/{hid}/overleggen/{oid}/attendance", json={"partstat": "declined"}, headers=bearer(joost)
    )
    assert answer.status == 200, await answer.text()
    await drain(services.outbox)
    mailed.messages.clear()
    queued = {r["id"] for r in await outbox(hid)}

    await toggle(services, demo, joost["id"], oid, True)
    rows = [r for r in await outbox(hid) if r["id"] not in queued]  # new rows (created_at ties: the clock stands)
    assert [(r["recipient_id"], r["method"]) for r in rows] == [(joost["id"], "REQUEST")]
    await drain(services.outbox)
    assert {rcpt for rcpt, _ in mailed.messages} == {joost["email"]}  # nobody else is mailed
    [notice] = mailed.to(joost["email"])  # no key: the signed cleartext notice with his own invite
    [ics] = calendars(notice)
    seen = read(ics)
    assert seen.method == "REQUEST" and seen.event.sequence == 0  # a role is no reason to ask everyone again
    me = seen.event.attendee(joost["email"])
    assert me.params["ROLE"] == "REQ-PARTICIPANT" and me.params["RSVP"] == "TRUE"
    assert me.params["PARTSTAT"] == "DECLINED"  # his answer stands

    mailed.messages.clear()
    await toggle(services, demo, fatima["id"], oid, False)  # she need not come: one encrypted update, to her
    await drain(services.outbox)
    assert {rcpt for rcpt, _ in mailed.messages} == {fatima["email"]}
    [enc] = mailed.to(fatima["email"])
    inner, _ = open_encrypted(enc, keys["Fatima El Amrani"])
    event = read(calendars(inner)[0]).event
    assert event.attendee(fatima["email"]).params["ROLE"] == "OPT-PARTICIPANT"
    assert event.attendee(joost["email"]).params["ROLE"] == "REQ-PARTICIPANT"
    assert event.sequence == 0

    mailed.messages.clear()
    await toggle(services, demo, khadija["id"], oid, True)  # not invited yet: invited now, and only she hears of it
    await drain(services.outbox)
    assert {rcpt for rcpt, _ in mailed.messages} == {khadija["email"]}
    [ics] = calendars(mailed.to(khadija["email"])[0])
    assert read(ics).event.attendee(khadija["email"]).params["ROLE"] == "REQ-PARTICIPANT"

    mailed.messages.clear()
    before = len(await outbox(hid))
    await toggle(services, demo, khadija["id"], oid, True)  # nothing changed: nothing sent
    assert len(await outbox(hid)) == before
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    assert {i.betrokkene_id: i.must_attend for i in view.invitees} == {
        fatima["id"]: False,
        joost["id"]: True,
        people["Inge Bakker"]["id"]: True,
        khadija["id"]: True,
    }
    assert view.sequence == 0


async def test_a_toggle_refused_changes_nothing_and_mails_nobody(demo, services, outbox):
    hid = demo["household"]["id"]
    oid = await plan_overleg(services, demo, [("Fatima El Amrani", True)], days=9)
    before = await outbox(hid)
    with pytest.raises(ValidationFailed) as refused:
        await services.overleggen.set_must_attend(regisseur(demo), hid, oid, "niet-van-dit-huishouden", True)
    assert refused.value.problems[0].field == "betrokkene_id"
    await services.overleggen.cancel(regisseur(demo), hid, oid)
    before = await outbox(hid)
    with pytest.raises(ValidationFailed) as refused:
        await services.overleggen.set_must_attend(regisseur(demo), hid, oid, demo["betrokkenen"][0]["id"], True)
    assert refused.value.problems[0].field == "status"
    assert await outbox(hid) == before


async def test_concurrent_must_attend_toggles_are_all_kept(demo, services):
    """Everyone marked must-attend at the same moment: no toggle overwrites another (each reads the invitee list
    inside its own locked transaction)."""
    hid = demo["household"]["id"]
    oid = await plan_overleg(services, demo, [("Fatima El Amrani", False)], days=9)
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    others = [p["id"] for p in demo["betrokkenen"] if p["id"] != fatima]
    assert len(others) >= 4
    await asyncio.gather(*(services.overleggen.set_must_attend(regisseur(demo), hid, oid, b, True) for b in others))
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    assert {i.betrokkene_id: i.must_attend for i in view.invitees} == {fatima: False} | dict.fromkeys(others, True)
    assert view.sequence == 0
