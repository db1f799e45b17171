"""Several inbound receivers at once (issue 15 item 2): the same message handed to two nodes at the same moment
(an MTA's retry racing its first try, two MX hosts) counts once — one answer, one journaal post, one mail per
member — and the node that lost the race says "try again" (451), whose retry is then a duplicate (250)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from support.mail_fixtures import MAIL_DOMAIN
from support.mail_helpers import bearer

from eenplan.domain.access import Principal
from eenplan.domain.errors import TemporaryFailure
from eenplan.domain.mailgroup import OutboxKind
from eenplan.domain.overleg import Invitee, OverlegType, Partstat
from eenplan.services.inbound import ACCEPTED
from eenplan.services.overleg_drafts import OverlegDraft
from eenplan.storage.tables_inbound import InboundMessageRow, OverlegMailAnswerRow
from eenplan.storage.tables_journaal import JournaalMessageRow
from eenplan.storage.tables_mail import OutboxRow
from eenplan_crypto.testing import create_keys

pytestmark = pytest.mark.both_databases

AMS = ZoneInfo("Europe/Amsterdam")
GROUP = f"plan-demo-001@{MAIL_DOMAIN}"
FATIMA = "fatima@example.org"


@pytest.fixture
def settings(mail_settings):
    return dataclasses.replace(mail_settings, shared_state="on", second_factor="off")


@pytest.fixture(scope="module")
def fatima_key():
    made = create_keys({"fatima": ("good", f"Fatima <{FATIMA}>")})
    yield made["fatima"]
    made["fatima"].cleanup()


async def count(services, table, *where) -> int:
    async with services.plan._uow() as uow:
        stmt = sa.select(sa.func.count()).select_from(table)
        return (await uow.session.execute(stmt.where(*where) if where else stmt)).scalar_one()


async def both_at_once(nodes, sender: str, raw: str) -> list[str]:
    """Each node delivers `raw` at the same moment; their SMTP reply lines (451 for a storage conflict, as
    the receiver answers it)."""
    results = await asyncio.gather(
        *(node.inbound.deliver(sender, GROUP, raw.encode()) for node in nodes), return_exceptions=True
    )
    replies = []
    for result in results:
        if isinstance(result, TemporaryFailure):
            replies.append("451")
        elif isinstance(result, BaseException):
            raise result
        else:
            replies.append(result)
    return replies


def reply_mail(uid: str, sequence: int, start: datetime) -> str:
    stamp = start.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Test//Cluster//NL",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"SEQUENCE:{sequence}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{stamp}",
            f"ORGANIZER:mailto:{GROUP}",
            f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Fatima:mailto:{FATIMA}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    return (
        f"From: Fatima <{FATIMA}>\r\nTo: {GROUP}\r\nSubject: Geaccepteerd: Overleg\r\n"
        "Message-ID: <reply-cluster@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/calendar; method=REPLY; charset="UTF-8"\r\n\r\n' + ics
    )


async def test_one_answer_delivered_by_two_receivers_at_once_counts_once(services, node_b, demo):
    hid, people = demo["household"]["id"], demo["by_name"]
    regisseur = Principal(demo["regisseur"]["id"], hid, second_factor=True)
    start = (datetime.now(AMS) + timedelta(days=21)).replace(hour=14, minute=0, second=0, microsecond=0)
    view, _ = await services.overleggen.plan(
        regisseur,
        hid,
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG,
            start=start,
            end=start + timedelta(minutes=90),
            invitees=(Invitee(people["Fatima El Amrani"]["id"], True),),
            agenda="Bespreken",
            location="Wijkcentrum",
        ),
    )
    raw = reply_mail(view.uid, view.sequence, start)
    replies = await both_at_once((services, node_b), FATIMA, raw)
    assert ACCEPTED in replies and set(replies) <= {ACCEPTED, "451"}, replies
    assert await count(services, InboundMessageRow) == 1
    assert await count(services, OverlegMailAnswerRow, OverlegMailAnswerRow.overleg_id == view.id) == 1
    seen = await node_b.overleggen.get(regisseur, hid, view.id)
    fatima = next(i for i in seen.invitees if i.betrokkene_id == people["Fatima El Amrani"]["id"])
    assert fatima.partstat is Partstat.ACCEPTED
    assert await node_b.inbound.deliver(FATIMA, GROUP, raw.encode()) == ACCEPTED  # the MTA's retry: a duplicate
    assert await count(services, InboundMessageRow) == 1


def entity(text: str) -> bytes:
    b = "------------inner9Zq"
    head = f'Content-Type: multipart/mixed; protected-headers="v1"; boundary="{b}"\r\nSubject: Afspraak\r\n'
    body = f"--{b}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    return (head + "\r\n" + body + f"--{b}--\r\n").encode()


def encrypted_mail(armored: bytes) -> str:
    b = "------------enc5Rt2"
    return (
        f"From: Fatima <{FATIMA}>\r\nTo: {GROUP}\r\nSubject: ...\r\nMessage-ID: <post-cluster@example.org>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="{b}"'
        f"\r\n\r\n--{b}\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
        f'--{b}\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
        + armored.decode()
        + f"\r\n--{b}--\r\n"
    )


async def test_one_journaal_post_delivered_by_two_receivers_at_once_is_kept_and_sent_once(
    services, node_b, demo, client, fatima_key
):
    hid, person = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]
    resp = await client.put(
        f"/api/households/{hid}/betrokkenen/{person['id']}/key",
        json={"armored": fatima_key.armored_public},
        headers=bearer(person),
    )
    assert resp.status == 200, await resp.text()
    resp = await client.get(f"/api/households/{hid}/mail/signing-key", headers=bearer(demo["regisseur"]))
    household = await resp.json()
    fatima_key.gpg("--import", input=household["armored"].encode())
    proc = fatima_key.gpg(
        "--armor", "--trust-model", "always", "--sign", "--encrypt", "--recipient", household["fingerprint"],
        input=entity("Youssef heeft morgen een gesprek op school."),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    raw = encrypted_mail(proc.stdout)
    journaal_rows = (OutboxRow.kind == OutboxKind.JOURNAAL.value,)
    replies = await both_at_once((services, node_b), FATIMA, raw)
    assert ACCEPTED in replies and set(replies) <= {ACCEPTED, "451"}, replies
    assert await count(services, JournaalMessageRow) == 1
    sent_to = await count(services, OutboxRow, *journaal_rows)
    assert sent_to == 5  # one row per other member with an address, once
    assert await node_b.inbound.deliver(FATIMA, GROUP, raw.encode()) == ACCEPTED
    assert (await count(services, JournaalMessageRow), await count(services, OutboxRow, *journaal_rows)) == (1, 5)
