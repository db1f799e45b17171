"""Bounces (issue 14): every mail leaves with its own VERP return path; a delivery status notification to it
raises that person's bounce score (Mailman's defaults); at 5.0 plan updates to the address stop, the regisseur
sees "works: false", and the person (or a regisseur) can try again. Through the real outbox, a real SMTP peer
and the real LMTP receiver."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from support.mail_fixtures import MAIL_DOMAIN
from support.mail_helpers import bearer, drain
from support.smtp import Peer, free_port

from eenplan.bootstrap import utc_now
from eenplan.config import Settings
from eenplan.domain.bounces import (
    DISABLE_AT,
    BounceRecord,
    betrokkene_of,
    mac_fits,
    register_bounce,
    return_path,
)

KEY = b"k" * 32
BID = "0b6b3f4e-8a59-4c8e-9d3f-2f7d6c1a9b10"
NOW = datetime(2026, 12, 1, 12, 0)


def test_a_return_path_names_its_betrokkene_and_only_fits_the_address_it_was_made_for():
    path = return_path(KEY, BID, "Oma@Example.org", MAIL_DOMAIN)
    local, _, domain = path.partition("@")
    assert domain == MAIL_DOMAIN and len(local) <= 64
    found = betrokkene_of(local)
    assert found is not None and found[0] == BID
    assert mac_fits(KEY, BID, "oma@example.org", found[1])
    assert not mac_fits(KEY, BID, "nieuw@example.org", found[1])
    assert not mac_fits(b"x" * 32, BID, "oma@example.org", found[1])
    assert betrokkene_of("plan-demo-001") is None and betrokkene_of("bounce-kort-x") is None


def test_the_score_counts_once_a_day_goes_stale_after_a_week_and_disables_at_five():
    record = None
    day = date(2026, 12, 1)
    for n in range(5):
        record = register_bounce(record, "h", BID, "oma@example.org", NOW, day + timedelta(days=n))
        record = register_bounce(record, "h", BID, "oma@example.org", NOW, day + timedelta(days=n))  # same day
    assert record is not None and record.score == DISABLE_AT and record.disabled_at == NOW
    assert record.disables("OMA@example.org") and not record.disables("nieuw@example.org")
    fresh = register_bounce(
        BounceRecord("h", BID, "oma@example.org", 3.0, day), "h", BID, "oma@example.org", NOW, day + timedelta(days=8)
    )
    assert fresh.score == 1.0 and fresh.disabled_at is None
    other = register_bounce(record, "h", BID, "nieuw@example.org", NOW, day + timedelta(days=6))
    assert other.address == "nieuw@example.org" and other.score == 1.0 and other.disabled_at is None


class EnvelopePeer(Peer):
    """The SMTP peer, also recording each message's envelope sender (the return path)."""

    def __init__(self) -> None:
        super().__init__()
        self.senders: list[tuple[str, str]] = []  # (rcpt, mail_from)

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.senders.append((rcpt, envelope.mail_from))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp_peer():
    peer = EnvelopePeer()
    port = free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", peer
    controller.stop()


@pytest.fixture
def clock():
    return utc_now  # the worker's retries run in real time


@pytest.fixture
def settings(mail_settings) -> Settings:
    return mail_settings


def dsn(return_path_address: str, failed: str, *, action: str = "failed", status: str = "5.1.1") -> str:
    """A Postfix bounce (RFC 3464) for one recipient."""
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        f"To: {return_path_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "Message-ID: <20261201.bounce.1@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n\r\n'
        "--B1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.org.\r\n\r\n"
        "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\nArrival-Date: Tue, 1 Dec 2026 10:00:00 +0100\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 5.1.1 <{failed}>: user unknown\r\n\r\n"
        "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: plan-demo-001@eenplan.example\r\n--B1--\r\n"
    )


async def change_plan(client, demo, n: int) -> None:
    headers = bearer(demo["regisseur"])
    current = await (await client.get(f"/api/households/{demo['household']['id']}/plan", headers=headers)).json()
    algemeen = current["sections"]["algemeen"]
    algemeen["coordinatie"] += f" Stap {n}."
    resp = await client.patch(
        f"/api/households/{demo['household']['id']}/plan",
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={"algemeen": algemeen},
    )
    assert resp.status == 200, await resp.text()


async def test_a_bouncing_address_stops_getting_plan_updates_until_tried_again(client, demo, services, smtp_peer, lmtp):
    _, peer = smtp_peer
    hid, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    await drain(services.outbox)
    peer.senders.clear()
    await change_plan(client, demo, 1)
    await drain(services.outbox)
    sent = dict(peer.senders)
    path = sent[oma["email"]]
    assert (
        path.startswith("bounce-")
        and path.endswith(f"@{MAIL_DOMAIN}")
        and path != sent[demo["by_name"]["Fatima El Amrani"]["email"]]
    )

    forged = path.replace(path.split("-")[-1].split("@")[0], "aaaaaaaaaa")
    assert (await lmtp("", [forged], dsn(forged, oma["email"])))[-1][0] == 250  # taken, counted for nobody
    delayed = dsn(path, oma["email"], action="delayed", status="4.4.1")
    assert (await lmtp("", [path], delayed))[-1][0] == 250  # a delay counts for nothing
    regisseur = bearer(demo["regisseur"])
    assert await (await client.get(f"/api/households/{hid}/mail/bounces", headers=regisseur)).json() == []

    yesterday = services.plan.today() - timedelta(days=1)  # Amsterdam's day, as the bounce scores count
    async with services.bounces._uow(write=True) as uow:  # four earlier bad days
        await uow.bounces.put(BounceRecord(hid, oma["id"], oma["email"], DISABLE_AT - 1, yesterday))
        await uow.commit()
    assert (await lmtp("", [path], dsn(path, oma["email"])))[-1][0] == 250
    seen = await (await client.get(f"/api/households/{hid}/mail/bounces", headers=regisseur)).json()
    assert [(b["betrokkene_id"], b["works"]) for b in seen] == [(oma["id"], False)]
    assert (await client.get(f"/api/households/{hid}/mail/bounces", headers=bearer(oma))).status == 403

    peer.senders.clear()
    await change_plan(client, demo, 2)
    await drain(services.outbox)
    assert oma["email"] not in dict(peer.senders) and demo["by_name"]["Fatima El Amrani"]["email"] in dict(peer.senders)

    resp = await client.delete(f"/api/households/{hid}/mail/bounces/{oma['id']}", headers=bearer(oma))
    assert resp.status == 204
    peer.senders.clear()
    await change_plan(client, demo, 3)
    await drain(services.outbox)
    assert oma["email"] in dict(peer.senders)
    notice = peer.to(oma["email"])[-1]
    assert isinstance(notice, email.message.EmailMessage) and notice["X-Loop"] == f"eenplan@{MAIL_DOMAIN}"


def test_what_stops_at_a_disabled_address_is_everything_but_what_the_person_asked_for_or_must_hear():
    from eenplan.domain.mailgroup import OutboxKind
    from eenplan.services.bounces import STOPPED_KINDS

    assert set(OutboxKind) - STOPPED_KINDS == {OutboxKind.NOTICE, OutboxKind.SIGNIN_LINK}
