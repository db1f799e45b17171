"""Closing a held overleg: decisions, the adopted plan version, and — the method's rule — the next overleg.

"At the end of every overleg the next one is scheduled" [004 §3b.8, §5b.11]: closing a
startoverleg, voortgangsoverleg or spoedoverleg requires the next overleg (plan it now with
`next`, or name a planned one), links an already planned future overleg automatically, or
accepts a stated `no_next_reason` with a warning. An afsluitend overleg needs none.

One use case, one transaction: everything is checked first, then the next overleg is planned,
the version adopted (`PlanService.adopt_in`) and the overleg marked held in the same unit of work,
so a refused close (a 4xx) leaves the version, the overleg and the outbox as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from ..domain.access import Actor, Principal
from ..domain.errors import NotFound, ValidationFailed
from ..domain.overleg import (
    NEEDS_NEXT,
    Overleg,
    OverlegStatus,
    OverlegType,
    check_invitees,
    check_times,
    require_status,
)
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, require_need
from .overleg_drafts import OverlegDraft
from .overleg_views import OverlegView, shown_in
from .plan import PlanService

NEXT_REQUIRED = (
    "closing an overleg asks for the next one: give `next` (to plan it now) or `next_overleg_id`, or `no_next_reason`"
)


@dataclass(frozen=True)
class CloseRequest:
    """What the regisseur records when closing: decisions, the adopted version, and the next overleg."""

    decisions: str | None = None
    adopted_version: int | None = None
    next_overleg_id: str | None = None
    next_draft: OverlegDraft | None = None
    no_next_reason: str | None = None


class OverlegPlanning(Protocol):
    """What closing needs of the overleg service: its public planning (no import cycle, no private parts)."""

    def check_window(
        self, draft_type: OverlegType, start: datetime, initiated: date | None, reason: str | None
    ) -> str | None:
        """A startoverleg's window check."""
        ...

    async def create_in(self, uow: UnitOfWork, actor: Actor, draft: OverlegDraft) -> tuple[Overleg, int]:
        """Plan an overleg inside an open unit of work."""
        ...


class OverlegCloser:
    """The close use case, on the overleg service's public planning (`check_window`, `create_in`) and the
    plan service's `adopt_in`."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, plan: PlanService, overleggen: OverlegPlanning) -> None:
        self._uow = uow
        self._clock = clock
        self._plan = plan
        self._overleggen = overleggen

    async def close(
        self, principal: Principal, household_id: str, overleg_id: str, request: CloseRequest
    ) -> tuple[OverlegView, list[str], int]:
        """Mark the overleg held; adopt the plan version; link or plan the next overleg — all or nothing.

        Returns the held overleg (cut to the caller), warnings (field: message, never content) and how
        many invites the newly planned next overleg queued.
        """
        now = self._clock()
        no_next_reason = (request.no_next_reason or "").strip() or None
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="close overleggen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "close overleggen")  # held, decisions, the next overleg: hers
            uow, actor = caller.uow, caller.actor
            overleg = await uow.overleggen.get(household_id, overleg_id, lock=True)
            if overleg is None:
                raise NotFound("overleg not found")
            require_status(overleg, OverlegStatus.PLANNED, what="close")
            if overleg.start > now:
                raise ValidationFailed.one("status", "an overleg can be closed once it has started")
            adopt = await self._check_adoption(uow, household_id, overleg_id, request.adopted_version)
            if request.next_overleg_id is not None:
                nxt = await uow.overleggen.get(household_id, request.next_overleg_id)
                if nxt is None or nxt.id == overleg_id or nxt.status is not OverlegStatus.PLANNED or nxt.start <= now:
                    raise ValidationFailed.one("next_overleg_id", "must be a planned future overleg of this household")
            future = [
                o
                for o in await uow.overleggen.list(household_id)
                if o.id != overleg_id and o.status is OverlegStatus.PLANNED and o.start > now
            ]
            if (
                request.next_draft is None
                and request.next_overleg_id is None
                and not future
                and overleg.type in NEEDS_NEXT
                and no_next_reason is None
            ):
                raise ValidationFailed.one("next_overleg", NEXT_REQUIRED)
            if request.next_draft is not None:
                await self._check_draft(uow, actor, request.next_draft)

            # everything is checked: now the writes, in this one transaction
            warnings: list[str] = []
            queued = 0
            next_id = request.next_overleg_id
            if request.next_draft is not None:
                created, queued = await self._overleggen.create_in(uow, actor, request.next_draft)
                next_id = created.id
            elif next_id is None and future:
                next_id = future[0].id
                warnings.append(
                    f"next_overleg: linked the overleg already planned for {future[0].start.date().isoformat()}"
                )
            elif next_id is None and overleg.type in NEEDS_NEXT:
                warnings.append("next_overleg: no next overleg is planned; plan one soon")
            if adopt and request.adopted_version is not None:
                await self._plan.adopt_in(caller, request.adopted_version, overleg_id)
            held = replace(
                overleg,
                status=OverlegStatus.HELD,
                decisions=request.decisions,
                adopted_version=request.adopted_version,
                next_overleg_id=next_id,
                no_next_reason=no_next_reason if next_id is None else None,
                revision=overleg.revision + 1,
            )
            await uow.overleggen.update(held)
            view = await shown_in(self._plan, uow, actor, held)
            await uow.commit()
        return view, warnings, queued

    @staticmethod
    async def _check_adoption(uow: UnitOfWork, household_id: str, overleg_id: str, number: int | None) -> bool:
        """Whether closing adopts `number`: it must exist, and be not yet vastgesteld (or by this overleg)."""
        if number is None:
            return False
        loaded = await uow.plans.version(household_id, number)
        if loaded is None:
            raise ValidationFailed.one("adopted_version", f"version {number} does not exist")
        info = loaded[0]
        if info.vastgesteld_at is None:
            return True
        if info.vastgesteld_overleg != overleg_id:
            raise ValidationFailed.one("adopted_version", f"version {number} is already vastgesteld")
        return False

    async def _check_draft(self, uow: UnitOfWork, actor: Actor, draft: OverlegDraft) -> None:
        """Validate the next overleg before anything is written (its fields answer as `next.<field>`)."""
        try:
            now = self._clock()
            check_times(draft.start, draft.end, now)
            draft.check_initiated(now)
            self._overleggen.check_window(draft.type, draft.start, draft.initiated_on, draft.reason)
            check_invitees(draft.invitees, [b.id for b in await uow.betrokkenen.list(actor.household_id)])
        except ValidationFailed as exc:
            raise ValidationFailed([replace(p, field=f"next.{p.field}") for p in exc.problems]) from None


__all__ = ["NEXT_REQUIRED", "CloseRequest", "OverlegCloser"]
