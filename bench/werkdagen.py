"""Werkdag arithmetic after warm-up: `add_werkdagen(d, 15)` against plain Monday–Friday stepping.

Every deadline in eenplan (stagnatie ladder, reminders, monitoring) goes through
`WerkdagCalendar.add_werkdagen`; once a year's holidays are cached it should cost a few set
look-ups per day, like stepping over weekends alone. Reports µs per call and the ratio
(target ≤ 1.5; the tests only check that no holiday objects are built after warm-up).
"""

from __future__ import annotations

import os
import statistics
import timeit
from datetime import date, timedelta

from eenplan_calendar.werkdagen import WerkdagCalendar

CALLS = int(os.environ.get("BENCH_WERKDAGEN_CALLS", "20000"))
ROUNDS = 5
START = date(2026, 12, 18)  # across Christmas and New Year: holidays of two years


def weekdays_only(start: date, n: int) -> date:
    """The baseline: n Monday–Friday days after start, no holidays."""
    d = start
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def per_call(fn) -> float:
    """Median seconds per call over ROUNDS rounds of CALLS calls."""
    return statistics.median(timeit.repeat(fn, number=CALLS, repeat=ROUNDS)) / CALLS


def main() -> None:
    cal = WerkdagCalendar()
    cal.add_werkdagen(START, 15)  # warm-up: 2026 and 2027 cached
    ours = per_call(lambda: cal.add_werkdagen(START, 15))
    base = per_call(lambda: weekdays_only(START, 15))
    print(f"add_werkdagen(18 Dec 2026, 15), median of {ROUNDS} × {CALLS:,} calls after warm-up:")
    print(f"  Monday–Friday stepping : {base * 1e6:7.2f} µs")
    print(f"  WerkdagCalendar        : {ours * 1e6:7.2f} µs   ratio {ours / base:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
