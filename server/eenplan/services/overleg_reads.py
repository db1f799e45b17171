"""What an overleg's caller reads besides its views (`OverlegService.invite_ics`, `.status`): their own invite
as an .ics file (logged as an export on channel ics), and whether the household needs an overleg planned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.access import Principal, may_see_overleg
from ..domain.audit import Channel, Event
from ..domain.errors import NotFound
from ..domain.overleg import OverlegStatus, needs_planning
from ..domain.ports import UnitOfWorkFactory
from .common import Need, authorised, known_household
from .overleg_attendance import Visible
from .overleg_changes import sent_by
from .overleg_drafts import AMSTERDAM
from .overleg_invites import CANCEL, REQUEST, InviteSender
from .plan import PlanService


async def invite_ics(
    uow_factory: UnitOfWorkFactory,
    plan: PlanService,
    invites: InviteSender,
    visible: Visible,
    principal: Principal,
    household_id: str,
    overleg_id: str,
    for_id: str | None,
    cleartext: bool,
) -> tuple[str, bytes]:
    """The caller's own invite as .ics (a regisseur may fetch any invitee's): (uid, bytes). `cleartext`: the
    reduced one a cleartext notice carries (no place, only the organizer and the recipient), for a page's
    download that may end up anywhere."""
    for_id = for_id or principal.betrokkene_id
    async with authorised(
        uow_factory,
        principal,
        household_id,
        need=Need.MEMBER if for_id == principal.betrokkene_id else Need.REGISSEUR,
        what="fetch another betrokkene's invite",
    ) as caller:
        uow, actor = caller.uow, caller.actor
        overleg = await visible(uow, actor, overleg_id)
        if overleg.invitee(for_id) is None:
            raise NotFound("no invite for this betrokkene")
        household = await known_household(uow, household_id)
        people = {b.id: b for b in await uow.betrokkenen.list(household_id)}
        sender = await sent_by(uow, household_id, overleg.created_by)
    spec = invites.spec(household, overleg, for_id, people, sender)
    if spec is not None and cleartext:
        own = people.get(for_id)
        spec = invites.cleartext(spec, own.email or "") if own else None
    if spec is None:
        raise NotFound("no invite: nobody in it has an e-mail address")
    method = CANCEL if overleg.status is OverlegStatus.CANCELLED else REQUEST
    await plan.log_access(principal, household_id, Event.EXPORT, (), Channel.ICS, f"uitnodiging {method}")
    return overleg.uid, invites.ics(spec, method)


async def status(
    uow_factory: UnitOfWorkFactory, now: datetime, principal: Principal, household_id: str
) -> dict[str, Any]:
    """Whether the household needs an overleg planned (phase 4/5 without a future one), and the next one."""
    async with authorised(uow_factory, principal, household_id) as caller:
        uow, actor = caller.uow, caller.actor
        household = await known_household(uow, household_id)
        upcoming = [
            o for o in await uow.overleggen.list(household_id) if o.status is OverlegStatus.PLANNED and o.start > now
        ]
    visible = [o for o in upcoming if may_see_overleg(actor, (i.betrokkene_id for i in o.invitees))]
    # Others learn only of overleggen they are invited to, not that unseen ones exist.
    known = upcoming if actor.is_regisseur else visible
    return {
        "needs_planning": needs_planning(household.phase, bool(known)),
        "phase": int(household.phase),
        "next_overleg": (
            {
                "id": visible[0].id,
                "type": visible[0].type.value,
                "start": visible[0].start.astimezone(AMSTERDAM).isoformat(),
            }
            if visible
            else None
        ),
    }
