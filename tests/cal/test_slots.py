"""Slot proposals: must-attend constraint, ranking by optional betrokkenen, werkdagen only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from eenplan.domain.errors import ValidationFailed
from eenplan_calendar.slots import Betrokkene, OfficeHours, propose_slots
from eenplan_calendar.werkdagen import WerkdagCalendar
from eenplan_calendar.window import Window

D = date
CAL = WerkdagCalendar()
# Mon 20 Apr .. Fri 1 May 2026: weekend 25/26 Apr, Koningsdag Mon 27 Apr
WINDOW = Window(D(2026, 4, 20), D(2026, 5, 1))
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def people():
    return [
        Betrokkene("klant", True, frozenset({MON, TUE, WED})),
        Betrokkene("regisseur", True, frozenset({MON, TUE, WED, THU, FRI})),
        Betrokkene("school", False, frozenset({TUE})),
        Betrokkene("wijkteam", False, frozenset({TUE, WED})),
    ]


def test_ranking_by_optional_then_earliest():
    slots = propose_slots(WINDOW, CAL, people(), timedelta(hours=1), max_per_day=1)
    assert [s.start.date() for s in slots] == [
        D(2026, 4, 21),
        D(2026, 4, 28),  # Tuesdays: 2 optional
        D(2026, 4, 22),
        D(2026, 4, 29),  # Wednesdays: 1 optional
        D(2026, 4, 20),  # Monday: 0 optional (Mon 27 is Koningsdag)
    ]
    assert [s.score for s in slots] == [2, 2, 1, 1, 0]
    assert slots[0].optional_reachable == ("school", "wijkteam")
    assert slots[2].optional_unreachable == ("school",)
    assert all(s.start.time() == time(9, 0) for s in slots)


def test_must_attend_respected_and_no_weekend_or_holiday():
    slots = propose_slots(WINDOW, CAL, people(), timedelta(hours=1), limit=1000)
    days = {s.start.date() for s in slots}
    assert days == {D(2026, 4, 20), D(2026, 4, 21), D(2026, 4, 22), D(2026, 4, 28), D(2026, 4, 29)}
    for s in slots:
        assert s.start.weekday() in {MON, TUE, WED}
        assert s.start.date() != D(2026, 4, 27)
        assert time(9, 0) <= s.start.time() and s.end.time() <= time(17, 0)
        assert s.end - s.start == timedelta(hours=1)
        assert s.start.utcoffset() == timedelta(hours=2)  # CEST
    # 1 h meetings every 30 min from 09:00 to 16:00 -> 15 per day
    assert len(slots) == 5 * 15


def test_thursday_only_must_attendee():
    ppl = [*people()[1:], Betrokkene("ouder", True, frozenset({THU}))]
    slots = propose_slots(WINDOW, CAL, ppl, timedelta(minutes=90), limit=100)
    assert {s.start.date() for s in slots} == {D(2026, 4, 23), D(2026, 4, 30)}
    assert max(s.end.time() for s in slots) == time(17, 0)


def test_no_common_day_gives_empty_list():
    ppl = [Betrokkene("a", True, frozenset({SAT, SUN})), Betrokkene("b", False, frozenset({MON}))]
    assert propose_slots(WINDOW, CAL, ppl) == []


def test_limit_and_not_before():
    nb = datetime(2026, 4, 21, 12, 0, tzinfo=UTC)  # 14:00 in Amsterdam
    slots = propose_slots(WINDOW, CAL, people(), timedelta(hours=1), limit=3, not_before=nb)
    assert len(slots) == 3
    assert slots[0].start == datetime(2026, 4, 21, 12, 0, tzinfo=UTC)
    assert all(s.start >= nb for s in slots)


def test_custom_office_hours():
    hours = OfficeHours(time(13, 0), time(15, 0))
    slots = propose_slots(
        WINDOW, CAL, people(), timedelta(hours=1), office_hours=hours, step=timedelta(hours=1), limit=100
    )
    assert {s.start.time() for s in slots} == {time(13, 0), time(14, 0)}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"duration": timedelta(hours=9)}, "duration"),
        ({"duration": timedelta(0)}, "duration"),
        ({"limit": 0}, "limit"),
        ({"step": timedelta(0)}, "step"),
        ({"office_hours": OfficeHours(time(17), time(9))}, "office_hours"),
        ({"not_before": datetime(2026, 4, 21, 12)}, "not_before"),
    ],
)
def test_bad_parameters_rejected(kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        propose_slots(WINDOW, CAL, people(), **kwargs)
    assert field in [p.field for p in exc.value.problems]


def test_bad_betrokkenen_rejected():
    dup = [*people(), Betrokkene("klant", False)]
    with pytest.raises(ValidationFailed) as exc:
        propose_slots(WINDOW, CAL, dup)
    assert "betrokkenen[4].id" in [p.field for p in exc.value.problems]
    with pytest.raises(ValidationFailed) as exc:
        propose_slots(WINDOW, CAL, [Betrokkene("x", True, frozenset({7}))])
    assert "betrokkenen[0].reachable_weekdays" in [p.field for p in exc.value.problems]
