"""Invite mails as people receive them (issue 14 item 3): what a cleartext invite may say, answers kept in
later invites, and CANCEL mails that say so — through the real outbox, SMTP peer and gpg, every .ics read by
icalendar and ical.js (support.ical_parsers.read)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from support.clock import MovableClock
from support.ical_parsers import read
from support.mail_helpers import bearer, drain, open_encrypted, upload_keys

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

AMS = ZoneInfo("Europe/Amsterdam")
AGENDA = "Bespreken: schulden en school (GEHEIME-AGENDA-4410)"
PLACE = "Wijkcentrum De Kring, Maastricht"
INVITED = ("Fatima El Amrani", "Joost Willems", "Khadija El Amrani")


#: the day the household started: the services' clock stands on it, so the startoverleg planned from it
#: does not start in the future (refused) and its window stays the Kerst/Nieuwjaar one the dates below use
STARTED = date(2026, 12, 18)


@pytest.fixture
def clock() -> MovableClock:
    """Friday 18 December 2026 (STARTED), 10:00 in Amsterdam: the overleggen below lie ahead of it."""
    return MovableClock(datetime(2026, 12, 18, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(mail_settings) -> Settings:
    """Mail on: the aiosmtpd peer and a short server keyring."""
    return mail_settings


@pytest.fixture(scope="module")
def keys():
    """Fatima's own key (she reads encrypted mail); Khadija, Joost and Sanne have none."""
    made = create_keys({"Fatima El Amrani": ("good", "Fatima <fatima@example.org>")})
    yield made
    for key in made.values():
        key.cleanup()


def url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}/overleggen{suffix}"


