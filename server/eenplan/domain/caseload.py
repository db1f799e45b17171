"""The regisseur's caseload: what needs doing per household, its deadlines from the method, and urgency.

Pure: the service gathers the facts of every household in one batch of queries (`HouseholdFacts`), this
module turns them into rows (`CaseloadRow`), sorts them by urgency and counts them per filter, so the page
and `GET /api/werkbank` show the same numbers.

Deadlines implemented (domain.md "Timelines"):
- the startoverleg window, werkdag 5–15 after initiation [001 §3.1], while no startoverleg is held or
  planned inside it (initiation: the startoverleg's or its date poll's `initiated_on`, else the day the
  household moved to phase 3);
- every deadline of the running step of an open stagnation case [001 Deel II] (`stagnatie.case_deadlines`);
- the written plan within 14 days of a request for it, and vaststellen within 6 weeks of the decision not to
  make a familiegroepsplan [001 §Definities], from the events the regisseur records (`plan_deadlines`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .errors import ValidationFailed
from .household import Phase
from .overleg import OverlegStatus, OverlegType, needs_planning
from .plan_deadlines import EventKind, PlanEvent, PlanProgress, open_deadlines, status_of
from .stagnatie import Case, Werkdagen, case_deadlines

#: a deadline this many calendar days ahead (or nearer) is "upcoming"
UPCOMING_DAYS = 14


class DeadlineKind(StrEnum):
    """Where a deadline comes from."""

    STARTOVERLEG = "startoverleg"
    STAGNATIE = "stagnatie"
    PLAN_OP_SCHRIFT = "plan-op-schrift"  # the plan in writing, 14 days after someone asked
    VASTSTELLEN = "vaststellen"  # vastgesteld, 6 weeks after deciding against a familiegroepsplan


class StartPage(StrEnum):
    """Where a signed-in person lands when they were going nowhere in particular."""

    WERKBANK = "/werkbank"
    ESCALATIES = "/escalaties"  # the gemeentelijk aanspreekpunt's escalated cases (one household: its /escalatie)
    HUISHOUDENS = "/huishoudens"


def start_page(regisseur_households: int, aanspreekpunt_households: int = 0) -> StartPage:
    """A regisseur of at least one household starts at the werkbank; the gemeentelijk aanspreekpunt (a
    betrokkene only while a case is escalated to them) at their escalations; everyone else at their households."""
    if regisseur_households > 0:
        return StartPage.WERKBANK
    return StartPage.ESCALATIES if aanspreekpunt_households > 0 else StartPage.HUISHOUDENS


class Filter(StrEnum):
    """The caseload's filters (`?filter=`); every count is over all households, whatever the filter."""

    ALL = "alle"
    OVERDUE = "te-laat"
    UPCOMING = "binnenkort"
    SAFETY = "veiligheid"
    NO_OVERLEG = "geen-overleg"
    CONSENT = "toestemming"
    MAIL = "post"  # mail that does not arrive: bouncing addresses, letters given up on
    NO_KEY = "geen-sleutel"  # betrokkenen without a usable key (shown, not "Actie nodig": most families have none)


class Urgency(StrEnum):
    """How urgent a household is, most urgent first (the sort order of `URGENCY_ORDER`)."""

    OVERDUE = "te-laat"
    SAFETY = "veiligheid"
    ACTION = "actie"
    UPCOMING = "binnenkort"
    CALM = "rustig"


URGENCY_ORDER = {u: n for n, u in enumerate(Urgency)}


@dataclass(frozen=True)
class OverlegFact:
    """The little of an overleg the caseload needs: no agenda, no place, no decisions."""

    id: str
    type: OverlegType
    status: OverlegStatus
    start: datetime
    initiated_on: date | None


@dataclass(frozen=True)
class HouseholdFacts:
    """Everything the caseload knows of one household, read in one batch for all of them."""

    household_id: str
    name: str
    code: str
    phase: Phase
    entered_phase3_on: date | None = None
    overleggen: tuple[OverlegFact, ...] = ()
    poll_initiated_on: date | None = None
    cases: tuple[Case, ...] = ()
    open_signals: int = 0
    consent_waiting: int = 0
    keys_missing: int = 0
    bounced_addresses: int = 0
    dead_letters: int = 0
    plan_events: tuple[PlanEvent, ...] = ()
    plan_progress: PlanProgress = field(default_factory=PlanProgress)


