"""RFC 3156 PGP/MIME: encrypted plan mail and signed content-free notices.

Plan content only ever leaves as `multipart/encrypted` (sign+encrypt of the
whole inner MIME entity, §6.2). A member without a usable key gets a
`multipart/signed` notice that holds only neutral text and a sign-in link —
never plaintext plan content (the Schleuder `send_encrypted_only` rule).
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Iterable
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from typing import cast

from eenplan.domain.errors import PermanentFailure, ValidationFailed

from .engine import CryptoEngine
from .headers import OutboundHeaders, check_text

POLICY = email.policy.SMTP  # CRLF line endings, like aiosmtplib's flattening
MICALGS = frozenset({"pgp-sha256", "pgp-sha384", "pgp-sha512", "pgp-sha224"})
_URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?$")
#: plain http only to a loopback server (development: `make run` serves http://127.0.0.1:8080)
_LOCAL_URL_RE = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?$")

NOTICE_TEXT_NL = (
    "Er is iets nieuws in het plan waar u bij betrokken bent.\n\n"
    "Wij sturen de inhoud niet in een gewone e-mail.\n"
    "Log in via de link hieronder om het te lezen.\n"
)


class PgpMimeError(PermanentFailure):
    """A PGP/MIME message could not be built safely (the engine returned unexpected data)."""

    kind = "pgpmime"


def _part(content_type: str, payload: str, **headers: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = content_type
    for name, value in headers.items():
        part[name.replace("_", "-")] = value
    part.set_payload(payload)
    return part


def attach_part(parent: EmailMessage, part: MIMEPart) -> None:
    """Add a sub-part. Parts stay plain MIMEParts (an EmailMessage would add a MIME-Version header to the
    signed bytes); typeshed's `attach` only names the parent's own class, hence the cast."""
    parent.attach(cast(EmailMessage, part))


def _param(msg: Message, name: str) -> str:
    """A Content-Type parameter in lower case, "" when absent (the default policy decodes RFC 2231 values to text;
    the tuple in the stubs is the compat32 form, never seen here)."""
    value = msg.get_param(name)
    return value.lower() if isinstance(value, str) else ""


def _decoded(part: Message) -> bytes:
    """A leaf part's payload with its transfer encoding undone; b"" when there is none."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _outer(headers: OutboundHeaders, content_type: str, preamble: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    headers.apply(msg)
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = content_type
    msg.preamble = preamble
    return msg


async def build_encrypted_message(
    inner: EmailMessage,
    *,
    engine: CryptoEngine,
    recipients_fprs: Iterable[str],
    signer_fpr: str,
    headers: OutboundHeaders,
) -> EmailMessage:
    """Sign+encrypt the whole inner MIME entity (serialised with CRLF) to the recipients'
    pinned fingerprints and wrap it in RFC 3156 multipart/encrypted with neutral outer headers.

    One message for all of them, with hidden recipients: meant for one recipient. For several, the
    gateway's `seal` gives each their own message (RNP cannot read several hidden recipients)."""
    fprs = list(recipients_fprs)
    if not fprs:
        raise ValidationFailed.one("recipients_fprs", "at least one recipient key is required")
    if not isinstance(inner, EmailMessage) or inner.get_content_type() is None:
        raise ValidationFailed.one("inner", "must be an EmailMessage with a Content-Type")
    cleartext = inner.as_bytes(policy=POLICY)
    armored = await engine.sign_encrypt(cleartext, fprs, signer_fpr, hide_recipients=True)
    return wrap_encrypted(armored, headers)


def wrap_encrypted(armored: bytes, headers: OutboundHeaders) -> EmailMessage:
    """Wrap already signed+encrypted OpenPGP data in RFC 3156 multipart/encrypted with neutral outer
    headers; lets one encryption to several recipients go out as one message per recipient."""
    if (
        not isinstance(armored, bytes)
        or not armored.startswith(b"-----BEGIN PGP MESSAGE-----")
        or not armored.isascii()
    ):
        raise PgpMimeError("crypto engine did not return an armored OpenPGP message; not sending")
    msg = _outer(
        headers,
        'multipart/encrypted; protocol="application/pgp-encrypted"',
        "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
    )
    attach_part(
        msg, _part("application/pgp-encrypted", "Version: 1\r\n", Content_Description="PGP/MIME version identification")
    )
    attach_part(
        msg,
        _part(
            'application/octet-stream; name="encrypted.asc"',
            armored.decode("ascii"),
            Content_Description="OpenPGP encrypted message",
            Content_Disposition='inline; filename="encrypted.asc"',
            Content_Transfer_Encoding="7bit",
        ),
    )
    return msg


