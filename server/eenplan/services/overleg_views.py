"""Overleggen as one caller may see them, and the access-log entry of exactly what such a view disclosed.

The agenda and the decisions are care content: an `OverlegView` carries them only when
`domain.access.may_read_overleg_content` allows it, so a route that serialises a view cannot show
more. The service that builds views logs them in the same place (`disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from ..domain.access import OVERLEG_CONTENT_BASIS, Access, Actor, Principal, may_read_overleg_content
from ..domain.audit import AccessEvent, Channel, Event
from ..domain.names import ids_by_name
from ..domain.overleg import Invitee, Overleg, OverlegStatus, OverlegType
from ..domain.ports import UnitOfWork
from .plan import PlanService


@dataclass(frozen=True)
class OverlegView:
    """An overleg cut to one caller: `agenda` and `decisions` are None when the caller may not read them."""

    id: str
    household_id: str
    type: OverlegType
    status: OverlegStatus
    start: datetime
    end: datetime
    location: str | None
    video_link: str | None
    chair_id: str | None
    minute_taker_id: str | None
    invitees: tuple[Invitee, ...]
    uid: str
    sequence: int
    initiated_on: date | None
    outside_window_reason: str | None
    adopted_version: int | None
    next_overleg_id: str | None
    no_next_reason: str | None
    reminder_sent: bool
    agenda: str | None
    decisions: str | None
    #: whether the policy lets this caller read the agenda and the decisions (a page says why it shows none)
    content_readable: bool = True

    @property
    def content_shown(self) -> tuple[str, ...]:
        """Which content fields this view holds (non-empty): what showing it discloses."""
        return tuple(name for name, value in (("agenda", self.agenda), ("besluiten", self.decisions)) if value)


def cut(overleg: Overleg, access: Access) -> OverlegView:
    """The overleg as the policy lets this caller see it."""
    content = may_read_overleg_content(access)
    return OverlegView(
        id=overleg.id,
        household_id=overleg.household_id,
        type=overleg.type,
        status=overleg.status,
        start=overleg.start,
        end=overleg.end,
        location=overleg.location,
        video_link=overleg.video_link,
        chair_id=overleg.chair_id,
        minute_taker_id=overleg.minute_taker_id,
        invitees=overleg.invitees,
        uid=overleg.uid,
        sequence=overleg.sequence,
        initiated_on=overleg.initiated_on,
        outside_window_reason=overleg.outside_window_reason,
        adopted_version=overleg.adopted_version,
        next_overleg_id=overleg.next_overleg_id,
        no_next_reason=overleg.no_next_reason,
        reminder_sent=overleg.reminder_sent_at is not None,
        agenda=overleg.agenda if content else None,
        decisions=overleg.decisions if content else None,
        content_readable=content,
    )


def invitees_by_name(invitees: Sequence[Invitee], names: Mapping[str, str]) -> tuple[Invitee, ...]:
    """The invitees in name order (`domain.names`), those no longer involved (not in `names`) last: the rows
    of an overleg's page (who is invited, who must come, who answered) read the same at every render."""
    rank = {b: n for n, b in enumerate(ids_by_name((i.betrokkene_id for i in invitees), names))}
    return tuple(sorted(invitees, key=lambda i: rank[i.betrokkene_id]))


def disclosure(
    plan: PlanService, access: Access, views: Sequence[OverlegView], channel: Channel = Channel.API
) -> list[AccessEvent]:
    """The access-log entry for showing these views on `channel` (a page: WEB): one read naming the overleggen
    and the content fields shown (an id or a count, and field names), grounded on the whole plan; none when no
    content was shown."""
    shown = [(v.id, v.content_shown) for v in views if v.content_shown]
    if not shown:
        return []
    fields = " en ".join(sorted({f for _, fs in shown for f in fs}))
    detail = f"overleg {shown[0][0]}: {fields}" if len(shown) == 1 else f"{len(shown)} overleggen: {fields}"
    return [plan.access_event(access, Event.READ, (), channel, detail, basis=OVERLEG_CONTENT_BASIS)]


async def shown_in(
    plan: PlanService, uow: UnitOfWork, actor: Actor, overleg: Overleg, channel: Channel = Channel.API
) -> OverlegView:
    """The overleg cut to the actor inside a write use case; its disclosure is logged in that transaction."""
    access = await plan.access_in(uow, actor)
    view = cut(overleg, access)
    events = disclosure(plan, access, [view], channel)
    if events:
        await uow.access_log.append(events)
    return view


async def shown(
    plan: PlanService,
    principal: Principal,
    household_id: str,
    found: list[Overleg],
    channel: Channel = Channel.API,
    *,
    content: bool = True,
) -> list[OverlegView]:
    """Overleggen read outside a transaction, cut to the caller; the disclosure is logged (on `channel`) before
    answering. `content=False`: the facts only (when, where, who, status) for a page that shows no agenda or
    decisions — then nothing of the plan is disclosed, and nothing is logged as if it were."""
    if not found:
        return []
    access = await plan.access(principal, household_id)
    views = [cut(o, access) for o in found]
    if not content:
        return [replace(v, agenda=None, decisions=None) for v in views]
    await plan.record(disclosure(plan, access, views, channel))
    return views
