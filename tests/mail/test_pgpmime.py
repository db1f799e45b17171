"""PGP/MIME messages built, sent through a real SMTP server, and opened like a mail client would."""

from __future__ import annotations

import base64
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from eenplan.domain.errors import PermanentFailure, ValidationFailed
from eenplan_crypto.testing import gpg_status
from eenplan_mail.engine import CryptoEngine
from eenplan_mail.headers import OutboundHeaders, make_list_id, stable_message_id
from eenplan_mail.pgpmime import (
    PgpMimeError,
    build_encrypted_message,
    build_signed_notice,
    extract_signed_parts,
    parse_pgpmime,
)
from eenplan_mail.smtp import SmtpSender

CANARY = "CANARY-PLAN-TEXT-123"
SUBJECT = "Plan bijgewerkt — versie 7"


def _headers(keydata: str | None = None, **changes) -> OutboundHeaders:
    values = dict(
        from_addr="plan-k3x9@eenplan.example",
        to_addr="alice@example.org",
        subject=SUBJECT,
        message_id=stable_message_id("version-7", "betrokkene-1", "eenplan.example"),
        list_id=make_list_id("k3x9", "eenplan.example"),
        date=datetime.now(UTC),
        from_name="Plan k3x9",
        autocrypt_keydata=keydata,
    )
    values.update(changes)
    return OutboundHeaders(**values)


def _inner() -> EmailMessage:
    inner = EmailMessage()
    inner.set_content(f"Er is een nieuwe versie van het plan.\n{CANARY}\nGroet, de regisseur\n")
    inner.add_attachment(
        b"%PDF-1.7\n" + CANARY.encode() + b"\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename="plan-versie-7.pdf",
    )
    inner.add_attachment(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        subtype="calendar",
        params={"method": "REQUEST"},
        filename="invite.ics",
    )
    return inner


async def test_encrypted_plan_mail_end_to_end(engine, member_keys, smtpd):
    keyring, server, alice = engine
    assert isinstance(keyring, CryptoEngine)
    url, handler = smtpd()
    keydata = await keyring.autocrypt_keydata(server)
    msg = await build_encrypted_message(
        _inner(), engine=keyring, recipients_fprs=[alice], signer_fpr=server, headers=_headers(keydata)
    )
    await SmtpSender(url).send(msg, "bounces@eenplan.example", "alice@example.org")

    [(mail_from, rcpt_tos, raw)] = handler.envelopes
    assert (mail_from, rcpt_tos) == ("bounces@eenplan.example", ["alice@example.org"])
    assert CANARY.encode() not in raw and b"regisseur" not in raw
    received = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert received.get_content_type() == "multipart/encrypted"
    assert received.get_param("protocol") == "application/pgp-encrypted"
    control, data = received.get_payload()
    assert control.get_content_type() == "application/pgp-encrypted"
    assert control.get_content().strip() == b"Version: 1"
    assert data.get_content_type() == "application/octet-stream" and data.get_filename() == "encrypted.asc"
    assert received["Subject"] == SUBJECT
    assert received["List-Id"] == "<plan-k3x9.eenplan.example>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"] == stable_message_id("version-7", "betrokkene-1", "eenplan.example")
    autocrypt = str(received["Autocrypt"])
    assert autocrypt.startswith("addr=plan-k3x9@eenplan.example; prefer-encrypt=mutual; keydata=")
    assert re.sub(r"\s+", "", autocrypt.split("keydata=")[1]) == keydata
    assert base64.b64decode(keydata)

    plaintext, status = member_keys["alice"].decrypt(parse_pgpmime(raw))
    assert [v.split()[9] for kw, v in status if kw == "VALIDSIG"] == [server]
    inner = BytesParser(policy=email.policy.default).parsebytes(plaintext)
    assert b"\r\n" in plaintext and b"\n" not in plaintext.replace(b"\r\n", b"")
    body = inner.get_body(preferencelist=("plain",))
    assert CANARY in body.get_content()
    parts = {p.get_content_type(): p for p in inner.iter_attachments()}
    assert CANARY.encode() in parts["application/pdf"].get_content()
    assert parts["text/calendar"].get_param("method") == "REQUEST"


