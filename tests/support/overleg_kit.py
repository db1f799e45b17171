"""Planning overleggen in tests through the real service, as the demo household's regisseur."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eenplan.domain.access import Principal
from eenplan.domain.overleg import Invitee, OverlegType
from eenplan.services.overleg_drafts import OverlegDraft

AMS = ZoneInfo("Europe/Amsterdam")


def regisseur(demo: dict[str, Any]) -> Principal:
    """The demo regisseur, with a second factor."""
    return Principal(demo["regisseur"]["id"], demo["household"]["id"], second_factor=True)


async def plan_overleg(
    services: Any,
    demo: dict[str, Any],
    invitees: list[tuple[str, bool]],
    *,
    days: int,
    agenda: str = "",
    location: str | None = None,
    now: datetime | None = None,
) -> str:
    """A voortgangsoverleg `days` ahead at 14:00–15:30 for (name, must attend) of the demo; its id. `days` count
    from `now`, by default the services' clock (not the real time: a test may have moved it)."""
    people = demo["by_name"]
    start = ((now or services.overleggen.now()).astimezone(AMS) + timedelta(days=days)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    view, _ = await services.overleggen.plan(
        regisseur(demo),
        demo["household"]["id"],
        OverlegDraft(
            type=OverlegType.VOORTGANGSOVERLEG,
            start=start,
            end=start + timedelta(minutes=90),
            invitees=tuple(Invitee(people[name]["id"], must) for name, must in invitees),
            agenda=agenda,
            location=location,
        ),
    )
    return str(view.id)