async def build_signed_notice(
    *, link: str, engine: CryptoEngine, signer_fpr: str, headers: OutboundHeaders, text: str = NOTICE_TEXT_NL
) -> EmailMessage:
    """RFC 3156 multipart/signed notice with only neutral text and a sign-in link, for members
    without a usable key. micalg is the hash gpg actually used."""
    if not isinstance(link, str) or len(link) > 2000 or not (_URL_RE.match(link) or _LOCAL_URL_RE.match(link)):
        raise ValidationFailed.one("link", "must be an https:// URL without spaces")
    for number, line in enumerate(text.split("\n")):
        check_text(line, f"text[{number}]", 500, allow_empty=True)
    body = MIMEPart(policy=POLICY)
    body.set_content(f"{text.rstrip()}\n\n{link}\n", subtype="plain", charset="utf-8", cte="quoted-printable")
    return await build_signed_entity(body, engine=engine, signer_fpr=signer_fpr, headers=headers)


async def build_signed_entity(
    body: MIMEPart, *, engine: CryptoEngine, signer_fpr: str, headers: OutboundHeaders
) -> EmailMessage:
    """RFC 3156 multipart/signed around a content-free MIME entity (e.g. notice text plus a
    content-free .ics invite); micalg is the hash gpg actually used."""
    signed = body.as_bytes(policy=POLICY)
    signature, micalg = await engine.sign_detached(signed, signer_fpr)
    if (
        micalg not in MICALGS
        or not isinstance(signature, bytes)
        or not signature.startswith(b"-----BEGIN PGP SIGNATURE-----")
        or not signature.isascii()
    ):
        raise PgpMimeError("crypto engine did not return a usable detached signature")
    msg = _outer(
        headers,
        f'multipart/signed; micalg="{micalg}"; protocol="application/pgp-signature"',
        "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
    )
    attach_part(msg, body)
    attach_part(
        msg,
        _part(
            'application/pgp-signature; name="signature.asc"',
            signature.decode("ascii"),
            Content_Description="OpenPGP digital signature",
            Content_Disposition='attachment; filename="signature.asc"',
        ),
    )
    if extract_signed_parts(msg.as_bytes(policy=POLICY))[0] != signed:  # serialisation drifted
        raise PgpMimeError("signed part does not serialise to the signed bytes; not sending")
    return msg


def _parse(raw: bytes, expected_type: str, protocol: str) -> EmailMessage:
    if not isinstance(raw, (bytes, bytearray)):
        raise ValidationFailed.one("message", "must be bytes")
    msg = BytesParser(policy=email.policy.default).parsebytes(bytes(raw))
    if msg.get_content_type() != expected_type:
        raise ValidationFailed.one("message", f"is not {expected_type}")
    if _param(msg, "protocol") != protocol:
        raise ValidationFailed.one("message", f"protocol parameter is not {protocol}")
    parts = msg.get_payload()
    if not isinstance(parts, list) or len(parts) != 2:
        raise ValidationFailed.one("message", "must have exactly two MIME parts")
    return msg


def parse_pgpmime(raw: bytes) -> bytes:
    """Return the OpenPGP payload of an RFC 3156 multipart/encrypted message (structure checked)."""
    msg = _parse(raw, "multipart/encrypted", "application/pgp-encrypted")
    control, data = cast(list[Message], msg.get_payload())  # _parse checked: exactly two parts
    if control.get_content_type() != "application/pgp-encrypted" or b"Version: 1" not in _decoded(control):
        raise ValidationFailed.one("message", "first part must be application/pgp-encrypted Version: 1")
    if data.get_content_type() != "application/octet-stream":
        raise ValidationFailed.one("message", "second part must be application/octet-stream")
    return _decoded(data)


def extract_signed_parts(raw: bytes) -> tuple[bytes, bytes, str]:
    """Return (signed bytes exactly as on the wire in CRLF form, detached signature, micalg)
    of an RFC 3156 multipart/signed message, for verification."""
    msg = _parse(raw, "multipart/signed", "application/pgp-signature")
    boundary = msg.get_boundary()
    if not boundary:
        raise ValidationFailed.one("message", "has no MIME boundary")
    canonical = re.sub(rb"\r?\n", b"\r\n", bytes(raw))
    body = b"\r\n" + canonical[canonical.index(b"\r\n\r\n") + 4 :]
    delimiter = b"\r\n--" + boundary.encode("ascii")
    first = body.find(delimiter)
    start = body.find(b"\r\n", first + len(delimiter)) + 2
    end = body.find(delimiter, start)
    if first < 0 or start < 2 or end < 0:
        raise ValidationFailed.one("message", "multipart/signed body is malformed")
    signature = _decoded(cast(list[Message], msg.get_payload())[1])  # _parse checked: exactly two parts
    return body[start:end], signature, _param(msg, "micalg")
