"""iTIP invitations (RFC 5545 / 5546, sent over iMIP RFC 6047) for an overleg.

Three messages: a REQUEST (STATUS:CONFIRMED) for a new or changed overleg, carrying each attendee's
known answer (PARTSTAT) and the chair as ``ROLE=CHAIR``; a CANCEL of the whole overleg
(STATUS:CANCELLED); and a CANCEL that only takes some attendees off the list, which by
RFC 5546 §3.2.5 MUST NOT carry STATUS:CANCELLED (clients would otherwise drop the meeting for
everyone still invited when such a message reaches them).

Everything is built with the `icalendar` library, never as hand-made text. Every text value and
e-mail address is validated first: control characters (CR, LF, TAB, NUL, DEL, C1, U+2028/2029)
are rejected outright, so no value can add a property, parameter, attendee or component, and
addresses are restricted to a conservative ASCII form that is also safe inside a quoted
``SENT-BY="mailto:..."`` parameter and a mailto URI. Callers pass neutral text only (e.g.
"Overleg huishouden H-2026-001"): invitations travel outside the encrypted mail group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, ParamSpec, TypeVar

from icalendar import Alarm, Calendar, Event, vCalAddress

from eenplan.domain.addresses import check_address
from eenplan.domain.errors import FieldProblem, ValidationFailed

from ._tz import amsterdam, vtimezone
from ._values import Text, cn

__all__ = [
    "CONTENT_TYPE_CANCEL",
    "CONTENT_TYPE_REQUEST",
    "PARTSTATS",
    "PRODID",
    "Attendee",
    "Invite",
    "build_cancel",
    "build_request",
    "build_uninvite",
    "ics_filename",
    "needs_sequence_bump",
    "validate_email",
]

PRODID = "-//eenplan//eenplan 0.1//NL"
#: MIME types for the iMIP part; the method parameter must match the METHOD property (RFC 6047 §2.4)
CONTENT_TYPE_REQUEST = "text/calendar; method=REQUEST; charset=UTF-8"
CONTENT_TYPE_CANCEL = "text/calendar; method=CANCEL; charset=UTF-8"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_UID = re.compile(r"^[A-Za-z0-9@._+=-]{1,255}$")
_MAX_TEXT = {"summary": 200, "location": 200, "name": 120, "alarm_description": 200}
_MAX_SEQUENCE = 2**31 - 1
#: the answers an attendee can have given (RFC 5545 §3.2.12, for a VEVENT)
PARTSTATS = frozenset({"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"})
_P = ParamSpec("_P")
_T = TypeVar("_T")


class Attendee(NamedTuple):
    """An invitee: address, display name, whether attendance is required, their answer so far
    (an RFC 5545 PARTSTAT) and whether they chair the overleg (``ROLE=CHAIR``)."""

    email: str
    name: str
    required: bool = True
    partstat: str = "NEEDS-ACTION"
    chair: bool = False


@dataclass(frozen=True)
class Invite:
    """Everything needed to describe one overleg as an iTIP VEVENT.

    ``organizer_email``/``organizer_name`` are the household's mail-group address; the
    regisseur who acts on its behalf goes in ``sent_by_email`` (ORGANIZER;SENT-BY).
    ``sequence`` is managed by the caller (see ``needs_sequence_bump``); ``dtstamp``
    defaults to the build time. ``alarm_trigger`` None means no VALARM.
    """

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    organizer_email: str
    organizer_name: str
    attendees: Sequence[Attendee | tuple[str, str, bool]]
    location: str | None = None
    sent_by_email: str | None = None
    dtstamp: datetime | None = None
    alarm_trigger: timedelta | None = field(default_factory=lambda: timedelta(hours=-1))
    alarm_description: str = "Herinnering: overleg"


def build_request(invite: Invite) -> bytes:
    """METHOD:REQUEST calendar (STATUS:CONFIRMED) for a new or updated overleg, as .ics bytes.

    Every attendee keeps the answer it was given (``Attendee.partstat``), so an update does not
    ask again those who already answered, unless the caller resets them."""
    return _build(invite, method="REQUEST", status="CONFIRMED")


def build_cancel(invite: Invite) -> bytes:
    """METHOD:CANCEL calendar with STATUS:CANCELLED: the whole overleg is called off, as .ics bytes.

    The caller bumps ``sequence`` before cancelling (RFC 5546 §3.2.5) and lists the attendees to
    notify. No VALARM is included.
    """
    return _build(invite, method="CANCEL", status="CANCELLED")


def build_uninvite(invite: Invite) -> bytes:
    """METHOD:CANCEL calendar *without* STATUS: only the listed attendees are taken off (RFC 5546
    §3.2.5 "MUST NOT" carry STATUS:CANCELLED then), as .ics bytes; the overleg itself goes on.

    The caller bumps ``sequence`` and lists only the attendees being uninvited."""
    return _build(invite, method="CANCEL", status=None)


def needs_sequence_bump(old: Invite, new: Invite) -> bool:
    """True if the change from ``old`` to ``new`` is significant (RFC 5546 §2.1.4).

    Significant here: start, end (compared as instants) or location. Attendee, summary or
    alarm changes alone do not require a bump; the caller may still bump. Raises
    ValidationFailed if the two invites are not the same event (different UID).
    """
    if old.uid != new.uid:
        raise ValidationFailed.one("uid", "old and new invite must have the same uid")
    return old.start != new.start or old.end != new.end or (old.location or "").strip() != (new.location or "").strip()


def ics_filename(uid: str) -> str:
    """Safe attachment filename for an invitation, derived from the (validated) UID.

    Only [A-Za-z0-9._-] survive, so the name is safe on every file system and in a MIME header.
    """
    _check_uid(uid)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", uid).strip(".-")[:80] or "overleg"
    return f"overleg-{safe}.ics"


def validate_email(value: object, field_name: str) -> str:
    """Return ``value`` if it is an address eenplan accepts (``eenplan.domain.addresses``: ASCII, no
    quotes, spaces, '%', '?', ':', ';', ',' or control characters — safe in SENT-BY and mailto)."""
    return check_address(value, field_name)


# --------------------------------------------------------------------------- internals


def _build(invite: Invite, method: str, status: str | None) -> bytes:
    """Validate the invite and serialise it with the given iTIP method and STATUS (None: no STATUS)."""
    v = _validated(invite)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(vtimezone())

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", v["dtstamp"])
    event.add("dtstart", v["start"])
    event.add("dtend", v["end"])
    event.add("summary", Text(invite.summary))
    if invite.location and invite.location.strip():
        event.add("location", Text(invite.location))
    if status is not None:
        event.add("status", status)
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")

    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["CN"] = cn(invite.organizer_name)
    if invite.sent_by_email:
        organizer.params["SENT-BY"] = f"mailto:{invite.sent_by_email}"
    event.add("organizer", organizer)

    for att in v["attendees"]:
        address = vCalAddress(f"mailto:{att.email}")
        address.params["CN"] = cn(att.name)
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "CHAIR" if att.chair else "REQ-PARTICIPANT" if att.required else "OPT-PARTICIPANT"
        if method == "REQUEST":  # a CANCEL asks nothing (RSVP) and its answers no longer matter
            address.params["PARTSTAT"] = att.partstat
            address.params["RSVP"] = "TRUE"
        event.add("attendee", address)

    if method == "REQUEST" and invite.alarm_trigger is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", Text(invite.alarm_description))
        alarm.add("trigger", invite.alarm_trigger)
        event.add_component(alarm)

    cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def _validated(invite: Invite) -> dict[str, Any]:
    """Check every field of ``invite``; collect all problems into one ValidationFailed."""
    problems: list[FieldProblem] = []

    def guard(fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            problems.extend(exc.problems)
            return None

    guard(_check_uid, invite.uid)
    seq = invite.sequence
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= _MAX_SEQUENCE:
        problems.append(FieldProblem("sequence", "must be a whole number >= 0"))
    start = guard(_aware, invite.start, "start")
    end = guard(_aware, invite.end, "end")
    if start is not None and end is not None and end <= start:
        problems.append(FieldProblem("end", "must be after start"))
    stamp = datetime.now(UTC) if invite.dtstamp is None else guard(_aware, invite.dtstamp, "dtstamp")
    guard(_check_text, invite.summary, "summary", "summary", False)
    guard(_check_text, invite.location, "location", "location", True)
    guard(_check_text, invite.alarm_description, "alarm_description", "alarm_description", False)
    guard(validate_email, invite.organizer_email, "organizer_email")
    guard(_check_text, invite.organizer_name, "organizer_name", "name", False)
    if invite.sent_by_email is not None:
        guard(validate_email, invite.sent_by_email, "sent_by_email")
    if invite.alarm_trigger is not None and not isinstance(invite.alarm_trigger, timedelta):
        problems.append(FieldProblem("alarm_trigger", "must be a duration"))

    attendees: list[Attendee] = []
    seen: set[str] = set()
    if not isinstance(invite.attendees, (list, tuple)) or not invite.attendees:
        problems.append(FieldProblem("attendees", "must list at least one attendee"))
    else:
        for i, raw in enumerate(invite.attendees):
            if not isinstance(raw, tuple) or not 3 <= len(raw) <= 5:
                problems.append(FieldProblem(f"attendees[{i}]", "must be (email, name, required[, partstat, chair])"))
                continue
            att = Attendee(*raw)
            guard(validate_email, att.email, f"attendees[{i}].email")
            guard(_check_text, att.name, f"attendees[{i}].name", "name", False)
            if not isinstance(att.required, bool):
                problems.append(FieldProblem(f"attendees[{i}].required", "must be true or false"))
            if not isinstance(att.partstat, str) or att.partstat not in PARTSTATS:
                problems.append(FieldProblem(f"attendees[{i}].partstat", "must be " + ", ".join(sorted(PARTSTATS))))
            if not isinstance(att.chair, bool):
                problems.append(FieldProblem(f"attendees[{i}].chair", "must be true or false"))
            if isinstance(att.email, str):
                key = att.email.lower()
                if key in seen:
                    problems.append(FieldProblem(f"attendees[{i}].email", "is listed twice"))
                seen.add(key)
            attendees.append(att)
    if problems:
        raise ValidationFailed(problems)
    return {
        "start": start.astimezone(amsterdam()),  # type: ignore[union-attr]
        "end": end.astimezone(amsterdam()),  # type: ignore[union-attr]
        "dtstamp": stamp.astimezone(UTC).replace(microsecond=0),  # type: ignore[union-attr]
        "attendees": attendees,
    }


def _check_uid(uid: object) -> None:
    """UIDs are opaque tokens: [A-Za-z0-9@._+=-], 1–255 characters."""
    if not isinstance(uid, str) or not _UID.match(uid):
        raise ValidationFailed.one("uid", "must be 1–255 characters of A-Z a-z 0-9 @ . _ + = -")


def _check_text(value: object, field_name: str, kind: str, optional: bool) -> None:
    """Text values: bounded length, valid Unicode, and no control characters at all."""
    if value is None and optional:
        return
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise ValidationFailed.one(field_name, "must be non-empty text")
    if _CONTROL.search(value):
        raise ValidationFailed.one(field_name, "must not contain control characters or line breaks")
    if len(value) > _MAX_TEXT[kind]:
        raise ValidationFailed.one(field_name, f"must be at most {_MAX_TEXT[kind]} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed.one(field_name, "is not valid Unicode text") from None


def _aware(value: object, field_name: str) -> datetime:
    """Require a time-zone-aware datetime."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationFailed.one(field_name, "must be a time-zone-aware date and time")
    return value
