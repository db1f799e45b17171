"""What a regisseur gives to plan an overleg, and the Dutch day of a moment (shared by planning, closing, polls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..domain.overleg import Invitee, OverlegType

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_date(moment: datetime) -> date:
    """The date of a moment in Europe/Amsterdam (the method's werkdagen are Dutch days)."""
    return moment.astimezone(AMSTERDAM).date()


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
