"""Overleggen: the meetings of the method, their states and the rules around them.

Pure: no I/O. Werkdagen arrive through the `Werkdagen` port (domain/ports.py) as a
parameter, so every werkdag computation still happens in the one calendar module.
The agenda is care content: it lives in the database like the plan and travels only in
the encrypted part of a mail, never in an .ics, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from .errors import FieldProblem, ValidationFailed
from .household import Phase

if TYPE_CHECKING:  # pragma: no cover - typing only (ports imports this module)
    from .ports import Werkdagen


class OverlegType(StrEnum):
    """The kinds of overleg the method knows [004 §1]."""

    STARTOVERLEG = "startoverleg"
    VOORTGANGSOVERLEG = "voortgangsoverleg"
    SPOEDOVERLEG = "spoedoverleg"
    AFSLUITEND_OVERLEG = "afsluitend_overleg"


class OverlegStatus(StrEnum):
    """Where an overleg stands."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class Partstat(StrEnum):
    """An invitee's answer (iCalendar PARTSTAT, in lower case)."""

    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"


class Vote(StrEnum):
    """An answer in a date poll."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


#: The method schedules the next overleg at the end of every overleg, except the last one.
NEEDS_NEXT = frozenset({OverlegType.STARTOVERLEG, OverlegType.VOORTGANGSOVERLEG, OverlegType.SPOEDOVERLEG})
#: Phases in which a household must always have a future overleg planned [004 §4, §5].
PLANNING_PHASES = frozenset({Phase.VOORTGANG, Phase.VOORTGANGSOVERLEG})
MAX_DURATION = timedelta(hours=8)
WEEKDAY_NUMBERS = {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6}


@dataclass(frozen=True)
class Invitee:
    """One invited betrokkene: must they attend, and what did they answer."""

    betrokkene_id: str
    must_attend: bool
    partstat: Partstat = Partstat.NEEDS_ACTION


@dataclass(frozen=True)
class Overleg:
    """One meeting of a household. `uid` is stable for its life; `sequence` follows RFC 5546."""

    id: str
    household_id: str
    type: OverlegType
    start: datetime
    end: datetime
    location: str | None
    video_link: str | None
    chair_id: str | None
    minute_taker_id: str | None
    invitees: tuple[Invitee, ...]
    agenda: str
    status: OverlegStatus
    uid: str
    sequence: int
    revision: int
    created_by: str
    created_at: datetime
    initiated_on: date | None = None
    outside_window_reason: str | None = None
    decisions: str | None = None
    adopted_version: int | None = None
    next_overleg_id: str | None = None
    no_next_reason: str | None = None
    reminder_sent_at: datetime | None = None

    @property
    def place(self) -> str | None:
        """What goes into the invite's LOCATION: the room, else the video link."""
        return self.location or self.video_link

    def invitee(self, betrokkene_id: str) -> Invitee | None:
        """The invitation of one betrokkene, if they are invited."""
        return next((i for i in self.invitees if i.betrokkene_id == betrokkene_id), None)


@dataclass(frozen=True)
class PollOption:
    """One candidate slot of a date poll."""

    id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DatePoll:
    """A date poll for an overleg: candidate slots, invitees, and their votes."""

    id: str
    household_id: str
    type: OverlegType
    options: tuple[PollOption, ...]
    invitees: tuple[Invitee, ...]
    created_by: str
    created_at: datetime
    initiated_on: date | None = None
    outside_window_reason: str | None = None
    overleg_id: str | None = None
    votes: dict[str, dict[str, Vote]] = field(default_factory=dict)  # option id -> betrokkene id -> vote

    @property
    def open(self) -> bool:
        """A poll is open until the regisseur picks a slot."""
        return self.overleg_id is None

    def tally(self) -> dict[str, dict[str, int]]:
        """Per option: how many yes / maybe / no."""
        return {
            o.id: {v.value: sum(1 for x in self.votes.get(o.id, {}).values() if x is v) for v in Vote}
            for o in self.options
        }


# --------------------------------------------------------------------------- rules


