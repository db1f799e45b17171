"""Reading an inbound message's structure (issue 14): who sent it, is it automatic, and where its
calendar parts are — in the clear, inside an RFC 3156 multipart/signed, or inside a multipart/encrypted
(whose payload the service decrypts and hands back here). Nothing here decrypts or verifies, and no text
part is ever read: only headers, the calendar parts and the PGP/MIME envelope.
"""

from __future__ import annotations

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
    kind = msg.get_content_type()
    if kind == "multipart/encrypted":
        try:
            return InboundParts(sender, message_id, headers, encrypted=parse_pgpmime(raw))
        except ValidationFailed:
            return InboundParts(sender, message_id, headers)
    if kind == "multipart/signed":
        try:
            signed, signature, _micalg = extract_signed_parts(raw)
        except ValidationFailed:
            return InboundParts(sender, message_id, headers)
        return InboundParts(sender, message_id, headers, signed=(signed, signature))
    return InboundParts(sender, message_id, headers, calendars=_calendars(msg))


def calendars_in(entity: bytes) -> tuple[bytes, ...]:
    """The calendar parts of a decrypted or signed MIME entity (what a signature or the encryption covers)."""
    return _calendars(parse(entity))
