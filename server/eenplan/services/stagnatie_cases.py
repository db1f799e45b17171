"""What every stagnatie use case shares (`StagnatieService` is built on it): the service's collaborators and
Dutch today, finding one case for the caller (locked for a change), the cases an answer shows cut to the caller
and access-logged, and one step along the ladder as one transaction (`_change`, retried on a write conflict).
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.access import Actor, Principal, may_list_cases, may_see_case
from ..domain.audit import Channel
from ..domain.errors import Forbidden, NotFound
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory, Werkdagen
from ..domain.stagnatie import Case
from .common import Need, authorised, require_need, retry_on_conflict
from .plan import PlanService
from .stagnatie_views import case_dict, shown_cases

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

#: one step of the ladder inside `_change`'s transaction: (unit of work, the caller, the case) → the new case
_Change = Callable[[UnitOfWork, Actor, Case], Awaitable[Case]]

#: what a token someone else issued for the aanspreekpunt cannot do (Forbidden names it)
AS_AANSPREEKPUNT = "act as the gemeentelijk aanspreekpunt"


def set_step(case: Case, **changes: Any) -> Case:
    """The case with `changes` made to the record of its running step (the other steps' records as they were)."""
    return replace(case, steps=tuple(replace(r, **changes) if r.step == case.step else r for r in case.steps))


class StagnatieCases:
    """The shared part of `StagnatieService`: its collaborators, reading one case, showing cases, one change."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        clock: Clock,
        new_id: IdFactory,
        werkdagen: Werkdagen,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._plan = plan
        self._clock = clock
        self._new_id = new_id
        self.werkdagen = werkdagen
        self._wake = wake or (lambda: None)

    def today(self) -> date:
        """Today in Europe/Amsterdam: every deadline is a Dutch calendar day."""
        return self._clock().astimezone(AMSTERDAM).date()

    # -- reading one case and showing cases ---------------------------------------------------
    @staticmethod
    def _may_see(actor: Actor, case: Case) -> bool:
        return may_see_case(actor, case.aanspreekpunt_id, case.afgeschaald_at is not None)

    async def _shown(
        self, principal: Principal, household_id: str, cases: builtins.list[Case], channel: Channel = Channel.API
    ) -> builtins.list[dict[str, Any]]:
        """Cases read outside a transaction, cut to the caller (`shown_cases`); logged before answering."""
        if not cases:
            return []
        access = await self._plan.access(principal, household_id)
        found = [case_dict(c, self.werkdagen, self.today()) for c in cases]
        shown, events = shown_cases(self._plan, access, found, channel)
        await self._plan.record(events)
        return shown

    async def _shown_in(self, uow: UnitOfWork, actor: Actor, case: Case) -> dict[str, Any]:
        """A case a write use case answers with, cut to the actor and logged in its transaction."""
        access = await self._plan.access_in(uow, actor)
        shown, events = shown_cases(self._plan, access, [case_dict(case, self.werkdagen, self.today())])
        await uow.access_log.append(events)
        return shown[0]

    async def _case(self, uow: UnitOfWork, actor: Actor, household_id: str, case_id: str, lock: bool = False) -> Case:
        case = await uow.stagnatie.get_case(household_id, case_id, lock=lock)
        if case is None:
            raise NotFound("stagnation case not found")
        if not self._may_see(actor, case):
            if may_list_cases(actor):  # the aanspreekpunt: a case not escalated to them is like a missing one
                raise NotFound("stagnation case not found")
            raise Forbidden("only a regisseur (or the case's gemeentelijk aanspreekpunt) may do this")
        return case

    # -- one step along the ladder ------------------------------------------------------------
    async def _change(self, principal: Principal, household_id: str, case_id: str, change: _Change) -> dict[str, Any]:
        async def attempt() -> dict[str, Any]:
            async with authorised(self._uow, principal, household_id, write=True) as caller:
                uow, actor = caller.uow, caller.actor
                case = await self._case(uow, actor, household_id, case_id, lock=True)
                # every step of a case is recorded in the actor's name (the step's start, commitment by, the
                # outcome), so only with a credential of their own: the gemeente's acts (actions, commitment,
                # afschalen) are the aanspreekpunt's, the regisseur's (escalating, outcomes) hers
                ap = case.aanspreekpunt_id == actor.betrokkene_id
                require_need(caller, Need.PERSONAL, AS_AANSPREEKPUNT if ap else "work on stagnation cases")
                case = await change(uow, actor, case)
                await uow.stagnatie.save_case(case)
                shown = await self._shown_in(uow, actor, case)
                await uow.commit()
                return shown

        shown = await retry_on_conflict(attempt)
        self._wake()
        return shown
