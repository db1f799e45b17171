"""Startoverleg window: werkdag 5 to werkdag 15 after initiation, inclusive [001 §3.1]."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from eenplan.domain.errors import ValidationFailed
from eenplan_calendar.werkdagen import WerkdagCalendar
from eenplan_calendar.window import Window, check_in_window, startoverleg_window

D = date
CAL = WerkdagCalendar()


def test_window_over_christmas_and_new_year():
    # Fri 18 Dec 2026: Mon21 Tue22 Wed23 Thu24 (4), Fri25 Kerst, Mon28 = 5th;
    # Tue29 Wed30 Thu31 (8), Fri 1 Jan off, Mon4..Fri8 (13), Mon11 (14), Tue12 = 15th
    w = startoverleg_window(D(2026, 12, 18), CAL)
    assert w == Window(D(2026, 12, 28), D(2027, 1, 12))


def test_window_over_koningsdag():
    # Mon 20 Apr 2026: Tue21..Fri24 (4), Mon27 Koningsdag, Tue28 = 5th;
    # Wed29 Thu30 Fri1 Mon4 Tue5 (10, Bevrijdingsdag is a werkdag in 2026 by default),
    # Wed6 Thu7 Fri8 Mon11 Tue12 = 15th
    assert startoverleg_window(D(2026, 4, 20), CAL) == Window(D(2026, 4, 28), D(2026, 5, 12))
    # with Bevrijdingsdag every year the 15th werkdag moves one day
    every = WerkdagCalendar(bevrijdingsdag="every_year")
    assert startoverleg_window(D(2026, 4, 20), every) == Window(D(2026, 4, 28), D(2026, 5, 13))


def test_window_over_hemelvaart_and_pinksteren():
    # Thu 7 May 2026: Fri8 Mon11 Tue12 Wed13 (4), Thu14 Hemelvaart, Fri15 = 5th;
    # Mon18..Fri22 (10), Mon25 Pinksteren, Tue26..Fri29 (14), Mon 1 Jun = 15th
    assert startoverleg_window(D(2026, 5, 7), CAL) == Window(D(2026, 5, 15), D(2026, 6, 1))


def test_initiation_on_weekend_counts_from_next_day():
    # Sat 7 Mar 2026: Mon9..Fri13 -> 5th is Fri 13; Mon16..Fri20 (10), Mon23..Fri27 (15)
    assert startoverleg_window(D(2026, 3, 7), CAL) == Window(D(2026, 3, 13), D(2026, 3, 27))


def test_inside_window_inclusive_bounds():
    w = Window(D(2026, 12, 28), D(2027, 1, 12))
    assert check_in_window(D(2026, 12, 28), w, None) is True
    assert check_in_window(D(2027, 1, 12), w, None) is True
    assert check_in_window(D(2027, 1, 5), w, None) is True


@pytest.mark.parametrize("when, side", [(D(2026, 12, 27), "before"), (D(2027, 1, 13), "after")])
def test_outside_window_without_reason_names_field_and_window(when, side):
    w = Window(D(2026, 12, 28), D(2027, 1, 12))
    with pytest.raises(ValidationFailed) as exc:
        check_in_window(when, w, None)
    (problem,) = exc.value.problems
    assert problem.field == "start"
    assert "2026-12-28" in problem.problem and "2027-01-12" in problem.problem
    assert side in problem.problem


def test_blank_reason_is_no_reason():
    w = Window(D(2026, 12, 28), D(2027, 1, 12))
    with pytest.raises(ValidationFailed):
        check_in_window(D(2026, 12, 21), w, "   ")
    with pytest.raises(ValidationFailed):
        check_in_window(D(2026, 12, 21), w, "")


def test_outside_window_with_reason_is_allowed_and_reported():
    w = Window(D(2026, 12, 28), D(2027, 1, 12))
    assert check_in_window(D(2026, 12, 21), w, "spoed: acute zorgen") is False


def test_datetime_judged_in_amsterdam():
    w = Window(D(2026, 12, 28), D(2027, 1, 12))
    # 23:30 UTC on 27 Dec is 00:30 on 28 Dec in Amsterdam -> inside
    assert check_in_window(datetime(2026, 12, 27, 23, 30, tzinfo=UTC), w, None) is True
    with pytest.raises(ValidationFailed):
        check_in_window(datetime(2026, 12, 27, 22, 30, tzinfo=UTC), w, None)


def test_window_rejects_reversed_bounds():
    with pytest.raises(ValidationFailed):
        Window(D(2026, 1, 2), D(2026, 1, 1))


def test_window_ends_are_werkdagen_all_year():
    d = D(2026, 1, 1)
    for i in range(0, 366, 2):
        w = startoverleg_window(d + timedelta(days=i), CAL)
        assert CAL.is_werkdag(w.earliest) and CAL.is_werkdag(w.latest)
        assert CAL.werkdagen_between(d + timedelta(days=i), w.earliest) == 5
        assert CAL.werkdagen_between(d + timedelta(days=i), w.latest) == 15
