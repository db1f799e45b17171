"""Aggregate monitoring of phases and escalations per gemeente and period [003 §E], without personal data.

Only counts and a median leave this module: no names, no ids of people, no
household codes. Small cells are suppressed (k-anonymity, k = 5): a count of
1–4 is shown as "<5", and the median is only given when at least 5 cases were
solved in the period, so one household cannot be singled out. Periods are whole
calendar months: with free start and end days, two periods a day apart could be
subtracted to single out what happened to one household on one day.
"""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from .errors import ValidationFailed
from .household import Phase
from .stagnatie import Case, CaseStatus, Werkdagen, case_deadlines

K = 5
SMALL = f"<{K}"


def suppress(n: int) -> int | str:
    """A count as it may be published: 0, or at least K, or "<K"."""
    return n if n == 0 or n >= K else SMALL


@dataclass(frozen=True)
class Period:
    """An inclusive period of days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start.day != 1:
            raise ValidationFailed.one("from", "must be the first day of a month (periods are whole months)")
        if self.end.day != monthrange(self.end.year, self.end.month)[1]:
            raise ValidationFailed.one("to", "must be the last day of a month (periods are whole months)")
        if self.end < self.start:
            raise ValidationFailed.one("to", "is before from")
        if (self.end - self.start).days > 3660:
            raise ValidationFailed.one("to", "the period is at most ten years")

    def holds(self, d: date | None) -> bool:
        """Whether a day lies in the period."""
        return d is not None and self.start <= d <= self.end


def phase_on(history: Sequence[tuple[date, int]], day: date) -> int | None:
    """The phase a household was in at the end of `day` (None: it did not exist yet)."""
    current = None
    for at, phase in sorted(history):
        if at <= day:
            current = phase
    return current


def figures(
    gemeente: str,
    period: Period,
    histories: Iterable[Sequence[tuple[date, int]]],
    cases: Iterable[Case],
    cal: Werkdagen,
    today: date,
) -> dict[str, Any]:
    """The monitoring figures of one gemeente for one period (phases as of its last day)."""
    phases = Counter(p for h in histories if (p := phase_on(h, period.end)) is not None)
    # In a gemeente with fewer than K households even a 0 tells something about identifiable families
    # ("none of our 3 is in phase 5"); there every count is below K, so every count shows as "<K".
    tiny = sum(phases.values()) < K
    cell = (lambda n: SMALL) if tiny else suppress
    opened: Counter[int] = Counter()
    solved: Counter[int] = Counter()
    durations: list[int] = []
    overdue = 0
    reference = min(period.end, today)
    for case in cases:
        for record in case.steps:
            if period.holds(record.started_on):
                opened[int(record.step)] += 1
        if (
            case.status is CaseStatus.OPGELOST
            and case.solved_on is not None
            and case.solved_step is not None
            and period.holds(case.solved_on)
        ):
            solved[int(case.solved_step)] += 1
            durations.append(cal.werkdagen_between(case.opened_on, case.solved_on))
        if case.opened_on <= reference:
            overdue += sum(d.overdue for ds in case_deadlines(case, cal, reference).values() for d in ds)
    return {
        "gemeente": gemeente,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "k_anonimiteit": K,
        "huishoudens_per_fase": {Phase(p).label: cell(phases.get(p, 0)) for p in range(1, 7)},
        "escalaties_geopend_per_stap": {str(s): cell(opened.get(s, 0)) for s in range(1, 5)},
        "escalaties_opgelost_per_stap": {str(s): cell(solved.get(s, 0)) for s in range(1, 5)},
        "mediaan_werkdagen_tot_oplossing": median(durations) if len(durations) >= K and not tiny else None,
        "achterstallige_stappen": cell(overdue),
    }


#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection; full-width forms too)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value.lstrip(" ")[:1] in _FORMULA_START else value


def as_csv(data: dict[str, Any]) -> str:
    """The figures as CSV rows: metric, key, value."""
    out = io.StringIO()
    # Every cell quoted: Dutch spreadsheets split on ';', so "Gouda;=HYPERLINK(…)" must stay one cell.
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["gemeente", "from", "to", "metric", "key", "value"])
    head = [_cell(data["gemeente"]), data["from"], data["to"]]
    for metric in ("huishoudens_per_fase", "escalaties_geopend_per_stap", "escalaties_opgelost_per_stap"):
        for key, value in data[metric].items():
            w.writerow([*head, metric, key, value])
    median_value = data["mediaan_werkdagen_tot_oplossing"]
    w.writerow([*head, "mediaan_werkdagen_tot_oplossing", "", SMALL if median_value is None else median_value])
    w.writerow([*head, "achterstallige_stappen", "", data["achterstallige_stappen"]])
    return out.getvalue()


__all__ = ["Period", "as_csv", "figures", "phase_on", "suppress"]
