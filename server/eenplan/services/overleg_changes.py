"""A planned overleg rescheduled, changed or cancelled by the regisseur, each in one locked transaction with the
invitations it causes (`OverlegService.change`, `.cancel`).

A change of time or place raises SEQUENCE and asks everyone to answer again; someone taken off the list gets a
CANCEL (as uninvited); a cancellation raises SEQUENCE and sends every invitee METHOD:CANCEL. The invitations are
queued through the `InviteSender` in the same unit of work, so nothing is half-written on a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ..domain.access import Principal
from ..domain.errors import NotFound
from ..domain.overleg import (
    Overleg,
    OverlegStatus,
    OverlegType,
    Partstat,
    check_invitees,
    check_times,
    require_status,
    time_or_place_changed,
    with_roles,
)
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, known_household, require_need
from .overleg_invites import CANCEL, REQUEST, InviteSender
from .overleg_views import OverlegView, shown_in
from .plan import PlanService

#: the startoverleg window rule (`OverlegService.check_window`): the reason to record, or ValidationFailed
WindowCheck = Callable[[OverlegType, datetime, date | None, str | None], str | None]


async def sent_by(uow: UnitOfWork, household_id: str, betrokkene_id: str) -> str | None:
    """The address an invitation is sent on behalf of: the acting betrokkene's own (None without one)."""
    me = await uow.betrokkenen.get(household_id, betrokkene_id)
    return me.email if me else None


class OverlegChanges:
    """Reschedule, change and cancel for the overleg service."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        plan: PlanService,
        invites: InviteSender,
        check_window: WindowCheck,
        not_found: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._plan = plan
        self._invites = invites
        self._check_window = check_window
        self._not_found = not_found

    async def _planned(self, uow: UnitOfWork, household_id: str, overleg_id: str, what: str) -> Overleg:
        """The overleg under its row lock (every writer of it takes that lock), still planned."""
        old = await uow.overleggen.get(household_id, overleg_id, lock=True)
        if old is None:
            raise NotFound(self._not_found)
        require_status(old, OverlegStatus.PLANNED, what=what)
        return old

    async def change(
        self, principal: Principal, household_id: str, overleg_id: str, changes: dict[str, Any]
    ) -> tuple[OverlegView, int]:
        """Reschedule or change an overleg; time or place changes raise SEQUENCE. Removed invitees get CANCEL."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="change overleggen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "change overleggen")  # the invitations go out as from her
            uow, actor = caller.uow, caller.actor
            old = await self._planned(uow, household_id, overleg_id, "change")
            reason = changes.pop("reason", None)
            new = replace(old, **changes)
            new = replace(new, invitees=with_roles(new.invitees, new.chair_id, new.minute_taker_id))
            if new.start != old.start or new.end != old.end:
                check_times(new.start, new.end, self._clock())
                recorded = self._check_window(new.type, new.start, new.initiated_on, reason)
                new = replace(new, outside_window_reason=recorded, reminder_sent_at=None)
            check_invitees(new.invitees, [b.id for b in await uow.betrokkenen.list(household_id)])
            kept = {i.betrokkene_id for i in new.invitees}
            removed = [i.betrokkene_id for i in old.invitees if i.betrokkene_id not in kept]
            bump = time_or_place_changed(old, new.start, new.end, new.place) or bool(removed)
            if time_or_place_changed(old, new.start, new.end, new.place):  # everyone answers again
                new = replace(new, invitees=tuple(replace(i, partstat=Partstat.NEEDS_ACTION) for i in new.invitees))
            new = replace(new, sequence=old.sequence + (1 if bump else 0), revision=old.revision + 1)
            await uow.overleggen.update(new)
            household = await known_household(uow, household_id)
            sender = await sent_by(uow, household_id, actor.betrokkene_id)
            dedupe = f"overleg:{new.id}:r{new.revision}"
            queued = await self._invites.send(
                uow, household, replace(new, invitees=old.invitees), removed, CANCEL, sender, dedupe, uninvited=True
            )
            queued += await self._invites.send(
                uow, household, new, sorted(kept, key=_order(new)), REQUEST, sender, dedupe
            )
            view = await shown_in(self._plan, uow, actor, new)
            await uow.commit()
            return view, queued

    async def cancel(self, principal: Principal, household_id: str, overleg_id: str) -> tuple[OverlegView, int]:
        """Cancel a planned overleg: SEQUENCE is raised and every invitee gets METHOD:CANCEL."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="cancel overleggen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "cancel overleggen")  # the cancellations go out as from her
            uow, actor = caller.uow, caller.actor
            old = await self._planned(uow, household_id, overleg_id, "cancel")
            new = replace(old, status=OverlegStatus.CANCELLED, sequence=old.sequence + 1, revision=old.revision + 1)
            await uow.overleggen.update(new)
            household = await known_household(uow, household_id)
            queued = await self._invites.send(
                uow,
                household,
                new,
                [i.betrokkene_id for i in new.invitees],
                CANCEL,
                await sent_by(uow, household_id, actor.betrokkene_id),
                f"overleg:{new.id}:r{new.revision}",
            )
            view = await shown_in(self._plan, uow, actor, new)
            await uow.commit()
            return view, queued


def _order(overleg: Overleg) -> Callable[[str], int]:
    positions = {i.betrokkene_id: n for n, i in enumerate(overleg.invitees)}
    return lambda bid: positions.get(bid, 0)