@dataclass(frozen=True)
class DeadlineItem:
    """One deadline of a household that is not met yet."""

    kind: DeadlineKind
    key: str
    label: str
    due: date
    overdue: bool
    case_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The deadline as the API shows it."""
        return {
            "kind": self.kind.value,
            "key": self.key,
            "label": self.label,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "case_id": self.case_id,
        }


@dataclass(frozen=True)
class CaseloadRow:
    """One household of the caseload, with what needs doing."""

    facts: HouseholdFacts
    next_overleg: OverlegFact | None
    needs_overleg: bool
    overdue: tuple[DeadlineItem, ...] = field(default_factory=tuple)
    upcoming: tuple[DeadlineItem, ...] = field(default_factory=tuple)

    @property
    def met_late(self) -> int:
        """The plan's deadlines met after their day (shown and counted, so lateness does not hide as done)."""
        return met_late(self.facts)

    @property
    def undeliverable(self) -> int:
        """Addresses that bounce and letters given up on."""
        return self.facts.bounced_addresses + self.facts.dead_letters

    @property
    def urgency(self) -> Urgency:
        """The most urgent thing about the household (a missing key alone is no action: almost no family has one)."""
        if self.overdue:
            return Urgency.OVERDUE
        if self.facts.open_signals:
            return Urgency.SAFETY
        if self.needs_overleg or self.undeliverable or self.facts.consent_waiting:
            return Urgency.ACTION
        if self.upcoming:
            return Urgency.UPCOMING
        return Urgency.CALM

    def sort_key(self) -> tuple[int, date, str, str]:
        """Most urgent first; within one urgency the earliest deadline, then the name."""
        dues = [d.due for d in (*self.overdue, *self.upcoming)]
        return (URGENCY_ORDER[self.urgency], min(dues, default=date.max), self.facts.name, self.facts.household_id)

    def matches(self, wanted: Filter) -> bool:
        """Whether the row passes a filter."""
        return {
            Filter.ALL: True,
            Filter.OVERDUE: bool(self.overdue),
            Filter.UPCOMING: bool(self.upcoming),
            Filter.SAFETY: self.facts.open_signals > 0,
            Filter.NO_OVERLEG: self.needs_overleg,
            Filter.CONSENT: self.facts.consent_waiting > 0,
            Filter.MAIL: self.undeliverable > 0,
            Filter.NO_KEY: self.facts.keys_missing > 0,
        }[wanted]


def startoverleg_initiated(facts: HouseholdFacts) -> date | None:
    """The initiation date the window counts from: the startoverleg's, its poll's, else entering phase 3."""
    for o in facts.overleggen:
        if o.type is OverlegType.STARTOVERLEG and o.status is not OverlegStatus.CANCELLED and o.initiated_on:
            return o.initiated_on
    return facts.poll_initiated_on or facts.entered_phase3_on


def startoverleg_deadline(
    facts: HouseholdFacts, window: Callable[[date], tuple[date, date]], today: date, local: Callable[[datetime], date]
) -> DeadlineItem | None:
    """The startoverleg window's last day, while the household has no startoverleg held or planned inside it."""
    if facts.phase > Phase.STARTOVERLEG:
        return None
    initiated = startoverleg_initiated(facts)
    if initiated is None:
        return None
    _, latest = window(initiated)
    for o in facts.overleggen:
        if o.type is not OverlegType.STARTOVERLEG:
            continue
        if o.status is OverlegStatus.HELD or (o.status is OverlegStatus.PLANNED and local(o.start) <= latest):
            return None
    return DeadlineItem(DeadlineKind.STARTOVERLEG, "startoverleg", "startoverleg", latest, today > latest)


def stagnatie_deadlines(cases: Iterable[Case], cal: Werkdagen, today: date) -> list[DeadlineItem]:
    """The unmet deadlines of each open case's running step."""
    out: list[DeadlineItem] = []
    for case in cases:
        for d in case_deadlines(case, cal, today).get(case.step, []):
            if d.done_on is None and (d.overdue or today <= d.due):
                out.append(DeadlineItem(DeadlineKind.STAGNATIE, d.key, d.label, d.due, d.overdue, case.id))
    return out


