"""The next overleg and who must attend it (issue 13 item 3: must-attend on the betrokkenen page).

Pure: which overleg is "the next" (the first planned one still to come; none means "geen volgend overleg gepland",
the method's rule), and the invitee list with one betrokkene's must-attend changed. Changing an overleg's invitees,
the invite that follows (`services.overleg_must_attend`: to that person only) and the slots that count only
must-attend people stay the overleg service's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from .overleg import Invitee, OverlegStatus


class Planned(Protocol):
    """What deciding "the next overleg" needs of an overleg (an `Overleg` or an `OverlegView`)."""

    @property
    def status(self) -> OverlegStatus: ...
    @property
    def start(self) -> datetime: ...


T = TypeVar("T", bound=Planned)


def next_planned(overleggen: Iterable[T], now: datetime) -> T | None:
    """The first planned overleg that starts after `now`; None when none is planned."""
    coming = [o for o in overleggen if o.status is OverlegStatus.PLANNED and o.start > now]
    return min(coming, key=lambda o: o.start, default=None)


def with_must_attend(invitees: Sequence[Invitee], betrokkene_id: str, must: bool) -> tuple[Invitee, ...]:
    """The invitees with `betrokkene_id` marked must-attend or not: someone not invited yet who must attend is
    invited (an answer given is kept); someone who need not attend stays invited, as optional."""
    out = [replace(i, must_attend=must) if i.betrokkene_id == betrokkene_id else i for i in invitees]
    if must and not any(i.betrokkene_id == betrokkene_id for i in invitees):
        out.append(Invitee(betrokkene_id, True))
    return tuple(out)
