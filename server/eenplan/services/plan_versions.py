"""The write side of the plan: a change of sections becomes a new version (merged on the sections it touches,
logged, announced to the version listeners in its transaction), and a version is vastgesteld.

`PlanService` (services.plan, the read side: scoped reads, versions, diffs, the access log) inherits these
methods, so callers keep using `PlanService.change` and `PlanService.adopt_in`; they work on the service's own
unit of work factory, clock, id factory, section texts and log events (`_Plan`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date
from typing import Any, Protocol

from ..domain.access import Access, Actor, Principal, decide, require_write
from ..domain.audit import AccessEvent, Channel, Event
from ..domain.diff import diff_plans, summarise
from ..domain.errors import NotFound, TemporaryFailure, ValidationFailed
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from ..domain.validation import assign_item_ids, check_identities_and_references, validate_sections
from ..domain.veiligheid import guard_signature
from ..domain.versions import VersionInfo, changed_since, check_merge
from .common import NOT_FOUND, Caller, Need, authorised, require_need, retry_on_conflict
from .plan_content import PlanSnapshot, blob_hash, canonical_json, scoped_texts, visible_info

#: What a plan write does in the caller's name (a version's author, who vastgesteld it): only with a credential of
#: their own (Need.PERSONAL), never with a token someone else issued for them (Forbidden names this)
WRITE_AS_ONESELF = "write the plan in this person's name"

#: (unit of work, the author, the new version) → awaitable; runs before the version's commit
VersionListener = Callable[[UnitOfWork, Actor, VersionInfo], Awaitable[None]]


class _Plan(Protocol):
    """What the write side uses of the plan service it is part of."""

    _uow: UnitOfWorkFactory
    _clock: Clock
    _new_id: IdFactory
    on_version_created: list[VersionListener]

    def today(self) -> date: ...

    async def _texts(
        self, source: Any, household_id: str, hashes: Mapping[str, str], sections: Iterable[str]
    ) -> dict[str, str]: ...

    def _event(
        self,
        event: Event,
        access: Access,
        sections: Iterable[str],
        channel: Channel,
        detail: str,
        basis: Iterable[str] | None = None,
    ) -> AccessEvent: ...


class PlanVersions:
    """New versions and vaststellen: the part of `PlanService` that writes the plan."""

    async def change(
        self: _Plan,
        principal: Principal,
        household_id: str,
        base: int | None,
        changes: Mapping[str, Any],
        *,
        authorise: Callable[[Access, set[str]], None] = require_write,
    ) -> tuple[PlanSnapshot, bool]:
        """Replace sections, based on version `base` (None: the current one).

        Lands as a new version when none of the touched sections changed since
        `base`; raises Conflict otherwise. Returns the new snapshot and whether
        a version was created (an identical change creates none). `authorise`
        is the write check (default: the policy's write level); a dedicated use
        case such as the klant signing the veiligheidsplan passes its own rule.
        """
        normalised = validate_sections(changes)
        return await retry_on_conflict(lambda: _change_once(self, principal, household_id, base, normalised, authorise))

    async def adopt_in(self: _Plan, caller: Caller, number: int, overleg: str | None) -> VersionInfo:
        """Mark a version vastgesteld inside the caller's open unit of work (`caller.uow`): the one step behind
        `PlanDeadlineService.adopt_at` (which checks the overleg is held or today's) and closing an overleg
        (`overleg_close`, the overleg being held). There is no public `adopt` with a weaker rule of its own.

        Checks the role again: a caller from inside need not have opened its unit with `Need.REGISSEUR`, and that
        the credential is the regisseur's own (the version names who vastgesteld it: `WRITE_AS_ONESELF`)."""
        require_need(caller, Need.REGISSEUR, "adopt a plan version")
        require_need(caller, Need.PERSONAL, WRITE_AS_ONESELF)
        uow, actor = caller.uow, caller.actor
        household_id = actor.household_id
        loaded = await uow.plans.version(household_id, number)
        if loaded is None:
            raise NotFound(f"version {number} does not exist")
        if overleg is not None and await uow.overleggen.get(household_id, overleg) is None:
            raise ValidationFailed.one("overleg", "is not an overleg of this household")
        if loaded[0].vastgesteld_at is not None:
            raise ValidationFailed.one("number", f"version {number} is already vastgesteld")
        await uow.plans.mark_vastgesteld(household_id, number, self._clock(), actor.betrokkene_id, overleg)
        info, _ = await _existing_version(uow, household_id, number)
        return info


async def _change_once(
    plan: _Plan,
    principal: Principal,
    household_id: str,
    base: int | None,
    normalised: dict[str, Any],
    authorise: Callable[[Access, set[str]], None] = require_write,
) -> tuple[PlanSnapshot, bool]:
    """One attempt of `PlanVersions.change` (retried on a write conflict), in one locked transaction.

    Every new version passes here, and its author is the caller: so a token issued by someone else is refused
    (Need.PERSONAL) before anything is read or written."""
    async with authorised(
        plan._uow, principal, household_id, write=True, need=Need.PERSONAL, what=WRITE_AS_ONESELF
    ) as caller:
        uow, actor = caller.uow, caller.actor
        access = decide(actor, await uow.consents.grants(household_id, actor.betrokkene_id, plan.today()), plan.today())
        authorise(access, set(normalised))
        household = await uow.households.get(household_id, lock=True)
        if household is None:
            raise NotFound(NOT_FOUND)
        current = household.current_version
        _, current_hashes = await _existing_version(uow, household_id, current)
        base = current if base is None else base
        if base == current:
            base_hashes = current_hashes
        else:
            loaded = await uow.plans.version(household_id, base) if 0 < base < current else None
            base_hashes = loaded[1] if loaded else {}
        check_merge(base=base, current=current, touched=normalised, changed=changed_since(base_hashes, current_hashes))
        sections = assign_item_ids(json.loads(json.dumps(normalised)), plan._new_id)
        if "veiligheidsplan" in sections and authorise is require_write:  # signing has its own path
            old_vp = await plan._texts(uow.plans, household_id, current_hashes, ["veiligheidsplan"])
            sections["veiligheidsplan"] = guard_signature(
                json.loads(old_vp["veiligheidsplan"]), sections["veiligheidsplan"]
            )
        check_identities_and_references(sections, [b.id for b in await uow.betrokkenen.list(household_id)])
        texts = {key: canonical_json(value) for key, value in sections.items()}
        new_hashes = {key: blob_hash(text) for key, text in texts.items()}
        touched = [k for k in SECTION_KEYS if k in new_hashes and new_hashes[k] != current_hashes.get(k)]
        number = current + 1 if touched else current
        if touched:
            old_texts = await plan._texts(uow.plans, household_id, current_hashes, touched)
            summary = summarise(
                diff_plans(
                    {k: json.loads(old_texts[k]) for k in touched},
                    {k: sections[k] for k in touched},
                    tuple(touched),
                )
            )
            info = VersionInfo(
                number=number,
                author_id=actor.betrokkene_id,
                created_at=plan._clock(),
                summary=summary,
                changed_sections=tuple(touched),
                base_version=base,
            )
            await uow.plans.add_blobs(household_id, {new_hashes[k]: texts[k] for k in touched})
            await uow.plans.add_version(household_id, info, {**current_hashes, **{k: new_hashes[k] for k in touched}})
            if not await uow.households.advance_version(household_id, current, number):
                raise TemporaryFailure("the plan moved on while saving")
            await uow.access_log.append([plan._event(Event.CHANGE, access, touched, Channel.API, f"versie {number}")])
            for listener in plan.on_version_created:
                await listener(uow, actor, info)
        info, hashes = await _existing_version(uow, household_id, number)
        texts_now = scoped_texts(access, await plan._texts(uow.plans, household_id, hashes, access.readable))
        await uow.access_log.append([plan._event(Event.READ, access, texts_now, Channel.API, f"versie {number}")])
        await uow.commit()
    return PlanSnapshot(household_id, visible_info(info, access), texts_now), bool(touched)


async def _existing_version(uow: UnitOfWork, household_id: str, number: int) -> tuple[VersionInfo, dict[str, str]]:
    """A version this transaction knows exists (the current one, or one it just wrote); NotFound otherwise."""
    loaded = await uow.plans.version(household_id, number)
    if loaded is None:
        raise NotFound(f"version {number} does not exist")
    return loaded