async def test_signed_notice_verifies_and_carries_no_content(engine, member_keys, smtpd, tmp_path):
    keyring, server, _ = engine
    url, handler = smtpd()
    link = "https://plan.eenplan.example/inloggen?huishouden=k3x9"
    notice = await build_signed_notice(link=link, engine=keyring, signer_fpr=server, headers=_headers())
    await SmtpSender(url).send(notice, "bounces@eenplan.example", "alice@example.org")
    raw = handler.envelopes[0][2]
    received = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert received.get_content_type() == "multipart/signed"
    assert received.get_param("protocol") == "application/pgp-signature"
    signed, signature, micalg = extract_signed_parts(raw)
    assert micalg == received.get_param("micalg") == "pgp-sha512"
    assert link in received.get_payload()[0].get_content() and CANARY.encode() not in raw
    assert "Log in via de link hieronder" in received.get_payload()[0].get_content()
    assert "OpenPGP-sleutel" not in received.get_payload()[0].get_content()  # plain words, no jargon
    (tmp_path / "part").write_bytes(signed)
    (tmp_path / "part.asc").write_bytes(signature)
    proc = member_keys["alice"].gpg("--status-fd", "2", "--verify", str(tmp_path / "part.asc"), str(tmp_path / "part"))
    validsig = [v.split() for kw, v in gpg_status(proc) if kw == "VALIDSIG"]
    assert proc.returncode == 0 and validsig[0][9] == server and validsig[0][7] == "10"  # 10 = SHA512
    (tmp_path / "part").write_bytes(signed.replace(b"inloggen", b"inlogGen"))
    tampered = member_keys["alice"].gpg("--verify", str(tmp_path / "part.asc"), str(tmp_path / "part"))
    assert tampered.returncode != 0


class _PlaintextEngine:
    async def sign_encrypt(self, data, recipients, signer, hide_recipients=True):
        return data

    async def sign_detached(self, data, signer):
        return b"not a signature", "pgp-md5"


async def test_engine_output_is_checked_never_plaintext():
    fpr = "A" * 40
    with pytest.raises(PgpMimeError) as caught:
        await build_encrypted_message(
            _inner(), engine=_PlaintextEngine(), recipients_fprs=[fpr], signer_fpr=fpr, headers=_headers()
        )
    assert isinstance(caught.value, PermanentFailure)
    with pytest.raises(PgpMimeError):
        await build_signed_notice(
            link="https://x.example/", engine=_PlaintextEngine(), signer_fpr=fpr, headers=_headers()
        )


@pytest.mark.parametrize(
    "field, changes",
    [
        ("to", {"to_addr": "alice@example.org\r\nBcc: spy@evil.example"}),
        ("to", {"to_addr": "alice@example.org\nBcc: spy@evil.example"}),
        ("from", {"from_addr": "plan@eenplan.example\r\nBcc: spy@evil.example"}),
        ("to", {"to_addr": "two@@example.org"}),
        ("to", {"to_addr": "alice@example.org, spy@evil.example"}),
        ("subject", {"subject": "Plan\r\nBcc: spy@evil.example"}),
        ("subject", {"subject": "Plan\u2028bijgewerkt"}),
        ("from_name", {"from_name": "Plan\nBcc: x"}),
        ("message_id", {"message_id": "<a@b.example>\r\nBcc: x"}),
        ("list_id", {"list_id": "<plan-a.example>\nBcc: x"}),
        ("date", {"date": datetime(2026, 1, 1)}),
    ],
)
def test_header_injection_is_refused(field, changes):
    with pytest.raises(ValidationFailed) as caught:
        _headers(**changes)
    assert caught.value.problems[0].field == field


def test_stable_message_id_is_deterministic_per_recipient():
    first = stable_message_id("v7", "r1", "eenplan.example")
    assert first == stable_message_id("v7", "r1", "eenplan.example")
    assert first != stable_message_id("v7", "r2", "eenplan.example")
    assert re.fullmatch(r"<[0-9a-f]{40}@eenplan\.example>", first)
    with pytest.raises(ValidationFailed):
        stable_message_id("v7", "r1", "evil.example>\r\nBcc: x")


def test_parse_pgpmime_rejects_other_structures():
    plain = EmailMessage()
    plain.set_content("hallo")
    with pytest.raises(ValidationFailed):
        parse_pgpmime(plain.as_bytes())
