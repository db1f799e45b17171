"""Plan use cases: read the current plan or a version, change sections, list versions, diff, adopt."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.access import Actor, Principal, readable_sections, require_regisseur, require_write
from ..domain.diff import diff_plans, diff_section, summarise
from ..domain.errors import NotFound, TemporaryFailure, ValidationFailed
from ..domain.audit import Channel
from ..domain.betrokkene import Kind, Role
from ..domain.ports import Clock, IdFactory, PlanReads, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS, empty_plan
from ..domain.validation import assign_item_ids, check_identities_and_references, validate_sections
from ..domain.versions import VersionInfo, changed_since, check_merge
from .common import NOT_FOUND, resolve_actor, retry_on_conflict


#: (unit of work, the author, the new version) → awaitable; runs before the version's commit
VersionListener = Callable[[UnitOfWork, Actor, VersionInfo], Awaitable[None]]


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8; what blobs are hashed over."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def blob_hash(text: str) -> str:
    """SHA-256 of a section's canonical JSON."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PlanSnapshot:
    """One version of the plan as one caller may see it: facts plus the readable sections' JSON texts."""

    household_id: str
    info: VersionInfo
    sections: dict[str, str]


class BlobCache:
    """An LRU of section texts by (household, hash). Blobs never change, so it never needs invalidating."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._max = max_entries

    def get_many(self, household_id: str, hashes: Iterable[str]) -> tuple[dict[str, str], set[str]]:
        """Cached texts for the hashes, and the hashes still missing."""
        found, missing = {}, set()
        for h in hashes:
            text = self._items.get((household_id, h))
            if text is None:
                missing.add(h)
            else:
                self._items.move_to_end((household_id, h))
                found[h] = text
        return found, missing

    def put_many(self, household_id: str, blobs: Mapping[str, str]) -> None:
        """Remember texts, dropping the least recently used beyond the limit."""
        for h, text in blobs.items():
            self._items[(household_id, h)] = text
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class PlanService:
    """Everything done with a household's plan."""

    def __init__(self, uow: UnitOfWorkFactory, reads: PlanReads, clock: Clock, new_id: IdFactory,
                 cache: BlobCache | None = None, on_version_created: list[VersionListener] | None = None):
        self._uow = uow
        self._reads = reads
        #: called inside the transaction that creates a version (e.g. to queue mail: transactional outbox)
        self.on_version_created: list[VersionListener] = list(on_version_created or [])
        self._clock = clock
        self._new_id = new_id
        self._cache = cache or BlobCache()

    async def _texts(self, source: UnitOfWork | PlanReads | None, household_id: str, hashes: Mapping[str, str],
                     sections: Iterable[str]) -> dict[str, str]:
        wanted = {key: hashes[key] for key in SECTION_KEYS if key in sections and key in hashes}
        found, missing = self._cache.get_many(household_id, wanted.values())
        if missing:
            store = self._reads if source is None else getattr(source, "plans", source)
            loaded = await store.blobs(household_id, missing)
            if len(loaded) != len(missing):
                raise NotFound("plan content is missing")
            self._cache.put_many(household_id, loaded)
            found.update(loaded)
        return {key: found[h] for key, h in wanted.items()}

    async def _snapshot(self, uow: UnitOfWork, actor: Actor, number: int) -> PlanSnapshot:
        allowed = readable_sections(actor).sections
        loaded = await uow.plans.version(actor.household_id, number)
        if loaded is None:
            raise NotFound(f"version {number} does not exist")
        info, hashes = loaded
        return PlanSnapshot(actor.household_id, info, await self._texts(uow, actor.household_id, hashes, allowed))

    async def _member_version(self, principal: Principal, household_id: str, number: int | None
                              ) -> tuple[Actor, int, VersionInfo, dict[str, str]]:
        """Authorise the caller and fetch a version's facts in one statement, before any plan content."""
        if principal.household_id != household_id:
            raise NotFound(NOT_FOUND)
        row = await self._reads.member_version(household_id, principal.betrokkene_id, number)
        if row is None:
            raise NotFound(NOT_FOUND)
        kind, role, current, info, hashes = row
        if info is None:
            raise NotFound(f"version {number} does not exist")
        return Actor(principal.betrokkene_id, household_id, Kind(kind), Role(role)), current, info, hashes

    async def _read(self, principal: Principal, household_id: str, number: int | None,
                    channel: Channel) -> PlanSnapshot:
        actor, _, info, hashes = await self._member_version(principal, household_id, number)
        allowed = readable_sections(actor).sections
        return PlanSnapshot(household_id, info, await self._texts(None, household_id, hashes, allowed))

    async def current(self, principal: Principal, household_id: str, *, channel: Channel = Channel.API
                      ) -> PlanSnapshot:
        """The current plan, limited to the sections the caller may read; logged as a read on `channel`."""
        return await self._read(principal, household_id, None, channel)

    async def version(self, principal: Principal, household_id: str, number: int, *,
                      channel: Channel = Channel.API) -> PlanSnapshot:
        """One historical version, limited to the sections the caller may read; logged on `channel`."""
        return await self._read(principal, household_id, number, channel)

    async def versions(self, principal: Principal, household_id: str, *, before: int | None = None,
                       limit: int = 50) -> tuple[list[VersionInfo], int]:
        """A page of versions, newest first, and the current version number."""
        async with self._uow() as uow:
            actor, current = await resolve_actor(uow, principal, household_id)
            allowed = readable_sections(actor).sections
            page = await uow.plans.versions(household_id, before=before, limit=limit)
            return [_visible_info(info, allowed) for info in page], current

    async def diff(self, principal: Principal, household_id: str, a: int, b: int, *,
                   channel: Channel = Channel.API) -> dict[str, list[dict]]:
        """The plan-aware diff from version a to b, over the sections the caller may read."""
        actor, _, _, old = await self._member_version(principal, household_id, a)
        _, _, _, new = await self._member_version(principal, household_id, b)
        allowed = readable_sections(actor).sections
        changed = [k for k in SECTION_KEYS if k in allowed and old.get(k) != new.get(k)]
        old_texts = await self._texts(None, household_id, old, changed)
        new_texts = await self._texts(None, household_id, new, changed)
        result = {}
        for key in changed:
            changes = diff_section(key, json.loads(old_texts[key]), json.loads(new_texts[key]))
            if changes:
                result[key] = changes
        return result

    async def change(self, principal: Principal, household_id: str, base: int | None,
                     changes: Mapping[str, Any]) -> tuple[PlanSnapshot, bool]:
        """Replace sections, based on version `base` (None: the current one).

        Lands as a new version when none of the touched sections changed since
        `base`; raises Conflict otherwise. Returns the new snapshot and whether
        a version was created (an identical change creates none).
        """
        normalised = validate_sections(changes)
        return await retry_on_conflict(lambda: self._change_once(principal, household_id, base, normalised))

    async def _change_once(self, principal: Principal, household_id: str, base: int | None,
                           normalised: dict[str, Any]) -> tuple[PlanSnapshot, bool]:
        async with self._uow(write=True) as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_write(actor, set(normalised))
            household = await uow.households.get(household_id, lock=True)
            current = household.current_version
            current_info, current_hashes = await uow.plans.version(household_id, current)
            base = current if base is None else base
            if base == current:
                base_hashes = current_hashes
            else:
                loaded = await uow.plans.version(household_id, base) if 0 < base < current else None
                base_hashes = loaded[1] if loaded else {}
            check_merge(base=base, current=current, touched=normalised,
                        changed=changed_since(base_hashes, current_hashes))
            sections = assign_item_ids(json.loads(json.dumps(normalised)), self._new_id)
            members = [b.id for b in await uow.betrokkenen.list(household_id)]
            check_identities_and_references(sections, members)
            texts = {key: canonical_json(value) for key, value in sections.items()}
            new_hashes = {key: blob_hash(text) for key, text in texts.items()}
            touched = [k for k in SECTION_KEYS if k in new_hashes and new_hashes[k] != current_hashes.get(k)]
            if not touched:
                return await self._snapshot(uow, actor, current), False
            old_texts = await self._texts(uow, household_id, current_hashes, touched)
            summary = summarise(diff_plans({k: json.loads(old_texts[k]) for k in touched},
                                           {k: sections[k] for k in touched}, tuple(touched)))
            info = VersionInfo(number=current + 1, author_id=actor.betrokkene_id, created_at=self._clock(),
                               summary=summary, changed_sections=tuple(touched), base_version=base)
            await uow.plans.add_blobs(household_id, {new_hashes[k]: texts[k] for k in touched})
            await uow.plans.add_version(household_id, info, {**current_hashes, **{k: new_hashes[k] for k in touched}})
            if not await uow.households.advance_version(household_id, current, info.number):
                raise TemporaryFailure("the plan moved on while saving")
            for listener in self.on_version_created:
                await listener(uow, actor, info)
            snapshot = await self._snapshot(uow, actor, info.number)
            await uow.commit()
            return snapshot, True

    async def adopt(self, principal: Principal, household_id: str, number: int, overleg: str | None) -> VersionInfo:
        """Mark a version vastgesteld (adopted at an overleg). Only regisseurs do this."""
        async with self._uow(write=True) as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_regisseur(actor, "adopt a plan version")
            loaded = await uow.plans.version(household_id, number)
            if loaded is None:
                raise NotFound(f"version {number} does not exist")
            if loaded[0].vastgesteld_at is not None:
                raise ValidationFailed.one("number", f"version {number} is already vastgesteld")
            await uow.plans.mark_vastgesteld(household_id, number, self._clock(), actor.betrokkene_id, overleg)
            info, _ = await uow.plans.version(household_id, number)
            await uow.commit()
            return info


async def create_first_version(uow: UnitOfWork, household_id: str, author_id: str | None, clock: Clock) -> None:
    """Version 1 of every new household: all sections empty."""
    texts = {key: canonical_json(value) for key, value in empty_plan().items()}
    hashes = {key: blob_hash(text) for key, text in texts.items()}
    await uow.plans.add_blobs(household_id, {hashes[k]: texts[k] for k in texts})
    await uow.plans.add_version(household_id, VersionInfo(
        number=1, author_id=author_id, created_at=clock(), summary="Plan aangemaakt",
        changed_sections=(), base_version=None), hashes)


def _visible_info(info: VersionInfo, allowed: frozenset[str]) -> VersionInfo:
    """A version's facts with the changed sections the caller may not see left out."""
    from dataclasses import replace

    visible = tuple(s for s in info.changed_sections if s in allowed)
    if visible == info.changed_sections:
        return info
    return replace(info, changed_sections=visible, summary="Gewijzigd: " + ", ".join(visible) if visible
                   else "Gewijzigd")
