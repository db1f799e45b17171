"""The plan's own deadlines as pure rules (domain.plan_deadlines, and their rows in domain.caseload): the written
plan 14 days after a request, vastgesteld 6 weeks after deciding against a familiegroepsplan [001 §Definities]."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eenplan.domain.betrokkene import Betrokkene, Kind, Role
from eenplan.domain.caseload import (
    DeadlineKind,
    HouseholdFacts,
    StartPage,
    Urgency,
    caseload_row,
    start_page,
)
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.household import Phase
from eenplan.domain.plan_deadlines import (
    EventKind,
    PlanEvent,
    PlanProgress,
    adoptable_at,
    check_event_day,
    due_of,
    may_ask_written_plan,
    open_deadlines,
    status_of,
)
from eenplan_calendar.werkdagen import WerkdagCalendar

RECORDED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Amsterdam
ASKED = PlanEvent("e1", "h1", EventKind.WRITTEN_PLAN_ASKED, date(2026, 12, 1), "b1", RECORDED)
DECIDED = PlanEvent("e2", "h1", EventKind.NO_FAMILIEGROEPSPLAN, date(2026, 12, 1))


def person(kind: Kind, role: Role, removed: bool = False) -> Betrokkene:
    return Betrokkene(
        id="b",
        household_id="h1",
        name="X",
        kind=kind,
        role=role,
        relation="",
        organisation="",
        email=None,
        phone=None,
        reachable_days=(),
        birth_date=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        removed_at=datetime(2026, 2, 1, tzinfo=UTC) if removed else None,
    )


def test_the_written_plan_is_due_14_days_and_vastgesteld_6_weeks_after_the_event():
    assert due_of(ASKED) == date(2026, 12, 15)
    assert due_of(DECIDED) == date(2027, 1, 12)


def test_on_the_last_day_it_is_open_the_day_after_overdue():
    nothing = PlanProgress()
    assert not status_of(ASKED, nothing, date(2026, 12, 15)).overdue
    late = status_of(ASKED, nothing, date(2026, 12, 16))
    assert late.overdue and not late.met


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


def test_a_version_after_the_request_meets_it_an_older_one_does_not():
    today = date(2026, 12, 20)
    assert not status_of(ASKED, PlanProgress(last_version_at=at(1, 9)), today).met  # that morning, before it
    assert status_of(ASKED, PlanProgress(last_version_at=at(1, 11)), today).met
    late = status_of(ASKED, PlanProgress(last_version_at=at(18, 9)), today)
    assert late.met and not late.overdue  # written late still counts as written


def test_a_request_recorded_days_later_is_met_by_a_version_of_the_days_between():
    later = PlanEvent("e9", "h1", EventKind.WRITTEN_PLAN_ASKED, date(2026, 12, 1), "b1", at(4, 9))
    assert status_of(later, PlanProgress(last_version_at=at(2, 9)), date(2026, 12, 4)).met
    assert not status_of(later, PlanProgress(last_version_at=at(1, 9)), date(2026, 12, 4)).met


def test_only_a_vaststelling_meets_the_six_weeks_not_a_new_version():
    versions_only = PlanProgress(last_version_at=at(5, 9))
    assert not status_of(DECIDED, versions_only, date(2026, 12, 20)).met
    assert status_of(DECIDED, PlanProgress(at(5, 9), date(2026, 12, 1)), date(2026, 12, 20)).met  # the same day
    assert not status_of(DECIDED, PlanProgress(at(5, 9), date(2026, 11, 30)), date(2026, 12, 20)).met


def test_one_open_deadline_per_kind_the_earliest():
    later = PlanEvent("e3", "h1", EventKind.WRITTEN_PLAN_ASKED, date(2026, 12, 3), "b2", at(3, 9))
    found = open_deadlines([later, ASKED, DECIDED], PlanProgress(), date(2026, 12, 2))
    assert [(s.event.id, s.due) for s in found] == [("e1", date(2026, 12, 15)), ("e2", date(2027, 1, 12))]
    assert open_deadlines([ASKED], PlanProgress(last_version_at=at(2, 9)), date(2026, 12, 2)) == []


def test_the_jeugdige_a_parent_or_a_provider_may_ask_the_network_may_not():
    assert may_ask_written_plan(person(Kind.KLANT, Role.JEUGDIGE))
    assert may_ask_written_plan(person(Kind.KLANT, Role.OUDER))
    assert may_ask_written_plan(person(Kind.PROFESSIONAL, Role.HULPVERLENER))
    assert not may_ask_written_plan(person(Kind.PROFESSIONAL, Role.PROCESREGISSEUR))  # she records it
    assert not may_ask_written_plan(person(Kind.KLANT, Role.GEZINSLID))
    assert not may_ask_written_plan(person(Kind.NETWERK, Role.NETWERKLID))
    assert not may_ask_written_plan(person(Kind.PROFESSIONAL, Role.AANSPREEKPUNT))
    assert not may_ask_written_plan(person(Kind.KLANT, Role.OUDER, removed=True))


def test_an_event_is_never_in_the_future():
    check_event_day(date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(ValidationFailed) as err:
        check_event_day(date(2026, 12, 2), date(2026, 12, 1))
    assert err.value.problems[0].field == "on"


def test_a_plan_is_vastgesteld_at_a_held_overleg_or_todays():
    today = date(2026, 12, 1)
    assert adoptable_at(True, False, date(2026, 11, 1), today)
    assert adoptable_at(False, True, today, today)
    assert not adoptable_at(False, True, date(2026, 12, 2), today)
    assert not adoptable_at(False, False, today, today)  # cancelled


def test_the_caseload_row_shows_the_plan_deadlines_sorted_with_the_others():
    cal = WerkdagCalendar()
    facts = HouseholdFacts("h1", "Gezin", "G", Phase.VOORTGANG, plan_events=(ASKED, DECIDED))
    now = datetime(2026, 12, 20, 9, tzinfo=UTC)
    row = caseload_row(facts, cal=cal, window=lambda d: (d, d), now=now, today=now.date(), local=lambda m: m.date())
    assert [d.kind for d in row.overdue] == [DeadlineKind.PLAN_OP_SCHRIFT]
    assert [d.kind for d in row.upcoming] == []  # 12 January is more than 14 days away
    assert row.urgency is Urgency.OVERDUE and row.overdue[0].due == date(2026, 12, 15)


def test_a_regisseur_starts_at_the_werkbank_everyone_else_at_their_households():
    assert start_page(2) is StartPage.WERKBANK and start_page(0) is StartPage.HUISHOUDENS
