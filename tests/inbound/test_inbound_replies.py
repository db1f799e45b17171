"""Answers to invitations come back by mail (issue 14): accepting in Thunderbird, Outlook, Google Calendar or
Apple Calendar changes the invitee's answer that the regisseur sees — and nothing else, and only for the
sender's own answer to the current version of one of this household's overleggen. Delivered over LMTP to the
real receiver, as Postfix hands the group domain to it."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from support.mail_fixtures import MAIL_DOMAIN

from eenplan.domain.access import Principal
from eenplan.domain.overleg import Invitee, OverlegType, Partstat
from eenplan.services.overleg_drafts import OverlegDraft
from eenplan.storage.tables_inbound import InboundMessageRow
from eenplan_crypto.testing import create_keys

from .samples import CLIENTS, out_of_office, outlook, plain, thunderbird

AMS = ZoneInfo("Europe/Amsterdam")
GROUP = f"plan-demo-001@{MAIL_DOMAIN}"
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"


def regisseur(demo) -> Principal:
    return Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)


@pytest.fixture
async def overleg(services, demo) -> dict:
    """A planned voortgangsoverleg: Fatima must come, Khadija may."""
    people = demo["by_name"]
    start = (datetime.now(AMS) + timedelta(days=21)).replace(hour=14, minute=0, second=0, microsecond=0)
    view, _ = await services.overleggen.plan(
        regisseur(demo),
        demo["household"]["id"],
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG,
            start=start,
            end=start + timedelta(minutes=90),
            invitees=(
                Invitee(people["Fatima El Amrani"]["id"], True),
                Invitee(people["Khadija El Amrani"]["id"], False),
            ),
            agenda="Bespreken",
            location="Wijkcentrum",
        ),
    )
    return {"id": view.id, "uid": view.uid, "sequence": view.sequence, "start": start}


async def answer_of(services, demo, overleg: dict, name: str) -> Partstat:
    view = await services.overleggen.get(regisseur(demo), demo["household"]["id"], overleg["id"])
    bid = demo["by_name"][name]["id"]
    return next(i.partstat for i in view.invitees if i.betrokkene_id == bid)


async def by_mail(client, demo, overleg: dict, person: dict | None = None) -> tuple[int, dict]:
    who = person or demo["regisseur"]
    resp = await client.get(
        f"/api/households/{demo['household']['id']}/overleggen/{overleg['id']}/per-mail",
        headers={"Authorization": f"Bearer {who['token']}"},
    )
    return resp.status, await resp.json()


@pytest.mark.parametrize("name", sorted(CLIENTS))
async def test_an_accept_from_each_client_reaches_the_regisseur(services, demo, overleg, lmtp, client, name):
    raw = CLIENTS[name](overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "ACCEPTED")
    replies = await lmtp(FATIMA, [GROUP], raw)
    assert replies[0][0] == 250 and replies[-1][0] == 250, replies
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.ACCEPTED
    assert await answer_of(services, demo, overleg, "Khadija El Amrani") is Partstat.NEEDS_ACTION
    status, seen = await by_mail(client, demo, overleg)
    assert status == 200
    assert [(a["betrokkene_id"], a["partstat"], a["signed"]) for a in seen["answers"]] == [
        (demo["by_name"]["Fatima El Amrani"]["id"], "accepted", False)
    ]


async def test_a_decline_after_an_accept_changes_the_answer_again(services, demo, overleg, lmtp):
    for partstat, expected in (("ACCEPTED", Partstat.ACCEPTED), ("DECLINED", Partstat.DECLINED)):
        raw = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", partstat)
        assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
        assert await answer_of(services, demo, overleg, "Fatima El Amrani") is expected


async def test_nobody_can_answer_for_someone_else(services, demo, overleg, lmtp):
    """Khadija's address sending an answer that names Fatima as the attendee changes nobody's answer."""
    raw = google(overleg, FATIMA, sender=KHADIJA)
    assert (await lmtp(KHADIJA, [GROUP], raw))[-1][0] == 250  # taken (no backscatter), not applied
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION
    assert await answer_of(services, demo, overleg, "Khadija El Amrani") is Partstat.NEEDS_ACTION


def google(overleg: dict, attendee: str, *, sender: str) -> str:
    raw = CLIENTS["google"](overleg["uid"], overleg["sequence"], overleg["start"], GROUP, attendee, "X", "ACCEPTED")
    return raw.replace(f"From: X <{attendee}>", f"From: X <{sender}>")


async def test_an_answer_to_an_older_invitation_or_an_unknown_one_changes_nothing(services, demo, overleg, lmtp):
    stale = outlook(overleg["uid"], overleg["sequence"] + 1, overleg["start"], GROUP, FATIMA, "Fatima", "DECLINED")
    unknown = thunderbird("not-ours@example.org", 0, overleg["start"], GROUP, FATIMA, "Fatima", "DECLINED")
    for raw in (stale, unknown):
        assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION


async def test_an_answer_sent_to_another_households_address_changes_nothing(services, demo, overleg, lmtp):
    other = f"plan-ander-002@{MAIL_DOMAIN}"
    raw = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], other, FATIMA, "Fatima", "ACCEPTED")
    assert (await lmtp(FATIMA, [other], raw))[-1][0] == 250
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION


async def test_a_redelivered_message_is_applied_once(services, demo, overleg, lmtp, client):
    """The MTA delivers the accept twice; in between Fatima declined on the page: the old mail does not win."""
    raw = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "ACCEPTED")
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    fatima = Principal(demo["by_name"]["Fatima El Amrani"]["id"], demo["household"]["id"])
    await services.overleggen.attendance(fatima, demo["household"]["id"], overleg["id"], Partstat.DECLINED)
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.DECLINED


async def test_automatic_replies_are_dropped_unread(services, demo, overleg, lmtp):
    ooo = out_of_office(GROUP, FATIMA, "Fatima")
    answer = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "DECLINED")
    looped = "X-Loop: eenplan@eenplan.example\r\n" + answer
    assert (await lmtp(FATIMA, [GROUP], ooo))[-1][0] == 250
    assert (await lmtp(FATIMA, [GROUP], looped))[-1][0] == 250
    assert (await lmtp("", [GROUP], answer))[-1][0] == 250  # a bounce (null sender): never a person's answer
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION


async def test_mail_without_an_answer_is_refused_in_dutch_and_not_kept(services, lmtp):
    replies = await lmtp(FATIMA, [GROUP], plain(GROUP, FATIMA, "Fatima", "Hoe gaat het met de aanvraag?"))
    code, text = replies[-1]
    assert code == 550 and "neemt alleen antwoorden op uitnodigingen aan" in text
    async with services.overleggen._uow() as uow:
        stored = await uow.session.execute(sa.select(sa.func.count()).select_from(InboundMessageRow))
    assert stored.scalar_one() == 0


async def test_unknown_addresses_too_many_recipients_and_oversized_mail_are_refused(overleg, lmtp):
    raw = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "ACCEPTED")
    assert (await lmtp(FATIMA, ["someone@elsewhere.example"], raw))[0][0] == 550
    assert (await lmtp(FATIMA, [f"postmaster@{MAIL_DOMAIN}"], raw))[0][0] == 550
    many = [f"plan-x{i}@{MAIL_DOMAIN}" for i in range(25)]
    replies = await lmtp(FATIMA, many, raw)
    assert [c for c, _ in replies[:25]].count(452) == 5  # the 21st and later recipients wait for a next try
    huge = raw + ("X" * 78 + "\r\n") * (10 * 1024 * 1024 // 80 + 10)
    assert (await lmtp(FATIMA, [GROUP], huge))[-1][0] == 552


async def test_outlook_propose_new_time_reaches_the_regisseur_only(services, demo, overleg, lmtp, client):
    later = overleg["start"] + timedelta(days=1)
    raw = outlook(overleg["uid"], overleg["sequence"], later, GROUP, FATIMA, "Fatima", "TENTATIVE", method="COUNTER")
    assert (await lmtp(FATIMA, [GROUP], raw))[-1][0] == 250
    status, seen = await by_mail(client, demo, overleg)
    assert status == 200 and len(seen["proposals"]) == 1
    proposal = seen["proposals"][0]
    assert datetime.fromisoformat(proposal["start"]) == later
    assert datetime.fromisoformat(proposal["end"]) == later + timedelta(minutes=90)
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION
    status, _ = await by_mail(client, demo, overleg, demo["by_name"]["Fatima El Amrani"])
    assert status == 403


# ----------------------------------------------------------------------------- signed and encrypted answers


@pytest.fixture(scope="module")
def fatima_key():
    keys = create_keys({"fatima": ("good", f"Fatima <{FATIMA}>")})
    yield keys["fatima"]
    keys["fatima"].cleanup()


@pytest.fixture
async def pinned(client, demo, fatima_key) -> dict:
    """Fatima's key pinned in the household; the household's key known to Fatima's Thunderbird."""
    hid, fatima = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]
    headers = {"Authorization": f"Bearer {fatima['token']}"}
    resp = await client.put(
        f"/api/households/{hid}/betrokkenen/{fatima['id']}/key",
        json={"armored": fatima_key.armored_public},
        headers=headers,
    )
    assert resp.status == 200, await resp.text()
    resp = await client.get(f"/api/households/{hid}/mail/signing-key", headers=headers)
    household = await resp.json()
    fatima_key.gpg("--import", input=household["armored"].encode())
    return household


