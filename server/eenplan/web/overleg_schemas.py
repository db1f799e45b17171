"""Request bodies of the overleg routes (non-table SQLModel models, documented in OpenAPI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from ..domain.overleg import Invitee, OverlegType, Partstat, Vote
from .schemas import _Body, not_null  # extra fields are refused, like every request body

_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NO_CONTROL)]
VideoLink = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^https://[^\s\x00-\x1f\x7f-\x9f\u2028\u2029]+$"),
]
Agenda = Annotated[str, StringConstraints(max_length=20_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=36)]


def _aware(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError("must include a UTC offset, e.g. 2027-01-12T10:00:00+01:00")
    return value


Moment = Annotated[datetime, AfterValidator(_aware)]


class InviteeIn(_Body):
    """One invited betrokkene; `must_attend` marks who must be there (ROLE=REQ-PARTICIPANT)."""

    betrokkene_id: Id
    must_attend: bool = False


def invitees(items: list[InviteeIn]) -> tuple[Invitee, ...]:
    """Body invitees as domain invitees."""
    return tuple(Invitee(i.betrokkene_id, i.must_attend) for i in items)


class OverlegDetails(_Body):
    """Where and how: location or video link, chair, minute taker, agenda (the agenda never enters an .ics)."""

    location: Place | None = None
    video_link: VideoLink | None = None
    chair_id: Id | None = None
    minute_taker_id: Id | None = None
    agenda: Agenda = ""


class OverlegCreate(OverlegDetails):
    """Plan an overleg. A startoverleg needs `initiated`; outside its window a `reason` (urgency) is required."""

    type: OverlegType
    start: Moment
    end: Moment
    invitees: list[InviteeIn] = Field(min_length=1, max_length=100)
    initiated: date | None = None
    reason: Reason | None = None


class OverlegPatch(_Body):
    """Change an overleg: time or place changes raise SEQUENCE and re-invite everyone."""

    start: Moment | None = None
    end: Moment | None = None
    location: Place | None = None
    video_link: VideoLink | None = None
    chair_id: Id | None = None
    minute_taker_id: Id | None = None
    agenda: Agenda | None = None
    invitees: list[InviteeIn] | None = Field(default=None, min_length=1, max_length=100)
    reason: Reason | None = None

    # leave a field out to keep it; these cannot be emptied with null (location and the roles can)
    _not_null = not_null("start", "end", "agenda", "invitees")


class OverlegClose(_Body):
    """Record a held overleg: decisions, the adopted plan version, and the next overleg."""

    decisions: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    adopted_version: int | None = Field(default=None, ge=1)
    next_overleg_id: Id | None = None
    next: OverlegCreate | None = None
    no_next_reason: Reason | None = None


class AttendanceIn(_Body):
    """An invitee's answer."""

    partstat: Partstat


class PollOptionIn(_Body):
    """One candidate slot."""

    start: Moment
    end: Moment


class PollCreate(_Body):
    """Open a date poll with candidate slots for the invited betrokkenen."""

    type: OverlegType
    options: list[PollOptionIn] = Field(min_length=1, max_length=20)
    invitees: list[InviteeIn] = Field(min_length=1, max_length=100)
    initiated: date | None = None
    reason: Reason | None = None


class PollVotes(_Body):
    """Option id → yes, maybe or no."""

    votes: dict[Id, Vote] = Field(min_length=1, max_length=20)


class PollPick(OverlegDetails):
    """The regisseur's pick: the option that becomes the overleg, and its details."""

    option_id: Id
