"""Mail that could not be delivered (issue 14): VERP return paths and a bounce score per address.

Every message eenplan sends has its own return path, `bounce-<betrokkene>-<mac>@<mail domain>` (VERP), so a
bounce — an RFC 3464 delivery status notification or an old-style one — says whose address failed without
reading it. The mac (HMAC over the betrokkene and the address) keeps a stranger from disabling someone's
address with forged bounces, and makes bounces for an old address count for nothing once it changed.

The score follows Mailman's defaults: a permanent failure adds 1.0, at most once a day; a score whose last
bounce is more than 7 days old starts again from 0; at 5.0 the address is disabled: no more mail goes to
it until it changes or someone asks to try again. Delays (temporary failures) do not count.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

PREFIX = "bounce-"
PERMANENT_SCORE = 1.0
DISABLE_AT = 5.0
STALE_AFTER = timedelta(days=7)
_MAC_CHARS = 10


def _mac(key: bytes, betrokkene_id: str, address: str) -> str:
    digest = hmac.new(key, f"{betrokkene_id}\0{address.lower()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:_MAC_CHARS]


def return_path(key: bytes, betrokkene_id: str, address: str, mail_domain: str) -> str:
    """The VERP return path of one message to `address` of `betrokkene_id` (a local part of 43 characters)."""
    compact = base64.b32encode(uuid.UUID(betrokkene_id).bytes).decode().rstrip("=").lower()
    return f"{PREFIX}{compact}-{_mac(key, betrokkene_id, address)}@{mail_domain}"


def betrokkene_of(local_part: str) -> tuple[str, str] | None:
    """(betrokkene id, mac) named by a return path's local part, or None when it is not one of ours."""
    body = local_part.lower().removeprefix(PREFIX)
    compact, _, mac = body.partition("-")
    if not local_part.lower().startswith(PREFIX) or len(compact) != 26 or len(mac) != _MAC_CHARS:
        return None
    try:
        return str(uuid.UUID(bytes=base64.b32decode(compact.upper() + "======"))), mac
    except (ValueError, TypeError):
        return None


def mac_fits(key: bytes, betrokkene_id: str, address: str, mac: str) -> bool:
    """Whether a return path's mac was made for this betrokkene and this (current) address."""
    return hmac.compare_digest(_mac(key, betrokkene_id, address), mac)


@dataclass(frozen=True)
class BounceRecord:
    """How often mail to one betrokkene's address failed lately, and whether it is disabled."""

    household_id: str
    betrokkene_id: str
    address: str
    score: float
    last_bounce_on: date
    disabled_at: datetime | None = None

    def disables(self, address: str | None) -> bool:
        """Whether mail to `address` must stop (the record is about that very address and reached 5.0)."""
        return self.disabled_at is not None and address is not None and address.lower() == self.address.lower()


def register_bounce(
    record: BounceRecord | None, household_id: str, betrokkene_id: str, address: str, now: datetime, today: date
) -> BounceRecord:
    """The record after one permanent failure of `address` on `today` (Mailman's scoring)."""
    if record is None or record.address.lower() != address.lower():
        return BounceRecord(household_id, betrokkene_id, address, PERMANENT_SCORE, today)
    if record.disabled_at is not None or record.last_bounce_on == today:
        return record  # already disabled, or today's bounce already counted
    stale = today - record.last_bounce_on > STALE_AFTER
    score = (0.0 if stale else record.score) + PERMANENT_SCORE
    return replace(record, score=score, last_bounce_on=today, disabled_at=now if score >= DISABLE_AT else None)