async def plan(client, demo) -> dict:
    people = demo["by_name"]
    body = {
        "type": "startoverleg",
        "initiated": STARTED.isoformat(),
        "start": datetime(2026, 12, 29, 10, 0, tzinfo=AMS).isoformat(),
        "end": datetime(2026, 12, 29, 11, 30, tzinfo=AMS).isoformat(),
        "location": PLACE,
        "agenda": AGENDA,
        "chair_id": demo["regisseur"]["id"],
        "invitees": [{"betrokkene_id": people[n]["id"], "must_attend": n != "Khadija El Amrani"} for n in INVITED],
    }
    resp = await client.post(url(demo), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


def calendars(msg) -> list[bytes]:
    return [p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "text/calendar"]


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


@pytest.fixture
async def mailed(client, demo, services, smtp_peer, keys):
    """The peer, after pending mail was sent and Fatima's key uploaded."""
    _, peer = smtp_peer
    await upload_keys(client, demo, keys, ["Fatima El Amrani"])
    await drain(services.outbox)
    peer.messages.clear()
    return peer


async def test_a_cleartext_invite_names_only_the_organizer_and_its_recipient(client, demo, services, mailed, keys):
    overleg = await plan(client, demo)
    await drain(services.outbox)
    people = demo["by_name"]
    others = [people[n]["email"] for n in (*INVITED, "Sanne de Vries")]

    [plain] = mailed.to(people["Khadija El Amrani"]["email"])  # no key: a signed notice, in cleartext
    assert plain.get_content_type() == "multipart/signed"
    raw = plain.as_bytes().decode("utf-8", "replace")
    for address in others:
        if address != people["Khadija El Amrani"]["email"]:
            assert address not in raw  # not in the .ics, not in the text, not in a header
    assert "Wijkcentrum" not in raw and "GEHEIME-AGENDA" not in raw
    [ics] = calendars(plain)
    event = read(ics).event
    assert [a.email for a in event.attendees] == [people["Khadija El Amrani"]["email"]]
    assert event.organizer.email == "plan-demo-001@" + services.mailgroup.settings.mail_domain
    assert "SENT-BY" not in event.organizer.params
    assert event.location is None and event.description is None
    assert event.uid == overleg["uid"] and event.start_utc == "2026-12-29T09:00:00Z"
    assert plain["Subject"] == "Uitnodiging voor een overleg"
    assert "niet in een gewone e-mail" in text_of(plain)

    # with a key: the full invite, place and every attendee, and the agenda, only inside the encryption
    [enc] = mailed.to(people["Fatima El Amrani"]["email"])
    assert "Wijkcentrum" not in enc.as_bytes().decode("utf-8", "replace")
    inner, _ = open_encrypted(enc, keys["Fatima El Amrani"])
    [full] = calendars(inner)
    event = read(full).event
    assert event.location == PLACE
    assert {a.email for a in event.attendees} == set(others)
    assert event.attendee(people["Sanne de Vries"]["email"]).params["ROLE"] == "CHAIR"
    assert AGENDA in text_of(inner) and "uitgenodigd" in text_of(inner)


async def test_later_invites_keep_the_answers_given(client, demo, services, mailed, keys):
    overleg = await plan(client, demo)
    people = demo["by_name"]
    fatima, joost = people["Fatima El Amrani"], people["Joost Willems"]
    for who, answer in ((fatima, "accepted"), (joost, "declined")):
        resp = await client.put(
            url(demo, f"/{overleg['id']}/attendance"), json={"partstat": answer}, headers=bearer(who)
        )
        assert resp.status == 200, await resp.text()
    await drain(services.outbox)
    mailed.messages.clear()
    resp = await client.patch(  # not a change of time or place: the answers stand
        url(demo, f"/{overleg['id']}"), json={"agenda": "Andere agenda"}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 200, await resp.text()
    await drain(services.outbox)

    inner, _ = open_encrypted(mailed.to(fatima["email"])[-1], keys["Fatima El Amrani"])
    event = read(calendars(inner)[0]).event
    answers = {a.email: a.params["PARTSTAT"] for a in event.attendees}
    assert answers[fatima["email"]] == "ACCEPTED" and answers[joost["email"]] == "DECLINED"
    assert answers[people["Khadija El Amrani"]["email"]] == "NEEDS-ACTION"
    # Joost (no key) sees his own answer in the cleartext one
    [clear] = calendars(mailed.to(joost["email"])[-1])
    assert [(a.email, a.params["PARTSTAT"]) for a in read(clear).event.attendees] == [(joost["email"], "DECLINED")]


async def test_a_cancelled_overleg_is_told_as_cancelled(client, demo, services, mailed, keys):
    overleg = await plan(client, demo)
    await drain(services.outbox)
    mailed.messages.clear()
    resp = await client.post(url(demo, f"/{overleg['id']}/cancel"), headers=bearer(demo["regisseur"]))
    assert resp.status == 200
    await drain(services.outbox)
    people = demo["by_name"]

    [plain] = mailed.to(people["Khadija El Amrani"]["email"])
    assert plain["Subject"] == "Overleg gaat niet door"
    assert "gaat niet door" in text_of(plain) and "uitgenodigd voor een overleg over" not in text_of(plain)
    [ics] = calendars(plain)
    seen = read(ics)
    assert seen.method == "CANCEL" and seen.event.status == "CANCELLED" and seen.event.sequence == 1
    assert [a.email for a in seen.event.attendees] == [people["Khadija El Amrani"]["email"]]

    [enc] = mailed.to(people["Fatima El Amrani"]["email"])
    assert enc["Subject"] == "Overleg gaat niet door"
    inner, _ = open_encrypted(enc, keys["Fatima El Amrani"])
    assert "gaat niet door" in text_of(inner) and "GEHEIME-AGENDA" not in text_of(inner)
    [full] = calendars(inner)
    assert read(full).event.status == "CANCELLED"


async def test_someone_taken_off_the_list_is_told_so_and_the_overleg_stays(client, demo, services, mailed, keys):
    overleg = await plan(client, demo)
    await drain(services.outbox)
    mailed.messages.clear()
    people = demo["by_name"]
    keep = [{"betrokkene_id": people["Joost Willems"]["id"], "must_attend": True}]
    resp = await client.patch(
        url(demo, f"/{overleg['id']}"), json={"invitees": keep}, headers=bearer(demo["regisseur"])
    )
    assert resp.status == 200, await resp.text()
    await drain(services.outbox)

    for name in ("Khadija El Amrani", "Fatima El Amrani"):
        [msg] = mailed.to(people[name]["email"])
        assert msg["Subject"] == "U bent niet meer uitgenodigd voor een overleg"
        if name == "Fatima El Amrani":
            msg, _ = open_encrypted(msg, keys[name])
        assert "niet meer uitgenodigd" in text_of(msg) and "gaat wel door" in text_of(msg)
        [ics] = calendars(msg)
        seen = read(ics)
        # RFC 5546 §3.2.5: no STATUS:CANCELLED when only attendees are taken off, or the others' overleg goes too
        assert seen.method == "CANCEL" and seen.event.status is None and "STATUS" not in seen.event.props
        assert [a.email for a in seen.event.attendees] == [people[name]["email"]]
    # those who stay get the update (a REQUEST) with the new list, not a CANCEL
    [joost] = mailed.to(people["Joost Willems"]["email"])
    assert joost["Subject"] == "Uitnodiging voor een overleg"
    assert read(calendars(joost)[0]).method == "REQUEST"


async def test_an_invite_links_to_the_overlegs_own_page_in_plain_words(client, demo, services, mailed, keys):
    overleg = await plan(client, demo)
    await drain(services.outbox)
    people = demo["by_name"]
    page = f"/huishoudens/{demo['household']['id']}/overleggen/{overleg['id']}"
    [plain] = mailed.to(people["Khadija El Amrani"]["email"])
    text = text_of(plain)
    # "op de pagina van het overleg": the link is that page, not the household's start page
    assert any(line.endswith(page) for line in text.splitlines())
    assert "Log in via de link hieronder om het te lezen." in text
    assert "OpenPGP" not in text and "sleutel" not in text  # no jargon for the grandmother
    [enc] = mailed.to(people["Fatima El Amrani"]["email"])
    inner, _ = open_encrypted(enc, keys["Fatima El Amrani"])
    assert page in text_of(inner)
