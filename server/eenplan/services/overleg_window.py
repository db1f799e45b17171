"""The startoverleg window as a calendar (issue 13, item 4): every day of the months it touches, and why it
does or does not count (werkdag, weekend, holiday or local closing day), so a regisseur sees the window and
not only its two ends. The werkdagen themselves come from the `Werkdagen` port (eenplan_calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ..domain.household import Phase, PhaseChange
from ..domain.ports import Werkdagen
from .overleg_drafts import local_date


class DayKind(StrEnum):
    """Why a day of the window's months counts or not."""

    WERKDAG = "werkdag"
    WEEKEND = "weekend"
    FEESTDAG = "feestdag"  # a public holiday or a configured closing day (its name says which)


@dataclass(frozen=True)
class WindowDay:
    """One day of the calendar: its kind, the holiday's name (if any), and whether it lies in the window."""

    day: date
    kind: DayKind
    holiday: str | None
    in_window: bool
    is_initiated: bool


@dataclass(frozen=True)
class WindowMonth:
    """One month as weeks of seven days (Monday first; None outside the month)."""

    first: date
    weeks: tuple[tuple[WindowDay | None, ...], ...]


@dataclass(frozen=True)
class WindowCalendar:
    """The window [earliest, latest] counted from `initiated`, drawn as the months it touches."""

    initiated: date
    earliest: date
    latest: date
    months: tuple[WindowMonth, ...]
    werkdagen: int  # how many werkdagen the window holds


def initiation_date(history: list[PhaseChange], today: date) -> date:
    """The date a startoverleg counts from when the regisseur gives none: the (Dutch) day the household entered
    phase 3 (startoverleg) most recently, else today."""
    entered = [local_date(c.at) for c in history if c.to_phase is Phase.STARTOVERLEG]
    return max(entered) if entered else today


def _day(cal: Werkdagen, d: date, earliest: date, latest: date, initiated: date) -> WindowDay:
    name = cal.holiday_name(d)
    if cal.is_werkdag(d):
        kind = DayKind.WERKDAG
    elif d.weekday() >= 5 and name is None:
        kind = DayKind.WEEKEND
    else:
        kind = DayKind.FEESTDAG
    return WindowDay(d, kind, name, earliest <= d <= latest, d == initiated)


def _month(cal: Werkdagen, first: date, earliest: date, latest: date, initiated: date) -> WindowMonth:
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    cells: list[WindowDay | None] = [None] * first.weekday()
    d = first
    while d < nxt:
        cells.append(_day(cal, d, earliest, latest, initiated))
        d += timedelta(days=1)
    cells += [None] * (-len(cells) % 7)
    return WindowMonth(first, tuple(tuple(cells[i : i + 7]) for i in range(0, len(cells), 7)))


def window_calendar(cal: Werkdagen, initiated: date, earliest: date, latest: date) -> WindowCalendar:
    """The months from the initiation date to the window's last day, each day explained."""
    months = []
    first = initiated.replace(day=1)
    while first <= latest:
        months.append(_month(cal, first, earliest, latest, initiated))
        first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    count = cal.werkdagen_between(earliest - timedelta(days=1), latest)
    return WindowCalendar(initiated, earliest, latest, tuple(months), count)
