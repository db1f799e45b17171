"""The plan's own deadlines from the method [001 §Definities] and the events they count from.

- "Het plan kan mondeling overeen gekomen worden. Het wordt echter binnen 14 dagen op schrift gesteld als de
  jeugdige, een van de ouders of de jeugdhulpaanbieder dat wensen": a request to put the plan in writing
  (`WRITTEN_PLAN_ASKED`, by a klant or a professional of the household) is due 14 days after the day it was made.
  In eenplan a plan version *is* the plan in writing, so the request is met by the first plan version made after
  the request: after it was recorded, or — recorded on a later day — after the day it was made (an older version
  does not hold what was agreed orally since; a version of that same day may be from before the request).
- "Het plan wordt vastgesteld uiterlijk binnen 6 weken nadat is komen vast te staan dat afgezien wordt van het
  opstellen van een familiegroepsplan": the decision not to make a familiegroepsplan (`NO_FAMILIEGROEPSPLAN`) is
  due 6 weeks after its day, and met by the first vaststelling on or after that day.

Pure: the caseload and the regie page give the facts (the events, the moment of the newest version and the day of
the newest vaststelling); these functions decide whether each event is met, due when, and overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .betrokkene import Betrokkene, Kind, Role
from .errors import ValidationFailed

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WRITTEN_PLAN_DAYS = 14
VASTSTELLEN_WEEKS = 6


class EventKind(StrEnum):
    """What a deadline counts from (the value is stored and is the API's `kind`)."""

    WRITTEN_PLAN_ASKED = "plan-op-schrift"
    NO_FAMILIEGROEPSPLAN = "geen-familiegroepsplan"


#: how long after its event each deadline falls
TERMS: dict[EventKind, timedelta] = {
    EventKind.WRITTEN_PLAN_ASKED: timedelta(days=WRITTEN_PLAN_DAYS),
    EventKind.NO_FAMILIEGROEPSPLAN: timedelta(weeks=VASTSTELLEN_WEEKS),
}


@dataclass(frozen=True)
class PlanEvent:
    """One recorded event: a request for the plan in writing (who asked), or the decision against a
    familiegroepsplan; `on` is the day it happened (Dutch local date), `recorded_at` when it was recorded."""

    id: str
    household_id: str
    kind: EventKind
    on: date
    asked_by: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class PlanProgress:
    """What meets the deadlines: when the newest plan version was made, and the day (Dutch local date) of the
    newest vaststelling; None when there is none."""

    last_version_at: datetime | None = None
    last_vastgesteld_on: date | None = None
    #: every version's moment and every vaststelling's day, oldest first (for the day a deadline was met;
    #: empty where only the newest is read, as in the caseload)
    version_moments: tuple[datetime, ...] = ()
    vastgesteld_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class EventStatus:
    """One event judged on a day: its deadline, whether it is met, and whether it is overdue."""

    event: PlanEvent
    due: date
    met: bool
    overdue: bool
    met_on: date | None = None  # the day it was met, where known

    @property
    def late_days(self) -> int:
        """How many days after the deadline it was met (0: in time, not met, or the day unknown)."""
        return max(0, (self.met_on - self.due).days) if self.met and self.met_on else 0


def due_of(event: PlanEvent) -> date:
    """The last day to meet the event's deadline: 14 days, or 6 weeks, after the event."""
    return event.on + TERMS[event.kind]


def written_after(event: PlanEvent) -> datetime:
    """The moment after which a new version puts the request in writing: when it was recorded, or the end of the
    day it was made when that came first (a request recorded days later is met by a version of the days between)."""
    end_of_day = datetime.combine(event.on + timedelta(days=1), time(), AMSTERDAM)
    if event.recorded_at is None:
        return end_of_day
    return min(event.recorded_at, end_of_day)


def is_met(event: PlanEvent, progress: PlanProgress) -> bool:
    """Whether what the event asks has happened since: a plan version made after the request (`written_after`),
    or a vaststelling on or after the day of the decision against a familiegroepsplan (the same overleg may
    decide both). Late still counts as met."""
    if event.kind is EventKind.WRITTEN_PLAN_ASKED:
        return progress.last_version_at is not None and progress.last_version_at > written_after(event)
    return progress.last_vastgesteld_on is not None and progress.last_vastgesteld_on >= event.on


def met_on(event: PlanEvent, progress: PlanProgress) -> date | None:
    """The day the event was met: the first version after the request, or the first vaststelling on or after
    the decision (Dutch local days); None when not met or when only the newest is known."""
    if event.kind is EventKind.WRITTEN_PLAN_ASKED:
        after = written_after(event)
        first = next((m for m in sorted(progress.version_moments) if m > after), None)
        return None if first is None else first.astimezone(AMSTERDAM).date()
    return next((d for d in sorted(progress.vastgesteld_days) if d >= event.on), None)


def status_of(event: PlanEvent, progress: PlanProgress, today: date) -> EventStatus:
    """The event's deadline, whether it is met (and on which day), and whether it is overdue today."""
    due, met = due_of(event), is_met(event, progress)
    return EventStatus(event, due, met, not met and today > due, met_on(event, progress) if met else None)


def open_deadlines(events: Iterable[PlanEvent], progress: PlanProgress, today: date) -> list[EventStatus]:
    """Per kind the unmet event with the earliest deadline (later requests of the same kind are met by the
    same version or vaststelling, so one deadline per kind says all), earliest first."""
    first: dict[EventKind, EventStatus] = {}
    for event in events:
        found = status_of(event, progress, today)
        if found.met:
            continue
        known = first.get(event.kind)
        if known is None or (found.due, found.event.id) < (known.due, known.event.id):
            first[event.kind] = found
    return sorted(first.values(), key=lambda s: (s.due, s.event.kind.value))


#: who the method names as asking for the plan in writing: "de jeugdige, een van de ouders of de jeugdhulpaanbieder"
ASKING_ROLES: dict[Kind, frozenset[Role]] = {
    Kind.KLANT: frozenset({Role.JEUGDIGE, Role.OUDER}),
    Kind.PROFESSIONAL: frozenset({Role.HULPVERLENER}),
}


def may_ask_written_plan(person: Betrokkene) -> bool:
    """Whether this betrokkene is one who may ask for the plan in writing: the jeugdige or a parent, or the
    provider (a hulpverlener; not the regisseur who records it, a manager or the gemeentelijk aanspreekpunt)."""
    return person.active and person.role in ASKING_ROLES.get(person.kind, frozenset())


def check_not_duplicate(kind: EventKind, on: date, asked_by: str | None, known: Iterable[PlanEvent]) -> None:
    """The same event twice (same kind, day and asker) would count twice: refused, 422 naming `on`."""
    if any(e.kind is kind and e.on == on and e.asked_by == asked_by for e in known):
        raise ValidationFailed.one("on", "this event is already recorded for this day")


def check_event_day(on: date, today: date, field: str = "on") -> None:
    """An event is recorded after it happened: never a day in the future (422 naming `field`)."""
    if on > today:
        raise ValidationFailed.one(field, "may not be in the future")


def adoptable_at(held: bool, planned: bool, start_day: date, today: date) -> bool:
    """Whether a plan may be recorded as vastgesteld at this overleg: one that was held, or one planned for
    today (the regisseur adopts during the meeting, before closing it)."""
    return held or (planned and start_day == today)
