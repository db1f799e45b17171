"""Werkdagen: Monday–Friday minus Dutch public holidays, as configured.

Every deadline expressed in werkdagen anywhere in eenplan is computed here, so the
rules live in one place:

* the public holidays of the `holidays` package (NL, Dutch names), except that
* Goede Vrijdag is *not* a legal holiday in the Netherlands (Algemene termijnenwet), but many
  employers close; `holidays` lists it as public by default, so we strip it and add it back only
  when ``goede_vrijdag=True``;
* Bevrijdingsdag (5 May) is a legal holiday every year, but most CAOs only give it off every
  fifth year (2025, 2030, ...); `holidays` lists it as public only in those lustrum years, so
  we strip it and add it back per ``bevrijdingsdag`` ("every_year" | "lustrum" | "never");
* ``extra_closing_days``: local closing days (e.g. a bridge day).

Holiday sets are built once per (configuration, year) and cached, so hot-path calls such as
``add_werkdagen(d, 15)`` are a few dict/set look-ups per day. Nothing is computed at import time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import holidays
from dateutil.easter import easter

from eenplan.domain.errors import FieldProblem, ValidationFailed

from ._tz import amsterdam

__all__ = ["BEVRIJDINGSDAG_POLICIES", "BevrijdingsdagPolicy", "WerkdagCalendar"]

BevrijdingsdagPolicy = Literal["every_year", "lustrum", "never"]
BEVRIJDINGSDAG_POLICIES: tuple[str, ...] = ("every_year", "lustrum", "never")

GOEDE_VRIJDAG = "Goede Vrijdag"
BEVRIJDINGSDAG = "Bevrijdingsdag"
SLUITINGSDAG = "Sluitingsdag"

#: names (lower case) that `holidays` may use for the two configurable days; stripped from its output
_CONFIGURABLE_NAMES = frozenset({"goede vrijdag", "bevrijdingsdag"})
#: holidays NL starts at 1966 (Algemene termijnenwet); keep requests within a sane range
_MIN_YEAR, _MAX_YEAR = 1966, 9998
#: hard cap on n for add_werkdagen: deadlines are days or weeks, never decades
_MAX_WERKDAGEN = 100_000
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=256)
def _base_holidays(year: int) -> Mapping[date, str]:
    """NL public holidays of one year from `holidays`, minus the two configurable days.

    Cached per year: constructing a `holidays` object is the expensive part (~ms).
    """
    raw = holidays.country_holidays("NL", years=year, language="nl")
    result: dict[date, str] = {}
    for day, names in raw.items():
        kept = [n for n in str(names).split("; ") if n.strip().lower() not in _CONFIGURABLE_NAMES]
        if kept:
            result[day] = "; ".join(kept)
    return MappingProxyType(result)


@dataclass(frozen=True)
class WerkdagCalendar:
    """Which days count as werkdagen, with the regional choices made explicit.

    Immutable and hashable; safe to share between tasks. The per-year cache is an
    implementation detail excluded from equality and hashing.
    """

    bevrijdingsdag: BevrijdingsdagPolicy = "lustrum"
    goede_vrijdag: bool = False
    extra_closing_days: frozenset[date] = frozenset()
    _cache: dict[int, Mapping[date, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.bevrijdingsdag not in BEVRIJDINGSDAG_POLICIES:
            raise ValidationFailed.one("bevrijdingsdag", f"must be one of {', '.join(BEVRIJDINGSDAG_POLICIES)}")
        if not isinstance(self.goede_vrijdag, bool):
            raise ValidationFailed.one("goede_vrijdag", "must be true or false")
        extra = self.extra_closing_days
        if not isinstance(extra, frozenset):
            extra = frozenset(extra)
            object.__setattr__(self, "extra_closing_days", extra)
        for d in extra:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise ValidationFailed.one("extra_closing_days", "must contain dates only")

    # ----------------------------------------------------------------- factory
    @classmethod
    def from_settings(cls, bevrijdingsdag: str, goede_vrijdag: bool, extra: str) -> WerkdagCalendar:
        """Build a calendar from deployment settings (strings as found in a config file).

        ``extra`` is a comma-separated list of ISO dates "YYYY-MM-DD,YYYY-MM-DD" (blank = none).
        Raises ValidationFailed naming the setting on any malformed value, so a bad config
        fails at start-up instead of silently shifting deadlines.
        """
        policy = (bevrijdingsdag or "").strip().lower()
        problems: list[FieldProblem] = []
        if policy not in BEVRIJDINGSDAG_POLICIES:
            problems.append(FieldProblem("bevrijdingsdag", f"must be one of {', '.join(BEVRIJDINGSDAG_POLICIES)}"))
        if not isinstance(goede_vrijdag, bool):
            problems.append(FieldProblem("goede_vrijdag", "must be true or false"))
        days: set[date] = set()
        for i, part in enumerate((extra or "").split(",")):
            text = part.strip()
            if not text:
                continue
            if not _DATE_RE.match(text):
                problems.append(FieldProblem(f"extra_closing_days[{i}]", "must be a date YYYY-MM-DD"))
                continue
            try:
                days.add(date.fromisoformat(text))
            except ValueError:
                problems.append(FieldProblem(f"extra_closing_days[{i}]", "is not an existing date"))
        if problems:
            raise ValidationFailed(problems)
        return cls(
            bevrijdingsdag=policy,  # type: ignore[arg-type]
            goede_vrijdag=goede_vrijdag,
            extra_closing_days=frozenset(days),
        )

    # ----------------------------------------------------------------- queries
    def closed_days(self, year: int) -> Mapping[date, str]:
        """All non-weekend closing days of ``year`` with their (Dutch) names, per this config.

        Includes holidays that fall in a weekend (they are still holidays, just not extra
        days off). Cached per year on the instance.
        """
        cached = self._cache.get(year)
        if cached is not None:
            return cached
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValidationFailed.one("date", f"year {year} is outside {_MIN_YEAR}–{_MAX_YEAR}")
        days = dict(_base_holidays(year))
        if self.goede_vrijdag:
            _add_name(days, easter(year) - timedelta(days=2), GOEDE_VRIJDAG)
        if self.bevrijdingsdag == "every_year" or (self.bevrijdingsdag == "lustrum" and year % 5 == 0):
            _add_name(days, date(year, 5, 5), BEVRIJDINGSDAG)
        for d in self.extra_closing_days:
            if d.year == year:
                _add_name(days, d, SLUITINGSDAG)
        frozen = MappingProxyType(days)
        self._cache[year] = frozen
        return frozen

    def holiday_name(self, d: date) -> str | None:
        """Dutch name of the holiday or closing day on ``d`` (None if it is none).

        Weekends are not holidays: a Saturday without a holiday gives None. Extra closing
        days are named "Sluitingsdag". Used to explain to users why a date was skipped.
        """
        d = _as_date(d)
        return self.closed_days(d.year).get(d)

    def is_werkdag(self, d: date) -> bool:
        """True if ``d`` is Monday–Friday and not a (configured) holiday or closing day."""
        d = _as_date(d)
        return d.weekday() < 5 and d not in self.closed_days(d.year)

    def next_werkdag(self, d: date) -> date:
        """The first werkdag strictly after ``d`` (the day itself never counts)."""
        return self.add_werkdagen(_as_date(d), 1)

    def add_werkdagen(self, start: date, n: int) -> date:
        """The n-th werkdag after ``start``; ``start`` itself is never counted.

        So with Monday 2 March 2026, n=1 gives Tuesday 3 March and n=5 gives Monday 9 March.
        n=0 is the normalisation case: ``start`` if it is a werkdag, else the next werkdag
        (a deadline of "0 werkdagen" landing on a Sunday moves to Monday).
        """
        start = _as_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationFailed.one("werkdagen", "must be a whole number >= 0")
        if n > _MAX_WERKDAGEN:
            raise ValidationFailed.one("werkdagen", f"must be at most {_MAX_WERKDAGEN}")
        if n == 0:
            return start if self.is_werkdag(start) else self.add_werkdagen(start, 1)
        one = timedelta(days=1)
        d = start
        year = -1
        closed: Mapping[date, str] = {}
        try:
            while n:
                d += one
                if d.year != year:
                    year = d.year
                    closed = self.closed_days(year)
                if d.weekday() < 5 and d not in closed:
                    n -= 1
        except OverflowError:
            raise ValidationFailed.one("werkdagen", "result is beyond the supported date range") from None
        return d

    def werkdagen_between(self, a: date, b: date) -> int:
        """Number of werkdagen d with a < d <= b (0 if b <= a).

        Consistent with add_werkdagen: ``werkdagen_between(a, add_werkdagen(a, n)) == n`` for n >= 1.
        Used to report "x werkdagen after initiation" and remaining time to a deadline.
        """
        a, b = _as_date(a), _as_date(b)
        if b <= a:
            return 0
        total_days = (b - a).days
        # whole weeks contribute five weekdays each; only the remainder is walked day by day
        weeks, rest = divmod(total_days, 7)
        count = weeks * 5
        d = a + timedelta(days=weeks * 7)
        for _ in range(rest):
            d += timedelta(days=1)
            if d.weekday() < 5:
                count += 1
        # subtract closing days on weekdays in (a, b]
        for year in range(a.year, b.year + 1):
            for day in self.closed_days(year):
                if a < day <= b and day.weekday() < 5:
                    count -= 1
        return count


def _add_name(days: dict[date, str], d: date, name: str) -> None:
    """Add ``name`` to the day, joining with '; ' when two holidays coincide."""
    existing = days.get(d)
    days[d] = name if not existing else f"{existing}; {name}"


def _as_date(d: date) -> date:
    """Reduce a datetime to its date (aware ones taken in Europe/Amsterdam); reject non-dates."""
    if isinstance(d, datetime):
        if d.tzinfo is not None and d.utcoffset() is not None:
            d = d.astimezone(amsterdam())
        return d.date()
    if not isinstance(d, date):
        raise ValidationFailed.one("date", "must be a date")
    return d