def check_times(start: datetime, end: datetime, now: datetime | None = None) -> None:
    """Start and end must be aware, end after start, at most 8 hours, and (when planning) in the future."""
    problems = []
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            problems.append(FieldProblem(name, "must be a date and time with a UTC offset"))
    if problems:
        raise ValidationFailed(problems)
    if end <= start:
        raise ValidationFailed.one("end", "must be after start")
    if end - start > MAX_DURATION:
        raise ValidationFailed.one("end", "an overleg lasts at most 8 hours")
    if now is not None and start <= now:
        raise ValidationFailed.one("start", "must be in the future")


def check_invitees(invitees: Sequence[Invitee], members: Iterable[str]) -> None:
    """Every invitee is an active betrokkene, listed once; there is at least one."""
    known = set(members)
    if not invitees:
        raise ValidationFailed.one("invitees", "invite at least one betrokkene")
    seen: set[str] = set()
    problems = []
    for i, inv in enumerate(invitees):
        if inv.betrokkene_id not in known:
            problems.append(FieldProblem(f"invitees[{i}].betrokkene_id", "is not a betrokkene of this household"))
        if inv.betrokkene_id in seen:
            problems.append(FieldProblem(f"invitees[{i}].betrokkene_id", "is listed twice"))
        seen.add(inv.betrokkene_id)
    if problems:
        raise ValidationFailed(problems)


def with_roles(invitees: Sequence[Invitee], *roles: str | None) -> tuple[Invitee, ...]:
    """The invitees plus the chair and minute taker (as must-attend) when they were not invited yet."""
    out = list(invitees)
    for bid in roles:
        if bid and not any(i.betrokkene_id == bid for i in out):
            out.append(Invitee(bid, True))
    return tuple(out)


def require_status(overleg: Overleg, *allowed: OverlegStatus, what: str) -> None:
    """Refuse an action on an overleg in the wrong state (a 409-worthy conflict is raised by callers)."""
    if overleg.status not in allowed:
        raise ValidationFailed.one("status", f"cannot {what} an overleg that is {overleg.status.value}")


def time_or_place_changed(old: Overleg, start: datetime, end: datetime, place: str | None) -> bool:
    """The RFC 5546 significant change that raises SEQUENCE (mirrors the calendar's needs_sequence_bump)."""
    return old.start != start or old.end != end or (old.place or "").strip() != (place or "").strip()


def visible_attendees(recipient_id: str, invitees: Sequence[Invitee]) -> tuple[Invitee, ...]:
    """The attendees one recipient may see in their invite.

    Every betrokkene currently sees the household's contact list (domain/access.py has no
    narrower rule for contacts), so everyone invited is visible. This is the single place
    to narrow it when consent starts to cover contact data.
    """
    return tuple(invitees)


def needs_planning(phase: Phase, has_future_overleg: bool) -> bool:
    """A household in phase 4 or 5 without a future planned overleg must plan one [004 §3b.8, §5b.11]."""
    return phase in PLANNING_PHASES and not has_future_overleg


def reminder_due(overleg: Overleg, today: date, now: datetime, werkdagen: Werkdagen, n: int, local_date: date) -> bool:
    """Whether today is at most `n` werkdagen before a planned voortgangsoverleg whose reminder is unsent.

    `local_date` is the overleg's start date in Europe/Amsterdam. Due from the werkdag that lies
    n werkdagen before it: with n=2, an overleg on Tuesday after Easter Monday is due on the
    Thursday before (Friday and Tuesday are the two werkdagen in between; Monday is a holiday).
    """
    if overleg.type is not OverlegType.VOORTGANGSOVERLEG or overleg.status is not OverlegStatus.PLANNED:
        return False
    if overleg.reminder_sent_at is not None or overleg.start <= now:
        return False
    return werkdagen.werkdagen_between(today, local_date) <= n


def reachable_weekdays(days: Iterable[str]) -> frozenset[int]:
    """'ma'..'zo' to 0..6; a betrokkene with no recorded days counts as reachable on werkdagen."""
    numbers = frozenset(WEEKDAY_NUMBERS[d] for d in days if d in WEEKDAY_NUMBERS)
    return numbers or frozenset(range(5))
