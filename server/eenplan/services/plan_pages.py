"""The readable plan for the household's pages: "Ons plan", "Wat is er veranderd" and the version history.

Every view is decided by the one policy (through `PlanService`) before any plan content is read, holds only
what the caller may read, and is access-logged on channel `web` with exactly the sections it shows. What
this adds: names for ids, which sections are left out and whose consent would share them, and which version
the caller last saw on the web (from their own entries in the access log, the record of what they were shown).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.access import Level, Principal
from ..domain.audit import Channel, Event, actor_fields
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.diff import Change
from ..domain.errors import NotFound, StorageUnavailable, TemporaryFailure, ValidationFailed
from ..domain.names import ids_by_name
from ..domain.ports import PageReads, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from ..domain.versions import VersionInfo
from .common import NOT_FOUND, known_household
from .consent_roster import ConsentRoster
from .plan import PlanService, PlanSnapshot

#: how a web read of a whole plan version is logged (`PlanService`'s detail "versie N")
READ_PREFIX = "versie "
#: how many of one person's latest web reads are looked through for an earlier version
SEEN_LOOKBACK = 200


@dataclass(frozen=True)
class LeftOut:
    """A section the caller does not see whole: absent (`partial` False) or only their own part of it.
    `deciders` are the names of the klanten whose consent would share it (empty: no one name fits)."""

    key: str
    partial: bool
    deciders: tuple[str, ...]


@dataclass(frozen=True)
class PlanPage:
    """The caller's view of the current plan, ready to be shown."""

    household_name: str
    info: VersionInfo
    sections: Mapping[str, Any]  # parsed, scoped, in plan order; only the sections shown
    names: Mapping[str, str]  # betrokkene id → name
    left_out: tuple[LeftOut, ...]
    seen_before: int | None  # the older version the caller read on their last web visit, if any
    seen_current: bool  # their last web visit (before this one) already showed this version
    snapshot: PlanSnapshot  # the shared, immutable view it was made from (what a rendering may be cached by)
    me: str = ""  # the caller's betrokkene id (the page says "U" for them)


@dataclass(frozen=True)
class ChangesPage:
    """The scoped changes from version `van` to `tot`, with both views of the changed sections."""

    household_name: str
    van: int
    tot: int
    current: int
    changes: Mapping[str, list[Change]]
    old: Mapping[str, Any]
    new: Mapping[str, Any]
    names: Mapping[str, str]
    since_visit: bool  # `van` is the version the caller last saw (not chosen)
    seen_before: int | None
    seen_current: bool  # the caller's last web read of the plan was of the current version: nothing new
    own: tuple[str, ...] = ()  # sections the caller sees only their own part of (what leaves it is not removed)


@dataclass(frozen=True)
class VersionsPage:
    """A page of the version history (newest first), as the caller may see it."""

    household_name: str
    versions: tuple[VersionInfo, ...]
    current: int
    names: Mapping[str, str]
    older: int | None  # `voor` for the next page, when there are older versions


