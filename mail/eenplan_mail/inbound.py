"""Reading an inbound message's structure (issue 14): who sent it, is it automatic, where its
calendar parts are — in the clear, inside an RFC 3156 multipart/signed, or inside a multipart/encrypted
(whose payload the service decrypts and hands back here). Nothing here decrypts or verifies, and no text
part is ever read: only headers, the calendar parts and the PGP/MIME envelope — and of a bounce, only its
delivery status (`read_delivery_status`).
"""

from __future__ import annotations

import base64
import email.policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

from eenplan.domain.errors import ValidationFailed
from eenplan.domain.inbound import InboundParts

from .pgpmime import extract_signed_parts, parse_pgpmime

#: the headers that tell a machine's mail from a person's (domain.inbound.is_automatic reads them)
AUTOMATIC_HEADERS = (
    "Auto-Submitted",
    "X-Loop",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress-OOO",
)
_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
MAX_PARTS = 50
MAX_DEPTH = 8


MAX_AUTOCRYPT_KEY = 64 * 1024


def _autocrypt(msg: Message) -> tuple[str, bytes] | None:
    """The Autocrypt header's addr and key (https://autocrypt.org/level1.html), or None when absent or malformed."""
    header = msg.get("Autocrypt")
    if header is None or len(str(header)) > 2 * MAX_AUTOCRYPT_KEY:
        return None
    attributes: dict[str, str] = {}
    for item in str(header).split(";"):
        name, sep, value = item.strip().partition("=")
        if sep:
            attributes[name.strip().lower()] = value.strip()
    addr, keydata = attributes.get("addr", "").lower(), "".join(attributes.get("keydata", "").split())
    try:
        key = base64.b64decode(keydata, validate=True)
    except ValueError:
        return None
    return (addr, key) if addr and 0 < len(key) <= MAX_AUTOCRYPT_KEY else None


def _sender(msg: Message) -> str | None:
    found = [addr for _name, addr in getaddresses(msg.get_all("From", [])) if addr]
    if len(found) != 1 or "@" not in found[0] or len(found[0]) > 254:
        return None
    return found[0].strip().lower()


def _calendars(msg: Message) -> tuple[bytes, ...]:
    found: list[bytes] = []
    seen = 0

    def walk(part: Message, depth: int) -> None:
        nonlocal seen
        seen += 1
        if seen > MAX_PARTS or depth > MAX_DEPTH:
            return
        if part.is_multipart():
            for child in part.get_payload() or []:
                if isinstance(child, Message):
                    walk(child, depth + 1)
            return
        if part.get_content_type() in _CALENDAR_TYPES:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found.append(payload)

    walk(msg, 0)
    return tuple(found)


def parse(raw: bytes) -> EmailMessage:
    """Parse a whole message or MIME entity (the standard library's parser, strict default policy)."""
    parsed = BytesParser(policy=email.policy.default).parsebytes(bytes(raw))
    assert isinstance(parsed, EmailMessage)
    return parsed


def read_parts(raw: bytes) -> InboundParts:
    """The structure of `raw`: headers first, then either the PGP/MIME envelope or the clear calendars."""
    msg = parse(raw)
    headers = {name: str(msg[name]) for name in AUTOMATIC_HEADERS if msg[name] is not None}
    sender, message_id = _sender(msg), (str(msg["Message-ID"]).strip() if msg["Message-ID"] else None)
    offered = _autocrypt(msg)
    kind = msg.get_content_type()
    if kind == "multipart/encrypted":
        try:
            return InboundParts(sender, message_id, headers, encrypted=parse_pgpmime(raw), autocrypt=offered)
        except ValidationFailed:
            return InboundParts(sender, message_id, headers)
    if kind == "multipart/signed":
        try:
            signed, signature, _micalg = extract_signed_parts(raw)
        except ValidationFailed:
            return InboundParts(sender, message_id, headers)
        return InboundParts(sender, message_id, headers, signed=(signed, signature), autocrypt=offered)
    return InboundParts(sender, message_id, headers, calendars=_calendars(msg), autocrypt=offered)


def calendars_in(entity: bytes) -> tuple[bytes, ...]:
    """The calendar parts of a decrypted or signed MIME entity (what a signature or the encryption covers)."""
    return _calendars(parse(entity))


# ----------------------------------------------------------------- delivery status notifications (RFC 3464)
# Postfix, Exim, Exchange and Gmail send a multipart/report with a message/delivery-status part; each
# per-recipient block says `Action: failed` (or `delayed`) and `Status: 5.x.x` (permanent) or `4.x.x`.
# Only those fields are read, nothing of the returned message.


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []


def read_delivery_status(raw: bytes) -> bool | None:
    """True when a DSN reports a permanent failure, False when it only reports delays (or success), None when
    `raw` is no DSN (old-style and unknown bounces count for nothing)."""
    msg = parse(raw)
    if msg.get_content_type() != "multipart/report" or msg.get_param("report-type") != "delivery-status":
        return None
    status = next((p for p in msg.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status is None:
        return None
    permanent = False
    for block in _blocks(status)[1:]:  # the first block is about the message, the others per recipient
        action = str(block.get("Action", "")).strip().lower()
        code = str(block.get("Status", "")).strip()
        permanent = permanent or action == "failed" or code.startswith("5.")
    return permanent