PLAN_KINDS = {
    EventKind.WRITTEN_PLAN_ASKED: DeadlineKind.PLAN_OP_SCHRIFT,
    EventKind.NO_FAMILIEGROEPSPLAN: DeadlineKind.VASTSTELLEN,
}


def plan_deadlines(facts: HouseholdFacts, today: date) -> list[DeadlineItem]:
    """The plan's unmet deadlines: in writing 14 days after a request, vastgesteld 6 weeks after the decision."""
    return [
        DeadlineItem(PLAN_KINDS[s.event.kind], s.event.kind.value, s.event.kind.value, s.due, s.overdue)
        for s in open_deadlines(facts.plan_events, facts.plan_progress, today)
    ]


def met_late(facts: HouseholdFacts) -> int:
    """How many of the household's plan deadlines were met after their day."""
    return sum(1 for e in facts.plan_events if status_of(e, facts.plan_progress, date.min).late_days > 0)


def next_overleg(facts: HouseholdFacts, now: datetime) -> OverlegFact | None:
    """The first planned overleg still to come."""
    upcoming = [o for o in facts.overleggen if o.status is OverlegStatus.PLANNED and o.start > now]
    return min(upcoming, key=lambda o: o.start, default=None)


def caseload_row(
    facts: HouseholdFacts,
    *,
    cal: Werkdagen,
    window: Callable[[date], tuple[date, date]],
    now: datetime,
    today: date,
    local: Callable[[datetime], date],
) -> CaseloadRow:
    """One household's row: next overleg, whether the method needs one planned, deadlines overdue and upcoming."""
    coming = next_overleg(facts, now)
    deadlines = stagnatie_deadlines(facts.cases, cal, today) + plan_deadlines(facts, today)
    start = startoverleg_deadline(facts, window, today, local)
    if start is not None:
        deadlines.append(start)
    deadlines.sort(key=lambda d: (d.due, d.kind.value, d.key))
    horizon = today + timedelta(days=UPCOMING_DAYS)
    return CaseloadRow(
        facts,
        coming,
        needs_planning(facts.phase, coming is not None),
        tuple(d for d in deadlines if d.overdue),
        tuple(d for d in deadlines if not d.overdue and d.due <= horizon),
    )


def sorted_rows(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
    """Most urgent first."""
    return sorted(rows, key=CaseloadRow.sort_key)


def counts(rows: Sequence[CaseloadRow]) -> dict[str, int]:
    """How many households each filter shows, and the totals the page's summary states."""
    out = {f.value: sum(1 for r in rows if r.matches(f)) for f in Filter}
    out["deadlines_overdue"] = sum(len(r.overdue) for r in rows)
    out["deadlines_upcoming"] = sum(len(r.upcoming) for r in rows)
    out["open_signals"] = sum(r.facts.open_signals for r in rows)
    out["consent_waiting"] = sum(r.facts.consent_waiting for r in rows)
    out["keys_missing"] = sum(r.facts.keys_missing for r in rows)
    out["undeliverable"] = sum(r.undeliverable for r in rows)
    out["deadlines_met_late"] = sum(r.met_late for r in rows)
    return out


def parse_filter(value: str | None) -> Filter:
    """The filter a query names (empty: all); an unknown one is a 422 naming `filter`."""
    try:
        return Filter(value or Filter.ALL.value)
    except ValueError:
        allowed = ", ".join(f.value for f in Filter)
        raise ValidationFailed.one("filter", f"unknown filter; one of: {allowed}") from None


def key_unusable(
    email: str | None, meldingen_only: bool, has_key: bool, expires_at: datetime | None, now: datetime
) -> bool:
    """Whether a betrokkene gets no encrypted mail: no address, only notices chosen, no key, or an expired key
    (what the database knows; the betrokkenen page also asks the keyring about revoked keys)."""
    return not email or meldingen_only or not has_key or (expires_at is not None and expires_at <= now)
