"""The caseload's rules as pure functions (domain.caseload): deadlines, urgency order, filters and counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from eenplan.domain.caseload import (
    Filter,
    HouseholdFacts,
    OverlegFact,
    Urgency,
    caseload_row,
    counts,
    parse_filter,
    sorted_rows,
)
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.household import Phase
from eenplan.domain.overleg import OverlegStatus, OverlegType
from eenplan.domain.stagnatie import Case, CaseStatus, Step, StepRecord
from eenplan_calendar.werkdagen import WerkdagCalendar

CAL = WerkdagCalendar()
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def window(initiated: date) -> tuple[date, date]:
    return CAL.add_werkdagen(initiated, 5), CAL.add_werkdagen(initiated, 15)


def row(facts: HouseholdFacts, now: datetime = NOW):
    return caseload_row(facts, cal=CAL, window=window, now=now, today=now.date(), local=lambda m: m.date())


def facts(name: str, phase: Phase = Phase.AANMELDING, **kw) -> HouseholdFacts:
    return HouseholdFacts(household_id=f"id-{name}", name=name, code=name.upper(), phase=phase, **kw)


def case(started: date) -> Case:
    return Case(
        id="c1",
        household_id="id-x",
        doel_id="school",
        actie_id=None,
        betrokkene_id=None,
        organisatie="Jeugdteam",
        toelichting="",
        step=Step(1),
        status=CaseStatus.OPEN,
        opened_by="r",
        opened_at=NOW,
        opened_on=started,
        steps=(StepRecord(step=Step(1), started_on=started, started_by="r"),),
    )


def test_the_startoverleg_window_is_due_on_werkdag_15_and_overdue_after():
    initiated = date(2026, 11, 2)
    inside = row(facts("a", Phase.STARTOVERLEG, entered_phase3_on=initiated), now=datetime(2026, 11, 20, 9, tzinfo=UTC))
    (due,) = inside.upcoming
    assert due.due == window(initiated)[1] == date(2026, 11, 23) and not inside.overdue
    late = row(facts("a", Phase.STARTOVERLEG, entered_phase3_on=initiated))
    assert [d.key for d in late.overdue] == ["startoverleg"] and late.urgency is Urgency.OVERDUE


def test_a_held_startoverleg_or_a_later_phase_has_no_window_deadline():
    held = OverlegFact("o", OverlegType.STARTOVERLEG, OverlegStatus.HELD, NOW - timedelta(days=20), date(2026, 11, 2))
    assert not row(facts("a", Phase.STARTOVERLEG, overleggen=(held,))).overdue
    assert not row(facts("b", Phase.VOORTGANGSOVERLEG, entered_phase3_on=date(2026, 1, 5))).overdue


def test_a_planned_startoverleg_after_the_window_keeps_the_deadline():
    late = OverlegFact(
        "o", OverlegType.STARTOVERLEG, OverlegStatus.PLANNED, NOW + timedelta(days=30), date(2026, 11, 2)
    )
    r = row(facts("a", Phase.STARTOVERLEG, overleggen=(late,)))
    assert [d.key for d in r.overdue] == ["startoverleg"] and r.next_overleg == late


def test_the_running_stagnation_step_gives_its_deadline():
    r = row(facts("a", cases=(case(TODAY),)))
    assert [d.kind.value for d in r.upcoming] == ["stagnatie"] and not r.overdue
    r = row(facts("a", cases=(case(TODAY - timedelta(days=21)),)))
    assert [d.kind.value for d in r.overdue] == ["stagnatie"]


def test_urgency_order_overdue_then_safety_then_action_then_calm():
    rows = sorted_rows(
        [
            row(facts("rustig")),
            row(facts("geen-overleg", Phase.VOORTGANG)),
            row(facts("signaal", open_signals=2)),
            row(facts("te-laat", Phase.STARTOVERLEG, entered_phase3_on=date(2026, 10, 1))),
        ]
    )
    assert [r.facts.name for r in rows] == ["te-laat", "signaal", "geen-overleg", "rustig"]
    assert [r.urgency for r in rows] == [Urgency.OVERDUE, Urgency.SAFETY, Urgency.ACTION, Urgency.CALM]
    c = counts(rows)
    assert (c["alle"], c["te-laat"], c["veiligheid"], c["geen-overleg"], c["open_signals"]) == (4, 1, 1, 1, 2)
    assert [r.facts.name for r in rows if r.matches(Filter.NO_OVERLEG)] == ["geen-overleg"]


def test_a_missing_key_has_its_own_filter_and_is_no_action_alone():
    """Issue 13 review: "Post komt niet aan (1)" beside "Post die niet aankomt: 0" (the filter counted keys)."""
    no_key = row(facts("zonder-sleutel", keys_missing=3))
    bounced = row(facts("post-terug", bounced_addresses=1))
    assert no_key.urgency is Urgency.CALM and bounced.urgency is Urgency.ACTION
    assert no_key.matches(Filter.NO_KEY) and not no_key.matches(Filter.MAIL)
    assert bounced.matches(Filter.MAIL) and not bounced.matches(Filter.NO_KEY)
    c = counts([no_key, bounced])
    assert (c["post"], c["geen-sleutel"], c["undeliverable"], c["keys_missing"]) == (1, 1, 1, 3)


def test_an_unknown_filter_is_named():
    assert parse_filter(None) is Filter.ALL and parse_filter("post") is Filter.MAIL
    with pytest.raises(ValidationFailed) as err:
        parse_filter("alles-kwijt")
    assert err.value.problems[0].field == "filter"