def calendar_entity(raw: str) -> bytes:
    """The text/calendar part of a client's answer, as a MIME entity with CRLF line ends."""
    msg = email.message_from_bytes(raw.encode(), policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    body = part.get_payload(decode=True)
    header = b"Content-Type: text/calendar; charset=UTF-8; method=REPLY\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    return header + body


def signed_message(entity: bytes, signature: bytes) -> str:
    b = "------------sig7Hq2Lw9"
    head = (
        f"From: Fatima <{FATIMA}>\r\nTo: {GROUP}\r\nSubject: Geaccepteerd\r\n"
        f"Message-ID: <signed-{len(signature)}@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
        f' boundary="{b}"\r\n\r\n'
    )
    return (
        head
        + f"--{b}\r\n"
        + entity.decode()
        + f'\r\n--{b}\r\nContent-Type: application/pgp-signature; name="OpenPGP_signature.asc"\r\n\r\n'
        + signature.decode()
        + f"\r\n--{b}--\r\n"
    )


async def test_a_signed_answer_is_shown_as_signed_and_a_tampered_one_is_refused(
    services, demo, overleg, lmtp, client, fatima_key, pinned
):
    raw = thunderbird(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "TENTATIVE")
    entity = calendar_entity(raw)
    signature = fatima_key.gpg("--armor", "--detach-sign", "--digest-algo", "SHA256", input=entity).stdout
    tampered = signed_message(entity.replace(b"PARTSTAT=TENTATIVE", b"PARTSTAT=DECLINED"), signature)
    assert (await lmtp(FATIMA, [GROUP], tampered))[-1][0] == 550
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.NEEDS_ACTION
    assert (await lmtp(FATIMA, [GROUP], signed_message(entity, signature)))[-1][0] == 250
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.TENTATIVE
    _, seen = await by_mail(client, demo, overleg)
    assert [a["signed"] for a in seen["answers"]] == [True]


async def test_an_answer_encrypted_to_the_household_and_signed_is_read(
    services, demo, overleg, lmtp, client, fatima_key, pinned
):
    raw = outlook(overleg["uid"], overleg["sequence"], overleg["start"], GROUP, FATIMA, "Fatima", "ACCEPTED")
    entity = calendar_entity(raw)
    armored = fatima_key.gpg(
        "--armor", "--trust-model", "always", "--sign", "--encrypt", "--recipient", pinned["fingerprint"], input=entity
    ).stdout
    b = "------------enc3Kd8Pq1"
    message = (
        f"From: Fatima <{FATIMA}>\r\nTo: {GROUP}\r\nSubject: ...\r\nMessage-ID: <enc-1@example.org>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="{b}"'
        f"\r\n\r\n--{b}\r\nContent-Type: application/pgp-encrypted\r\n"
        "Content-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n"
        f'--{b}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n'
        'Content-Disposition: inline; filename="encrypted.asc"\r\n\r\n' + armored.decode() + f"\r\n--{b}--\r\n"
    )
    assert (await lmtp(FATIMA, [GROUP], message))[-1][0] == 250
    assert await answer_of(services, demo, overleg, "Fatima El Amrani") is Partstat.ACCEPTED
    _, seen = await by_mail(client, demo, overleg)
    assert [a["signed"] for a in seen["answers"]] == [True]
