"""Closing a held overleg: decisions, the adopted plan version, and — the method's rule — the next overleg.

"At the end of every overleg the next one is scheduled" [004 §3b.8, §5b.11]: closing a
startoverleg, voortgangsoverleg or spoedoverleg requires the next overleg (plan it now with
`next`, or name a planned one), links an already planned future overleg automatically, or
accepts a stated `no_next_reason` with a warning. An afsluitend overleg needs none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..domain.access import Principal
from ..domain.errors import NotFound, ValidationFailed
from ..domain.overleg import NEEDS_NEXT, Overleg, OverlegStatus, require_status

if TYPE_CHECKING:  # pragma: no cover
    from .overleggen import OverlegDraft, OverlegService

NEXT_REQUIRED = ("closing an overleg asks for the next one: give `next` (to plan it now) or `next_overleg_id`, "
                 "or `no_next_reason`")


async def close_overleg(svc: "OverlegService", principal: Principal, household_id: str, overleg_id: str, *,
                        decisions: str | None, adopted_version: int | None, next_overleg_id: str | None,
                        next_draft: "OverlegDraft | None", no_next_reason: str | None
                        ) -> tuple[Overleg, list[str], int]:
    """Mark the overleg held; adopt the plan version (PlanService.adopt); link or plan the next overleg.

    Returns the held overleg, warnings (field: message, never content) and how many invites the
    newly planned next overleg queued. Everything is checked before the adoption is recorded.
    """
    now = svc._clock()
    no_next_reason = (no_next_reason or "").strip() or None
    async with svc._uow() as uow:
        await svc._regisseur(uow, principal, household_id, "close overleggen")
        overleg = await uow.overleggen.get(household_id, overleg_id)
        if overleg is None:
            raise NotFound("overleg not found")
        require_status(overleg, OverlegStatus.PLANNED, what="close")
        if overleg.start > now:
            raise ValidationFailed.one("status", "an overleg can be closed once it has started")
        adopt = False
        if adopted_version is not None:
            loaded = await uow.plans.version(household_id, adopted_version)
            if loaded is None:
                raise ValidationFailed.one("adopted_version", f"version {adopted_version} does not exist")
            info = loaded[0]
            if info.vastgesteld_at is None:
                adopt = True
            elif info.vastgesteld_overleg != overleg_id:
                raise ValidationFailed.one("adopted_version", f"version {adopted_version} is already vastgesteld")
        if next_overleg_id is not None:
            nxt = await uow.overleggen.get(household_id, next_overleg_id)
            if nxt is None or nxt.id == overleg_id or nxt.status is not OverlegStatus.PLANNED or nxt.start <= now:
                raise ValidationFailed.one("next_overleg_id", "must be a planned future overleg of this household")
        future = [o for o in await uow.overleggen.list(household_id)
                  if o.id != overleg_id and o.status is OverlegStatus.PLANNED and o.start > now]
        if (next_draft is None and next_overleg_id is None and not future and overleg.type in NEEDS_NEXT
                and no_next_reason is None):
            raise ValidationFailed.one("next_overleg", NEXT_REQUIRED)

    if adopt:
        await svc._plan.adopt(principal, household_id, adopted_version, overleg_id)

    warnings: list[str] = []
    queued = 0
    async with svc._uow(write=True) as uow:
        actor = await svc._regisseur(uow, principal, household_id, "close overleggen")
        overleg = await uow.overleggen.get(household_id, overleg_id, lock=True)
        require_status(overleg, OverlegStatus.PLANNED, what="close")
        next_id = next_overleg_id
        if next_draft is not None:
            created, queued = await svc.create_in(uow, actor, next_draft)
            next_id = created.id
        elif next_id is None and future:
            next_id = future[0].id
            warnings.append(f"next_overleg: linked the overleg already planned for {future[0].start.date().isoformat()}")
        elif next_id is None and overleg.type in NEEDS_NEXT:
            warnings.append("next_overleg: no next overleg is planned; plan one soon")
        held = replace(overleg, status=OverlegStatus.HELD, decisions=decisions, adopted_version=adopted_version,
                       next_overleg_id=next_id, no_next_reason=no_next_reason if next_id is None else None,
                       revision=overleg.revision + 1)
        await uow.overleggen.update(held)
        await uow.commit()
    return held, warnings, queued