class PlanPageService:
    """The household's plan pages: readable views over `PlanService`'s scoped, logged reads."""

    def __init__(
        self, uow: UnitOfWorkFactory, plan: PlanService, roster: ConsentRoster, reads: PageReads | None = None
    ) -> None:
        self._uow = uow
        self._plan = plan
        self._roster = roster
        self._reads = reads  # the hot path for the plan page (no unit of work); None: through one

    async def _people(self, uow: UnitOfWork, household_id: str) -> tuple[str, list[Betrokkene]]:
        household = await known_household(uow, household_id)
        return household.name, await uow.betrokkenen.list(household_id)

    @staticmethod
    async def _web_reads(uow: UnitOfWork, principal: Principal, household_id: str) -> list[str]:
        """The caller's own latest web reads of a whole plan version (their access-log details, newest
        first): what they were shown, not what was sent to them."""
        actor_id, on_behalf_of = actor_fields(principal)
        if on_behalf_of is not None:  # someone else's token reads for them: that is not their visit
            return []
        return await uow.access_log.actor_details(
            household_id, actor_id, Event.READ.value, Channel.WEB.value, READ_PREFIX, limit=SEEN_LOOKBACK
        )

    async def _hot_people_and_reads(
        self, principal: Principal, household_id: str
    ) -> tuple[str, list[Betrokkene], list[str]]:
        """`_people` and `_web_reads` on the hot path (the same answers, no unit of work)."""
        assert self._reads is not None
        found = await self._reads.people(household_id)
        if found is None:
            raise NotFound(NOT_FOUND)
        name, everyone = found[0], [p for p in found[1] if p.active]  # as `betrokkenen.list`: the active ones
        actor_id, on_behalf_of = actor_fields(principal)
        if on_behalf_of is not None:
            return name, everyone, []
        reads = await self._reads.web_reads(household_id, actor_id, Event.READ.value, Channel.WEB.value, READ_PREFIX)
        return name, everyone, reads

    def _deciders(self, people: list[Betrokkene], names: Mapping[str, str]) -> tuple[str, ...]:
        """The klanten whose consent would share a section of the whole household (the age policy), in name
        order (`domain.names`)."""
        required = self._roster.rule([p for p in people if p.active], None)
        return tuple(names[i] for i in ids_by_name(required, names) if i in names)

    async def plan(self, principal: Principal, household_id: str) -> PlanPage:
        """The current plan as the caller may read it, logged on `web` with the sections shown."""
        access = await self._plan.access(principal, household_id)  # 404 for a stranger, before anything else

        async def people_and_reads() -> tuple[str, list[Betrokkene], list[str]]:
            if self._reads is not None:
                try:
                    return await self._hot_people_and_reads(principal, household_id)
                except StorageUnavailable:
                    raise
                except TemporaryFailure:
                    pass  # the hot path met a lock it may not wait for: the unit of work below waits instead
            async with self._uow(waits=True) as uow:  # may wait for the lock, off the event loop
                name, people = await self._people(uow, household_id)
                return name, people, await self._web_reads(uow, principal, household_id)

        # the earlier reads are looked up before this visit's read is logged: the last visit is the one before
        name, people, reads = await people_and_reads()
        snapshot = await self._plan.current(principal, household_id, channel=Channel.WEB)
        seen = seen_before(reads, snapshot.info.number)
        seen_now = last_seen(reads) == snapshot.info.number
        names = {p.id: p.name for p in people}
        sections = {k: json.loads(snapshot.sections[k]) for k in SECTION_KEYS if k in snapshot.sections}
        deciders: tuple[str, ...] | None = None
        left_out = []
        for key in SECTION_KEYS:
            partial = key in sections and access.level(key) is Level.OWN
            if key not in sections or partial:
                if deciders is None:
                    deciders = self._deciders(people, names) if access.actor.kind is not Kind.KLANT else ()
                left_out.append(LeftOut(key, partial, deciders))
        return PlanPage(
            name, snapshot.info, sections, names, tuple(left_out), seen, seen_now, snapshot, principal.betrokkene_id
        )

    async def changes(self, principal: Principal, household_id: str, van: int | None, tot: int | None) -> ChangesPage:
        """The changes between two versions (default: from the version the caller last saw on the web,
        or else the one before, to the current one), over what the caller may read; logged as `diff`."""
        _, current = await self._plan.versions(principal, household_id, limit=1)  # 404 for a stranger first
        access = await self._plan.access(principal, household_id)
        for field, number in (("van", van), ("tot", tot)):
            if number is not None and number > current:
                raise ValidationFailed.one(field, f"there are {current} versions")
        if van is not None and tot is not None and van > tot:
            raise ValidationFailed.one("van", "must not be after tot")
        async with self._uow() as uow:
            name, people = await self._people(uow, household_id)
            reads = await self._web_reads(uow, principal, household_id)
        seen = seen_before(reads, current)
        since_visit = van is None and tot is None and seen is not None
        end = current if tot is None else tot
        start = (seen if since_visit and seen is not None else max(1, end - 1)) if van is None else van
        changes, old, new = await self._plan.diff_in_context(principal, household_id, start, end, channel=Channel.WEB)
        return ChangesPage(
            name,
            start,
            end,
            current,
            changes,
            old,
            new,
            {p.id: p.name for p in people},
            since_visit,
            seen,
            last_seen(reads) == current,
            tuple(k for k in SECTION_KEYS if access.level(k) is Level.OWN),
        )

    async def versions(self, principal: Principal, household_id: str, before: int | None) -> VersionsPage:
        """A page of versions, newest first, with who made them (version facts only: no plan content)."""
        page, current = await self._plan.versions(principal, household_id, before=before, limit=PAGE_SIZE + 1)
        async with self._uow() as uow:
            name, people = await self._people(uow, household_id)
        shown = tuple(page[:PAGE_SIZE])
        older = shown[-1].number if len(page) > PAGE_SIZE else None
        return VersionsPage(name, shown, current, {p.id: p.name for p in people}, older)


#: versions per page of the history
PAGE_SIZE = 50


def last_seen(details: list[str]) -> int | None:
    """The version of the newest web read logged as "versie N" (details newest first): the last visit."""
    for detail in details:
        number = detail.removeprefix(READ_PREFIX)
        if number.isdigit():
            return int(number)
    return None


def seen_before(details: list[str], current: int) -> int | None:
    """The version the caller read on their last web visit, when it is older than `current` (else None: they
    never read the plan, or they read the current version already and nothing changed since)."""
    last = last_seen(details)
    return last if last is not None and last < current else None
