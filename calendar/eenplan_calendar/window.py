"""The startoverleg window: held within 5–15 werkdagen after it was initiated [001 §3.1].

A date outside the window is allowed only with a stated reason (urgency, or a deliberate
later date); the caller records that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from eenplan.domain.errors import ValidationFailed

from ._tz import amsterdam
from .werkdagen import WerkdagCalendar

__all__ = [
    "STARTOVERLEG_MAX_WERKDAGEN",
    "STARTOVERLEG_MIN_WERKDAGEN",
    "Window",
    "check_in_window",
    "startoverleg_window",
]

STARTOVERLEG_MIN_WERKDAGEN = 5
STARTOVERLEG_MAX_WERKDAGEN = 15
_MAX_REASON = 2000


@dataclass(frozen=True)
class Window:
    """An inclusive range of dates [earliest, latest]."""

    earliest: date
    latest: date

    def __post_init__(self) -> None:
        if self.latest < self.earliest:
            raise ValidationFailed.one("window", "latest is before earliest")

    def contains(self, d: date) -> bool:
        """True if ``d`` (a date, or a datetime taken in Europe/Amsterdam) lies in the window."""
        d = _local_date(d)
        return self.earliest <= d <= self.latest

    def describe(self) -> str:
        """Human-readable range, e.g. '2026-12-28 t/m 2027-01-12', for messages."""
        return f"{self.earliest.isoformat()} t/m {self.latest.isoformat()}"


def startoverleg_window(initiated: date, cal: WerkdagCalendar) -> Window:
    """Window for the startoverleg: from werkdag 5 to werkdag 15 after ``initiated``, inclusive.

    The initiation day itself is never counted (also when it is a werkdag), matching
    ``WerkdagCalendar.add_werkdagen``. Both ends are werkdagen.
    """
    initiated = _local_date(initiated)
    return Window(
        earliest=cal.add_werkdagen(initiated, STARTOVERLEG_MIN_WERKDAGEN),
        latest=cal.add_werkdagen(initiated, STARTOVERLEG_MAX_WERKDAGEN),
    )


def check_in_window(when: date, window: Window, reason: str | None = None) -> bool:
    """Check that an overleg date lies in the window; outside it a reason is required.

    Returns True when ``when`` is inside the window, False when it is outside but a
    non-blank ``reason`` (e.g. urgency) was given, so the caller knows to record the
    reason. Raises ValidationFailed on field "start" otherwise, naming the window.
    A datetime is judged by its date in Europe/Amsterdam.
    """
    day = _local_date(when)
    if window.contains(day):
        return True
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed.one("reason", "must be text")
    if reason is not None and len(reason) > _MAX_REASON:
        raise ValidationFailed.one("reason", f"must be at most {_MAX_REASON} characters")
    if reason is not None and reason.strip():
        return False
    side = "before" if day < window.earliest else "after"
    raise ValidationFailed.one(
        "start",
        f"date {day.isoformat()} is {side} the window {window.describe()} "
        f"({STARTOVERLEG_MIN_WERKDAGEN}–{STARTOVERLEG_MAX_WERKDAGEN} werkdagen after initiation); "
        "give a reason (e.g. urgency) to plan outside it",
    )


def _local_date(d: date) -> date:
    """Date of ``d``; an aware datetime is first converted to Europe/Amsterdam."""
    if isinstance(d, datetime):
        if d.tzinfo is not None and d.utcoffset() is not None:
            return d.astimezone(amsterdam()).date()
        return d.date()
    if not isinstance(d, date):
        raise ValidationFailed.one("start", "must be a date")
    return d
