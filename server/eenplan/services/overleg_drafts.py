"""What a regisseur gives to plan an overleg, and the Dutch day of a moment (shared by planning, closing, polls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..domain.errors import ValidationFailed
from ..domain.overleg import Invitee, OverlegType

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_date(moment: datetime) -> date:
    """The date of a moment in Europe/Amsterdam (the method's werkdagen are Dutch days)."""
    return moment.astimezone(AMSTERDAM).date()


def check_initiated(initiated: date | None, now: datetime) -> None:
    """Refuse an initiation date after today (Amsterdam's day): a start that has not happened yet would move
    the startoverleg window, and its deadline on the caseload, into the future (a past one is checked against
    its window by `check_window`)."""
    if initiated is not None and initiated > local_date(now):
        raise ValidationFailed.one("initiated", "must not be in the future: the day the household started")


@dataclass(frozen=True)
class OverlegDraft:
    """What the regisseur gives to plan an overleg."""

    type: OverlegType
    start: datetime
    end: datetime
    invitees: tuple[Invitee, ...]
    agenda: str = ""
    location: str | None = None
    video_link: str | None = None
    chair_id: str | None = None
    minute_taker_id: str | None = None
    initiated_on: date | None = None
    reason: str | None = None

    def check_initiated(self, now: datetime) -> None:
        """A startoverleg is planned only from a start that has happened: 422 on 'initiated' for a day after
        today (Amsterdam), as a poll's (`check_initiated`). Directly, from a close's next or a poll's pick."""
        if self.type is OverlegType.STARTOVERLEG:
            check_initiated(self.initiated_on, now)
