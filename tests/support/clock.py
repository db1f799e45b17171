"""A clock the tests set and move; every service takes it in place of the real one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class MovableClock:
    """Stands at `now` (default: the real time at creation) until the test moves it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def today(self) -> date:
        """The date in Europe/Amsterdam, as the server counts days (UTC's date differs 22:00/23:00–24:00)."""
        return self.now.astimezone(ZoneInfo("Europe/Amsterdam")).date()

    def advance(self, delta: timedelta | float | None = None, **parts: float) -> None:
        """Move forward by a timedelta, a number of seconds, or timedelta keywords (days=1)."""
        if isinstance(delta, timedelta):
            self.now += delta
        elif delta is not None:
            self.now += timedelta(seconds=delta)
        self.now += timedelta(**parts)

    def to(self, year: int, month: int, day: int, hour: int = 8) -> None:
        """Jump to a day, at `hour` UTC (10:00 Amsterdam summer time by default)."""
        self.now = datetime(year, month, day, hour, 0, tzinfo=UTC)
