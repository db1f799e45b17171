"""The encrypted plan mail built as bytes (`wire.encrypted_message`, what the gateway sends) is the message
`pgpmime.wrap_encrypted` builds — the same headers, folding, parts and line endings — and reaches the relay
intact through `SmtpSender.send_bytes`."""

from __future__ import annotations

import base64
import email.policy
import re
import socket
from datetime import UTC, datetime
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from eenplan.domain.errors import PermanentFailure, ValidationFailed
from eenplan_mail.headers import OutboundHeaders, make_list_id, stable_message_id
from eenplan_mail.pgpmime import POLICY, parse_pgpmime, wrap_encrypted
from eenplan_mail.smtp import SmtpSender
from eenplan_mail.wire import encrypted_message

from .conftest import Recorder, free_port

ARMORED = (
    b"-----BEGIN PGP MESSAGE-----\n\n"
    + base64.encodebytes(bytes(range(256)) * 40)
    + b"=abcd\n-----END PGP MESSAGE-----\n"
)
_BOUNDARY = re.compile(rb"={15}\d+==")


def _headers(**changes) -> OutboundHeaders:
    values = dict(
        from_addr="plan-k3x9@eenplan.example",
        to_addr="alice@example.org",
        subject="Plan bijgewerkt — versie 7",  # not ASCII: an encoded word, as the email package writes it
        message_id=stable_message_id("version-7", "betrokkene-1", "eenplan.example"),
        list_id=make_list_id("k3x9", "eenplan.example"),
        date=datetime(2026, 12, 1, 19, 30, tzinfo=UTC),
        from_name="eenplan",
        autocrypt_keydata=base64.b64encode(bytes(range(256)) * 9).decode("ascii"),
    )
    values.update(changes)
    return OutboundHeaders(**values)


def _without_boundary(raw: bytes) -> bytes:
    return _BOUNDARY.sub(b"BOUNDARY", raw)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"autocrypt_keydata": None},
        {"subject": "Plan bijgewerkt: versie 12", "from_name": "", "to_name": "Alice de Vries"},
        {"subject": "Uitnodiging: overleg over " + "de afspraken van het gezin " * 6},  # folded over lines
        {"from_name": "Plan, Team (k3x9)", "to_name": "Ëlla Öztürk"},  # quoted, and an encoded word
    ],
)
def test_the_bytes_are_the_message_wrap_encrypted_builds(changes):
    headers = _headers(**changes)
    built = wrap_encrypted(ARMORED, headers).as_bytes(policy=POLICY)
    raw = encrypted_message(ARMORED, headers)
    assert _without_boundary(raw) == _without_boundary(built)
    assert len(set(_BOUNDARY.findall(raw))) == 1  # one boundary, used throughout
    assert parse_pgpmime(raw) == ARMORED.replace(b"\n", b"\r\n")


def test_only_armored_openpgp_data_is_wrapped():
    for bad in (b"plain text", b"-----BEGIN PGP MESSAGE-----\n\xff\n", "-----BEGIN PGP MESSAGE-----"):
        with pytest.raises(PermanentFailure):
            encrypted_message(bad, _headers())  # type: ignore[arg-type]


async def test_send_bytes_delivers_the_message_as_built():
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        raw = encrypted_message(ARMORED, _headers())
        sender = SmtpSender(f"smtp://127.0.0.1:{port}")
        await sender.send_bytes(raw, "bounces@eenplan.example", "alice@example.org")
        with pytest.raises(ValidationFailed):
            await sender.send_bytes("not bytes", "bounces@eenplan.example", "alice@example.org")  # type: ignore[arg-type]
    finally:
        controller.stop()
    [(mail_from, rcpt_tos, content)] = recorder.envelopes
    assert (mail_from, rcpt_tos) == ("bounces@eenplan.example", ["alice@example.org"])
    assert content == raw
    msg = BytesParser(policy=email.policy.default).parsebytes(content)
    assert msg["Subject"] == "Plan bijgewerkt — versie 7" and msg["To"] == "alice@example.org"
    assert msg.get_content_type() == "multipart/encrypted"


async def test_the_watched_sender_watches_the_encrypted_mail_too():
    """bootstrap's WatchedSmtpSender notes every envelope's outcome, the encrypted plan mail's (send_bytes) too."""
    from eenplan.web.mail_metrics import WatchedSmtpSender
    from eenplan_mail.smtp import SmtpTemporaryFailure

    with socket.socket() as sock:  # a port nobody listens on: the relay is down
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    sender = WatchedSmtpSender(f"smtp://127.0.0.1:{closed}")
    with pytest.raises(SmtpTemporaryFailure):
        await sender.send_bytes(encrypted_message(ARMORED, _headers()), "bounces@eenplan.example", "a@example.org")
    assert sender.watch.down
