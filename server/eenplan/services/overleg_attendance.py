"""An invitee's answer to an overleg (accepted, declined, tentative) from a page or the API, in one locked
transaction (`OverlegService.attendance`; answers by e-mail: `services.inbound`)."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Protocol

from ..domain.access import Actor, Principal
from ..domain.audit import Channel
from ..domain.errors import ValidationFailed
from ..domain.overleg import Overleg, OverlegStatus, Partstat, require_status
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised
from .overleg_views import OverlegView, shown_in
from .plan import PlanService


class Visible(Protocol):
    """The overleg if the actor may see it (NotFound otherwise); `lock`: under its row lock."""

    def __call__(
        self, uow: UnitOfWork, actor: Actor, overleg_id: str, *, lock: bool = False
    ) -> Awaitable[Overleg]: ...  # pragma: no cover


class AttendanceRecorder:
    """The attendance answer of the overleg service."""

    def __init__(self, uow: UnitOfWorkFactory, plan: PlanService, visible: Visible) -> None:
        self._uow = uow
        self._plan = plan
        self._visible = visible

    async def answer(
        self, principal: Principal, household_id: str, overleg_id: str, partstat: Partstat, channel: Channel
    ) -> OverlegView:
        """Record the caller's answer and show the overleg cut to them, like a read. The overleg is read under
        its row lock, as `change` and the must-attend toggle read it before they rewrite the invitee list: an
        answer given at the same moment is then applied before or after that rewrite, never lost in it
        (PostgreSQL; SQLite serialises writers anyway)."""
        if partstat is Partstat.NEEDS_ACTION:
            raise ValidationFailed.one("partstat", "must be accepted, declined or tentative")
        # the answer is the invitee's own: a token a regisseur issued for them must not give it in their name
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="answer an invitation"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            overleg = await self._answerable(uow, actor, overleg_id)
            await uow.overleggen.set_partstat(overleg_id, actor.betrokkene_id, partstat)
            answered = replace(
                overleg,
                invitees=tuple(
                    replace(i, partstat=partstat) if i.betrokkene_id == actor.betrokkene_id else i
                    for i in overleg.invitees
                ),
            )
            view = await shown_in(self._plan, uow, actor, answered, channel)
            await uow.commit()
        return view

    async def _answerable(self, uow: UnitOfWork, actor: Actor, overleg_id: str) -> Overleg:
        """The overleg, locked, if the actor is invited to it and it is still planned."""
        overleg = await self._visible(uow, actor, overleg_id, lock=True)
        if overleg.invitee(actor.betrokkene_id) is None:
            raise ValidationFailed.one("partstat", "you are not invited to this overleg")
        require_status(overleg, OverlegStatus.PLANNED, what="answer for")
        return overleg
