"""Every plan mail is read by every recipient's own client: RNP (Thunderbird), Sequoia, GnuPG and OpenPGP.js.

One view for four recipients (Curve25519, RSA-3072 and a key whose encryption subkey expires) is sealed once
and sent as the outbox sends it: one multipart/encrypted message per recipient through a real SMTP server.
Each recipient opens their own message in each client with their secret key and the household's public key,
and the client must both decrypt it and report a good signature by the household key. A view encrypted once
to several hidden recipients was read by no recipient in Debian's RNP and made gpg exit 2.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest
from support.openpgp_clients import CLIENTS, ClientRefused, Signer, available, open_with

from eenplan.domain.mailgroup_ports import Attachment, Envelope, MailBody
from eenplan_crypto.envelopes import dearmor, split
from eenplan_crypto.keyring import Keyring
from eenplan_crypto.testing import create_keys
from eenplan_mail.gateway import PgpMailGateway
from eenplan_mail.pgpmime import parse_pgpmime
from eenplan_mail.smtp import SmtpSender

HOUSEHOLD = "plan-huis-042@eenplan.example"
SECRET = "ANALYSE-GEHEIM-5521"
PDF = b"%PDF-1.4\n% versie 7 " + SECRET.encode() + b"\n%%EOF\n"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


@pytest.fixture(scope="module")
def readers():
    """Four recipients, each with their own key in their own home, of the kinds members bring."""
    keys = create_keys(
        {
            "anna": ("good", "Anna <anna@example.org>"),
            "carl": ("rsa3072", "Carl <carl@example.org>"),
            "bo": ("subkey_expiring", "Bo <bo@example.org>"),
            "dirk": ("good", "Dirk <dirk@example.org>"),
        }
    )
    yield keys
    for key in keys.values():
        key.cleanup()


@pytest.fixture
async def delivered(server_home, readers, smtpd):
    """(household signer, {reader: raw message as received}) for one view sealed once for all four."""
    keyring = Keyring(server_home)
    signer_fpr = await keyring.ensure_signing_key(HOUSEHOLD, "eenplan huis-042")
    fprs = {name: (await keyring.import_pinned(key.armored_public)).fingerprint for name, key in readers.items()}
    url, recorder = smtpd()
    gateway = PgpMailGateway(keyring, SmtpSender(url), "eenplan.example")
    body = MailBody(
        f"Het plan is bijgewerkt: {SECRET}.\n",
        (Attachment("plan-versie-7.pdf", "application/pdf", PDF),),
        calendar=ICS,
    )
    sealed = await gateway.seal(body, list(fprs.values()), signer_fpr)
    for name, fpr in fprs.items():
        envelope = Envelope(
            from_addr=HOUSEHOLD,
            from_name="eenplan",
            to_addr=f"{name}@example.org",
            subject="Plan bijgewerkt — versie 7",
            message_id=gateway.message_id("huis-042:v7", name),
            list_id=gateway.list_id("huis-042"),
            date=datetime.now(UTC),
        )
        await gateway.send_sealed(sealed.for_key(fpr), envelope)
    received = {rcpts[0].split("@")[0]: raw for _from, rcpts, raw in recorder.envelopes}
    assert sorted(received) == sorted(readers)  # one SMTP envelope per recipient
    signer = Signer(signer_fpr, await keyring.export_public(signer_fpr))
    return signer, received, fprs


def _inner_text(plaintext: bytes) -> tuple[str, set[str]]:
    inner = email.message_from_bytes(plaintext, policy=email.policy.default)
    text = "".join(p.get_content() for p in inner.walk() if p.get_content_type() == "text/plain")
    return text, {p.get_content_type() for p in inner.walk()}


@pytest.mark.parametrize("client", CLIENTS)
async def test_every_recipient_reads_their_update_in_every_client(client, delivered, readers):
    if not available(client):
        pytest.skip(f"{client} is not installed here (make system-deps / make test install it)")
    signer, received, _fprs = delivered
    for name, raw in received.items():
        armored = parse_pgpmime(raw)  # RFC 3156 structure checked
        plaintext = open_with(client, armored, readers[name], signer)
        text, types = _inner_text(plaintext)
        assert SECRET in text, f"{name} in {client}: not the update"
        assert {"application/pdf", "text/calendar"} <= types, f"{name} in {client}: attachments missing"


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_recipients_message_opens_for_nobody_else(client, delivered, readers):
    if not available(client):
        pytest.skip(f"{client} is not installed here (make system-deps / make test install it)")
    signer, received, _fprs = delivered
    with pytest.raises(ClientRefused):
        open_with(client, parse_pgpmime(received["anna"]), readers["dirk"], signer)


async def test_each_message_names_only_its_recipients_key(delivered, readers):
    """One session-key packet per message, the recipient's own: nobody else's key, nor how many got the view."""
    _signer, received, fprs = delivered
    data_packets = set()
    for name, raw in received.items():
        packets, data = split(dearmor(parse_pgpmime(raw)))
        assert len(packets) == 1, f"{name}'s message holds {len(packets)} session-key packets"
        listing = readers[name].gpg("--with-colons", "--list-keys", fprs[name]).stdout.decode()
        own = {line.split(":")[4] for line in listing.splitlines() if line.startswith(("pub:", "sub:"))}
        assert packets[0].key_id in own
        assert SECRET.encode() not in raw
        data_packets.add(data)
    assert len(data_packets) == 1  # one signature and one encryption for the view, shared by all four
