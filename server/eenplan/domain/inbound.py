"""Mail that comes back to a household's group address (issue 14): the rules, without mail or iCalendar.

An answer to an invitation (iMIP REPLY, RFC 6047) changes one thing only: the answer (PARTSTAT) of the
betrokkene who sent it — and only when the UID is one of ours, the SEQUENCE is the one we sent last and
the ATTENDEE in it is the sender's own address (CalConnect's DEVGUIDE; sabre's ITip Broker). A COUNTER
(another time proposed) becomes a proposal the regisseur sees. Nothing else in such a mail is stored.
Automatic mail (out-of-office, loops, bulk) is dropped before anything is read from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .overleg import Overleg, OverlegStatus, Partstat

#: The largest message the receiver takes (bytes), and how many recipients one transaction may name.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_RECIPIENTS = 20
#: How many messages one sender may hand us per hour (a runaway client or a loop stops here).
MAX_PER_SENDER_PER_HOUR = 60
#: Our own loop marker: every mail eenplan sends carries `X-Loop: <this>@<mail domain>`.
LOOP_MARKER = "eenplan"


class AnswerVia(StrEnum):
    """Where an invitee's answer came from, as the regisseur is shown it."""

    MAIL = "mail"  # an iMIP REPLY from the invitee's address, not signed by their pinned key
    MAIL_SIGNED = "mail_ondertekend"  # signed (or signed and encrypted) by the invitee's pinned key


class Outcome(StrEnum):
    """What became of one inbound message (logged by type only, never with content)."""

    ANSWERED = "answered"
    PROPOSED = "proposed"
    AUTOMATIC = "automatic"  # an auto-reply, a loop, bulk mail: dropped unread
    DUPLICATE = "duplicate"  # a message we have already handled (an MTA redelivered it)
    NO_CALENDAR = "no_calendar"  # nothing we understand in it
    UNKNOWN_EVENT = "unknown_event"  # the UID is not one of this household's overleggen
    STALE = "stale"  # an answer to an older version of the invitation
    NOT_ATTENDEE = "not_attendee"  # the sender is not (the attendee in the answer and) an invitee
    CLOSED = "closed"  # the overleg is no longer planned
    UNREADABLE = "unreadable"  # encrypted, but not to this household's key


@dataclass(frozen=True)
class InboundParts:
    """The structure of one inbound message: sender, automatic markers and the calendar parts where found."""

    sender: str | None  # the From address, lower case (one address, else None)
    message_id: str | None
    headers: dict[str, str] = field(default_factory=dict)  # AUTOMATIC_HEADERS present
    calendars: tuple[bytes, ...] = ()  # calendar parts outside any signature
    signed: tuple[bytes, bytes] | None = None  # (signed bytes as on the wire, detached signature)
    encrypted: bytes | None = None  # the OpenPGP message of a multipart/encrypted
    autocrypt: tuple[str, bytes] | None = None  # an Autocrypt header's (addr, keydata): a key offered, never pinned


@dataclass(frozen=True)
class ReplyFacts:
    """The parts of an iMIP REPLY or COUNTER that eenplan reads; everything else in it is ignored."""

    method: str  # "REPLY" or "COUNTER"
    uid: str
    sequence: int
    attendees: Mapping[str, Partstat]  # lower-cased address → answer, as the message says
    proposed_start: datetime | None = None  # COUNTER only
    proposed_end: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    """What an answer may change: the betrokkene's answer, or a proposal; or nothing, with why."""

    outcome: Outcome
    betrokkene_id: str | None = None
    partstat: Partstat | None = None


def is_automatic(headers: Mapping[str, str], mail_domain: str) -> bool:
    """Whether a message was sent by a machine, not a person (RFC 3834 Auto-Submitted, our own X-Loop,
    Precedence bulk/junk/list, the usual out-of-office markers): such mail is never answered or read."""
    lowered = {k.lower(): v.strip().lower() for k, v in headers.items()}
    if lowered.get("auto-submitted", "no") not in ("", "no"):
        return True
    if f"{LOOP_MARKER}@{mail_domain.lower()}" in lowered.get("x-loop", ""):
        return True
    if lowered.get("precedence", "") in ("bulk", "junk", "list", "auto_reply"):
        return True
    return any(k in lowered for k in ("x-autoreply", "x-autorespond", "x-auto-response-suppress-ooo"))


def judge_reply(facts: ReplyFacts, overleg: Overleg, sender_id: str | None, sender_address: str) -> Verdict:
    """Decide what a REPLY or COUNTER from `sender_address` (the betrokkene `sender_id`, resolved from their
    confirmed address, or None) may change in `overleg`. Only the sender's own answer, for the current
    SEQUENCE, while the overleg is planned."""
    if overleg.status is not OverlegStatus.PLANNED:
        return Verdict(Outcome.CLOSED)
    if facts.sequence != overleg.sequence:
        return Verdict(Outcome.STALE)
    address = sender_address.lower()
    if sender_id is None or overleg.invitee(sender_id) is None or address not in facts.attendees:
        return Verdict(Outcome.NOT_ATTENDEE)
    if facts.method == "COUNTER":
        if facts.proposed_start is None or facts.proposed_end is None or facts.proposed_end <= facts.proposed_start:
            return Verdict(Outcome.NO_CALENDAR)
        return Verdict(Outcome.PROPOSED, sender_id)
    partstat = facts.attendees[address]
    if partstat is Partstat.NEEDS_ACTION:
        return Verdict(Outcome.NO_CALENDAR)
    return Verdict(Outcome.ANSWERED, sender_id, partstat)
