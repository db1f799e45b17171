"""Who must attend one overleg, changed for one betrokkene (issue 13 item 3), in one transaction.

The betrokkenen page toggles must-attend per person for the next overleg. Unlike a general change of an overleg
(`OverlegService.change`, which sends the whole list an update), this touches one attendee only: the overleg row is
read under the same lock a change takes (`lock=True`: FOR UPDATE on PostgreSQL; the writer's BEGIN IMMEDIATE on
SQLite), the invitee list is changed on what that read found, so a concurrent edit of the list is kept, and only
the person whose must-attend changed gets an updated invitation: an iTIP REQUEST with their new ROLE (REQ- or
OPT-PARTICIPANT) and RSVP, their answer so far kept.

SEQUENCE stays as it is: a role is not one of RFC 5546 §2.1.4's significant changes (time, place: see
`domain.overleg.time_or_place_changed` and `eenplan_calendar.itip.needs_sequence_bump`), the newer DTSTAMP makes
the person's calendar take the REQUEST as the newer one (§2.1.5), and everyone else's invitation — not re-sent —
keeps its SEQUENCE valid for their replies (`domain.inbound.judge_reply` wants the current one).
"""

from __future__ import annotations

from dataclasses import replace

from ..domain.access import Principal
from ..domain.errors import NotFound, ValidationFailed
from ..domain.next_overleg import with_must_attend
from ..domain.overleg import OverlegStatus, require_status
from ..domain.ports import UnitOfWorkFactory
from .common import Need, authorised, known_household, require_need
from .overleg_invites import REQUEST, InviteSender
from .overleg_views import OverlegView, cut
from .plan import PlanService


class MustAttendChanger:
    """The must-attend toggle of the overleg service (`OverlegService.set_must_attend`)."""

    def __init__(self, uow: UnitOfWorkFactory, plan: PlanService, invites: InviteSender, not_found: str) -> None:
        self._uow = uow
        self._plan = plan
        self._invites = invites
        self._not_found = not_found

    async def set(
        self, principal: Principal, household_id: str, overleg_id: str, betrokkene_id: str, must: bool
    ) -> tuple[OverlegView, int]:
        """Mark `betrokkene_id` must-attend (invited if they were not) or optional for a planned overleg, and
        queue an updated invitation for that person only; answers the overleg's facts (no agenda or decisions,
        so nothing is disclosed or logged) and how many invitations were queued (0 when nothing changed)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="change overleggen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "change overleggen")  # the invitation goes out as from her
            uow, actor = caller.uow, caller.actor
            old = await uow.overleggen.get(household_id, overleg_id, lock=True)
            if old is None:
                raise NotFound(self._not_found)
            require_status(old, OverlegStatus.PLANNED, what="change")
            invitees = with_must_attend(old.invitees, betrokkene_id, must)
            access = await self._plan.access_in(uow, actor)
            if invitees == old.invitees:
                return _facts(cut(old, access)), 0
            people = {b.id: b for b in await uow.betrokkenen.list(household_id)}
            if betrokkene_id not in people:
                raise ValidationFailed.one("betrokkene_id", "is not a betrokkene of this household")
            new = replace(old, invitees=invitees, revision=old.revision + 1)
            await uow.overleggen.update(new)
            household = await known_household(uow, household_id)
            me = people.get(actor.betrokkene_id)
            queued = await self._invites.send(
                uow,
                household,
                new,
                [betrokkene_id],
                REQUEST,
                me.email if me else None,
                f"overleg:{new.id}:r{new.revision}",
            )
            await uow.commit()
            return _facts(cut(new, access)), queued


def _facts(view: OverlegView) -> OverlegView:
    """The view without its agenda and decisions: what a page that shows neither may hold."""
    return replace(view, agenda=None, decisions=None)
