"""Slot proposals for an overleg: candidate start times for the (first) date poll.

Pure function over simple inputs: which werkdagen are in the window, the office hours, and on
which weekdays each betrokkene is reachable. Every proposed slot has all must-attend betrokkenen
reachable; slots are ranked by how many optional betrokkenen are reachable, then earliest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from eenplan.domain.errors import FieldProblem, ValidationFailed

from ._tz import amsterdam
from .werkdagen import WerkdagCalendar
from .window import Window

__all__ = ["Betrokkene", "OfficeHours", "SlotProposal", "propose_slots"]

_MAX_WINDOW_DAYS = 366


@dataclass(frozen=True)
class Betrokkene:
    """A person to invite, reduced to what scheduling needs.

    ``reachable_weekdays`` uses Python's numbering: 0 = Monday … 6 = Sunday.
    ``id`` is an opaque identifier (never a name) so proposals carry no personal data.
    """

    id: str
    must_attend: bool
    reachable_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})

    def __post_init__(self) -> None:
        days = self.reachable_weekdays
        if not isinstance(days, frozenset):
            object.__setattr__(self, "reachable_weekdays", frozenset(days))


@dataclass(frozen=True)
class OfficeHours:
    """Daily hours within which an overleg must start and end, in local (wall-clock) time."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    tz: tzinfo | None = None  # None = Europe/Amsterdam

    def zone(self) -> tzinfo:
        """The time zone the hours are expressed in (default Europe/Amsterdam)."""
        return self.tz if self.tz is not None else amsterdam()


@dataclass(frozen=True)
class SlotProposal:
    """One candidate slot: aware start/end and who of the optional betrokkenen can come."""

    start: datetime
    end: datetime
    optional_reachable: tuple[str, ...] = field(default=())
    optional_unreachable: tuple[str, ...] = field(default=())

    @property
    def score(self) -> int:
        """Number of optional betrokkenen reachable (higher is better)."""
        return len(self.optional_reachable)


def propose_slots(
    window: Window,
    cal: WerkdagCalendar,
    betrokkenen: Sequence[Betrokkene],
    duration: timedelta = timedelta(hours=1),
    *,
    office_hours: OfficeHours = OfficeHours(),
    step: timedelta = timedelta(minutes=30),
    limit: int = 10,
    max_per_day: int | None = None,
    not_before: datetime | None = None,
) -> list[SlotProposal]:
    """Propose up to ``limit`` start times on werkdagen in ``window`` (inclusive).

    A slot qualifies when it starts and ends within office hours on a werkdag (never a weekend,
    holiday or closing day), every must-attend betrokkene is reachable that weekday, and it
    starts at or after ``not_before`` (if given). Start times are office start + k·step.
    Ranking: most optional betrokkenen reachable first, then earliest. ``max_per_day`` caps
    slots per date so a poll can offer several days instead of one day's every half hour.
    An empty list means no slot satisfies the must-attend constraint.
    """
    _validate(window, betrokkenen, duration, office_hours, step, limit, max_per_day, not_before)
    tz = office_hours.zone()
    must = [b for b in betrokkenen if b.must_attend]
    optional = [b for b in betrokkenen if not b.must_attend]

    candidates: list[SlotProposal] = []
    for day in _days(window):
        if not cal.is_werkdag(day):
            continue
        weekday = day.weekday()
        if not all(weekday in b.reachable_weekdays for b in must):
            continue
        reachable = tuple(b.id for b in optional if weekday in b.reachable_weekdays)
        unreachable = tuple(b.id for b in optional if weekday not in b.reachable_weekdays)
        taken = 0
        for start, end in _day_slots(day, duration, office_hours, step, tz):
            if not_before is not None and start < not_before:
                continue
            candidates.append(SlotProposal(start, end, reachable, unreachable))
            taken += 1
            if max_per_day is not None and taken >= max_per_day:
                break
    # stable sort: candidates are generated in chronological order
    candidates.sort(key=lambda s: (-s.score, s.start))
    return candidates[:limit]


def _days(window: Window) -> Iterable[date]:
    """All dates in the window, inclusive."""
    d = window.earliest
    while d <= window.latest:
        yield d
        d += timedelta(days=1)


def _day_slots(
    day: date, duration: timedelta, hours: OfficeHours, step: timedelta, tz: tzinfo
) -> Iterable[tuple[datetime, datetime]]:
    """(start, end) pairs on ``day`` within office hours, in wall-clock time of ``tz``."""
    open_at = datetime.combine(day, hours.start, tzinfo=tz)
    close_at = datetime.combine(day, hours.end, tzinfo=tz)
    start = open_at
    while start + duration <= close_at:
        yield start, start + duration
        start += step


def _validate(
    window: Window,
    betrokkenen: Sequence[Betrokkene],
    duration: timedelta,
    hours: OfficeHours,
    step: timedelta,
    limit: int,
    max_per_day: int | None,
    not_before: datetime | None,
) -> None:
    """Reject inputs that cannot produce a meaningful proposal, naming each field."""
    problems: list[FieldProblem] = []
    if not isinstance(window, Window):
        problems.append(FieldProblem("window", "must be a Window"))
    elif (window.latest - window.earliest).days > _MAX_WINDOW_DAYS:
        problems.append(FieldProblem("window", f"must span at most {_MAX_WINDOW_DAYS} days"))
    if hours.end <= hours.start:
        problems.append(FieldProblem("office_hours", "end must be after start"))
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        problems.append(FieldProblem("duration", "must be a positive duration"))
    elif hours.end > hours.start:
        span = datetime.combine(date.min, hours.end) - datetime.combine(date.min, hours.start)
        if duration > span:
            problems.append(FieldProblem("duration", "is longer than the office hours"))
    if not isinstance(step, timedelta) or step < timedelta(minutes=5):
        problems.append(FieldProblem("step", "must be at least 5 minutes"))
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        problems.append(FieldProblem("limit", "must be a whole number >= 1"))
    if max_per_day is not None and (
        isinstance(max_per_day, bool) or not isinstance(max_per_day, int) or max_per_day < 1
    ):
        problems.append(FieldProblem("max_per_day", "must be a whole number >= 1"))
    if not_before is not None and (not isinstance(not_before, datetime) or not_before.utcoffset() is None):
        problems.append(FieldProblem("not_before", "must be a time-zone-aware datetime"))
    seen: set[str] = set()
    for i, b in enumerate(betrokkenen):
        if not isinstance(b, Betrokkene):
            problems.append(FieldProblem(f"betrokkenen[{i}]", "must be a Betrokkene"))
            continue
        if b.id in seen:
            problems.append(FieldProblem(f"betrokkenen[{i}].id", "is a duplicate"))
        seen.add(b.id)
        if not all(_is_weekday(w) for w in b.reachable_weekdays):
            problems.append(FieldProblem(f"betrokkenen[{i}].reachable_weekdays", "must be 0 (Monday) to 6 (Sunday)"))
    if problems:
        raise ValidationFailed(problems)


def _is_weekday(w: object) -> bool:
    """An int 0..6 (bools excluded)."""
    return isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 6
