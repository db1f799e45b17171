"""Read an iMIP REPLY or COUNTER (RFC 5546 §3.2.3, §3.2.7) as Thunderbird, Outlook, Google Calendar and
Apple Calendar send them: only the method, UID, SEQUENCE, each ATTENDEE's address and PARTSTAT, and for a
COUNTER the proposed start and end. Everything else (summary, description, location, comments) is not
read, so nothing of it can be stored. Bounded: a calendar over `MAX_BYTES` or that does not parse is
"no calendar" (None), never an exception.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar

from eenplan.domain.inbound import ReplyFacts
from eenplan.domain.overleg import Partstat

from ._tz import amsterdam

MAX_BYTES = 256 * 1024
METHODS = frozenset({"REPLY", "COUNTER"})
_PARTSTATS = {
    "ACCEPTED": Partstat.ACCEPTED,
    "DECLINED": Partstat.DECLINED,
    "TENTATIVE": Partstat.TENTATIVE,
    "NEEDS-ACTION": Partstat.NEEDS_ACTION,
}


def _address(value: Any) -> str | None:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().lower()
    return text if 3 <= len(text) <= 254 and "@" in text and not any(c.isspace() for c in text) else None


def _moment(value: Any) -> datetime | None:
    raw = getattr(value, "dt", None)
    if isinstance(raw, datetime):
        return (raw if raw.tzinfo is not None else raw.replace(tzinfo=amsterdam())).astimezone(UTC)
    if isinstance(raw, date):
        return None  # an all-day proposal is no time for an overleg
    return None


def _attendees(event: Any) -> dict[str, Partstat]:
    found = event.get("ATTENDEE")
    values = found if isinstance(found, list) else [found] if found is not None else []
    answers: dict[str, Partstat] = {}
    for value in values:
        address = _address(value)
        params = getattr(value, "params", {})
        partstat = _PARTSTATS.get(str(params.get("PARTSTAT", "NEEDS-ACTION")).upper())
        if address and partstat is not None:
            answers[address] = partstat
    return answers


def read_reply(data: bytes) -> ReplyFacts | None:
    """The facts of the first VEVENT of a REPLY or COUNTER calendar, or None when `data` is none."""
    if len(data) > MAX_BYTES:
        return None
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in METHODS:
        return None
    event = next((c for c in calendar.walk("VEVENT")), None)
    if event is None or not event.get("UID"):
        return None
    uid = str(event.get("UID")).strip()
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return None
    start = end = None
    if method == "COUNTER":
        start, end = _moment(event.get("DTSTART")), _moment(event.get("DTEND"))
    attendees = _attendees(event)
    if not attendees or not 1 <= len(uid) <= 255:
        return None
    return ReplyFacts(method, uid, sequence, attendees, start, end)
