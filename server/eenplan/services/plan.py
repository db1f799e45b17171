"""Plan use cases: read the current plan or a version, list versions, diff (changes and vaststellen: plan_versions).

Every use case decides access with `domain.access.decide` before it reads
plan content, cuts the content to that decision, and writes the access log
(reads by group commit before answering; changes inside their transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from ..domain.access import Access, Actor, Level, Principal, decide
from ..domain.audit import AccessEvent, Channel, Event, actor_fields
from ..domain.betrokkene import Kind, Role
from ..domain.diff import Change, diff_section
from ..domain.errors import NotFound
from ..domain.ports import AccessLog, Clock, IdFactory, MemberAccess, PlanReads, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from ..domain.versions import VersionInfo
from .common import NOT_FOUND
from .plan_content import (
    CACHE_BYTES,
    BlobCache,
    Lru,
    PlanSnapshot,
    blob_hash,
    canonical_json,
    create_first_version,
    scoped_texts,
    snapshot_bytes,
    visible_info,
)
from .plan_versions import PlanVersions, VersionListener

__all__ = ["PlanService", "PlanSnapshot", "VersionListener", "canonical_json", "create_first_version"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: Content leaving the server by mail is a disclosure; a PDF is an export (NEN 7513 event types).
EVENT_BY_CHANNEL = {Channel.MAIL: Event.DISCLOSE, Channel.PDF: Event.EXPORT}


class _View(NamedTuple):
    snapshot: PlanSnapshot
    sections: tuple[str, ...]  # what the access log records of reading it
    ground: str
    emergency: bool
    detail: str


#: The policy is pure, so equal inputs (actor, grants in force, today) may share one decision.
_decide = lru_cache(maxsize=4096)(decide)
#: decisions remembered by the very member_access answer they came from (see `_member_version`)
DECIDED_KEPT = 4096
#: the byte budget of views remembered by the very decision and version they came from (see `_view`)
SHOWN_BYTES = CACHE_BYTES // 8


class PlanService(PlanVersions):
    """Everything done with a household's plan: the reads here, new versions and vaststellen in `PlanVersions`."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reads: PlanReads,
        access_log: AccessLog,
        clock: Clock,
        new_id: IdFactory,
        cache: BlobCache | None = None,
        on_version_created: list[VersionListener] | None = None,
    ):
        self._uow = uow
        self._reads = reads
        self._log = access_log
        self._clock = clock
        self._new_id = new_id
        self._cache = cache or BlobCache()
        self._views: Lru[tuple[object, ...], _View] = Lru(CACHE_BYTES, lambda view: snapshot_bytes(view.snapshot))
        # by identity (the objects themselves are kept, so an id is never reused while remembered): the hot read
        # gets the same answer object back while nothing changed, and skips hashing the actor and decision
        self._decided: dict[int, tuple[MemberAccess, Principal, date, Access]] = {}
        self._shown: Lru[int, tuple[Access, VersionInfo, _View]] = Lru(
            SHOWN_BYTES, lambda known: snapshot_bytes(known[2].snapshot)
        )
        self._day: tuple[date, datetime, datetime] | None = None  # (today, its start, the next day's start)
        #: called inside the transaction that creates a version (e.g. to queue mail: transactional outbox)
        self.on_version_created: list[VersionListener] = list(on_version_created or [])

    def today(self) -> date:
        """Today's date where the households live; consent expiry and ages follow it."""
        return self._day_of(self._clock())

    def _day_of(self, now: datetime) -> date:
        """The date where the households live at the clock's time `now`."""
        if self._day is None or not self._day[1] <= now < self._day[2]:  # a new day, or a moved clock
            day = now.astimezone(AMSTERDAM).date()
            self._day = (  # the bounds in UTC: comparing with the clock's UTC time needs no zone lookup (~15 µs)
                day,
                datetime.combine(day, time(), AMSTERDAM).astimezone(UTC),
                datetime.combine(day + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC),
            )
        return self._day[0]

    async def _texts(
        self, source: Any, household_id: str, hashes: Mapping[str, str], sections: Iterable[str]
    ) -> dict[str, str]:
        wanted = {key: hashes[key] for key in SECTION_KEYS if key in sections and key in hashes}
        found, missing = self._cache.get_many(household_id, wanted.values())
        if missing:
            loaded = await source.blobs(household_id, missing)
            if len(loaded) != len(missing):
                raise NotFound("plan content is missing")
            self._cache.put_many(household_id, loaded)
            found.update(loaded)
        return {key: found[h] for key, h in wanted.items()}

    async def _member_version(
        self, principal: Principal, household_id: str, number: int | None, now: datetime | None = None
    ) -> tuple[Access, int, VersionInfo, Mapping[str, str]]:
        """Decide the caller's access (on the day of `now`, default the clock's) and fetch a version's facts,
        before any plan content."""
        if principal.household_id != household_id:
            raise NotFound(NOT_FOUND)
        today = self._day_of(self._clock() if now is None else now)
        row = await self._reads.member_access(household_id, principal.betrokkene_id, number, today)
        if row is None:
            raise NotFound(NOT_FOUND)
        if row.info is None or row.hashes is None:
            raise NotFound(f"version {number} does not exist")
        known = self._decided.get(id(row))  # the very same (immutable) answer, caller and day: the same decision
        if known is not None and known[0] is row and known[2] == today and known[1] in (principal,):
            return known[3], row.current, row.info, row.hashes
        actor = Actor(principal.betrokkene_id, household_id, Kind(row.kind), Role(row.role), principal.issued_by)
        access = _decide(actor, row.grants, today)
        if len(self._decided) >= DECIDED_KEPT:
            self._decided.clear()
        self._decided[id(row)] = (row, principal, today, access)
        return access, row.current, row.info, row.hashes

    async def _view(self, access: Access, info: VersionInfo, hashes: Mapping[str, str]) -> _View:
        """A version as this decision shows it, and what reading it records; cached, since both are immutable."""
        known = self._shown.get(id(access))  # the very same decision and version as last time: no key to hash
        if known is not None and known[0] is access and known[1] is info:
            return known[2]
        key = (access.view_key, info)
        view = self._views.get(key)
        if view is None:
            household_id = access.actor.household_id
            texts = scoped_texts(access, await self._texts(self._reads, household_id, hashes, access.readable))
            sections = tuple(texts)
            view = _View(
                PlanSnapshot(household_id, visible_info(info, access), MappingProxyType(texts)),
                sections,
                access.ground_for(sections),
                access.emergency_for(sections),
                f"versie {info.number}",
            )
            self._views.put(key, view)
        self._shown.put(id(access), (access, info, view))
        return view

    def _event(
        self,
        event: Event,
        access: Access,
        sections: Iterable[str],
        channel: Channel,
        detail: str,
        basis: Iterable[str] | None = None,
    ) -> AccessEvent:
        sections = tuple(sections)
        basis = sections if basis is None else tuple(basis)
        actor_id, on_behalf_of = actor_fields(access.actor)
        return AccessEvent(
            event=event,
            household_id=access.actor.household_id,
            actor_id=actor_id,
            sections=sections,
            channel=channel,
            ground=access.ground_for(basis),
            at=self._clock(),
            on_behalf_of=on_behalf_of,
            emergency=access.emergency_for(basis),
            detail=detail,
        )

    def access_event(
        self,
        access: Access,
        event: Event,
        sections: Iterable[str],
        channel: Channel,
        detail: str,
        *,
        basis: Iterable[str] | None = None,
    ) -> AccessEvent:
        """An access-log entry for what another service showed under a decision it holds; `basis` names the
        sections whose grounds the disclosure rests on (default: `sections`). Append it in the service's own
        transaction (`uow.access_log.append`) or `record` it."""
        return self._event(event, access, sections, channel, detail, basis)

    async def record(self, events: list[AccessEvent]) -> None:
        """Log reads another service answered outside a transaction (group commit, before answering)."""
        if events:
            await self._log.record(events)

    async def access_in(self, uow: UnitOfWork, actor: Actor) -> Access:
        """The actor's decision inside an open unit of work (a write use case that answers with content)."""
        today = self.today()
        return decide(actor, await uow.consents.grants(actor.household_id, actor.betrokkene_id, today), today)

    async def _read(
        self, principal: Principal, household_id: str, number: int | None, channel: Channel
    ) -> PlanSnapshot:
        now = self._clock()  # one reading: the day decided on and the time logged
        access, _, info, hashes = await self._member_version(principal, household_id, number, now)
        view = await self._view(access, info, hashes)
        actor_id, on_behalf_of = actor_fields(principal)
        await self._log.record(
            [
                AccessEvent(
                    EVENT_BY_CHANNEL.get(channel, Event.READ),
                    household_id,
                    actor_id,
                    view.sections,
                    channel,
                    view.ground,
                    now,
                    on_behalf_of,
                    view.emergency,
                    view.detail,
                )
            ]
        )
        return view.snapshot

    async def current(self, principal: Principal, household_id: str, *, channel: Channel = Channel.API) -> PlanSnapshot:
        """The current plan, limited to what the caller may read; logged as a read on `channel`."""
        return await self._read(principal, household_id, None, channel)

    async def version(
        self, principal: Principal, household_id: str, number: int, *, channel: Channel = Channel.API
    ) -> PlanSnapshot:
        """One historical version, limited to what the caller may read; logged on `channel`."""
        return await self._read(principal, household_id, number, channel)

    async def export_versions(
        self,
        principal: Principal,
        household_id: str,
        numbers: Iterable[int],
        each: Callable[[PlanSnapshot], None],
        *,
        channel: Channel = Channel.WEB,
    ) -> None:
        """Versions `numbers`, each limited to what the caller may read and handed to `each` as it comes (a
        download holds one at a time), logged once as an export of their union ("inzage: versies 1–N"): a
        download is not a visit, so "since your last visit" does not count it."""
        numbers = sorted(numbers)
        if not numbers:
            return
        access: Access | None = None
        shown: set[str] = set()
        for number in numbers:
            access, _, info, hashes = await self._member_version(principal, household_id, number)
            view = await self._view(access, info, hashes)
            shown.update(view.sections)
            each(view.snapshot)
        assert access is not None
        union = [key for key in SECTION_KEYS if key in shown]
        span = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
        await self._log.record([self._event(Event.EXPORT, access, union, channel, f"inzage: versies {span}")])

    async def access(self, principal: Principal, household_id: str) -> Access:
        """The caller's current access decision (for other services: exports, mail, invites)."""
        access, _, _, _ = await self._member_version(principal, household_id, None)
        return access

    async def view_hash(self, principal: Principal, household_id: str, number: int) -> str:
        """A hash of what the caller would be shown of version `number` (its scoped sections), for deciding
        whether a mail would tell them anything new. Nothing of the content leaves, so nothing is logged;
        the mail that does show it reads it through `version`, which logs the disclosure."""
        access, _, info, hashes = await self._member_version(principal, household_id, number)
        view = await self._view(access, info, hashes)
        return blob_hash(canonical_json(dict(view.snapshot.sections)))

    async def section(
        self, principal: Principal, household_id: str, key: str, detail: str, *, channel: Channel = Channel.API
    ) -> tuple[int, str | None]:
        """One section of the current plan as the caller may read it (None: nothing of it), logged as a read
        of that section alone: for services that use or show one part of the plan, so the log says no more
        than they read. Returns the current version number and the (scoped) section text."""
        access, _, info, hashes = await self._member_version(principal, household_id, None)
        if access.level(key) is Level.NONE or key not in hashes:
            return info.number, None
        text = scoped_texts(access, await self._texts(self._reads, household_id, hashes, [key])).get(key)
        await self._log.record([self._event(Event.READ, access, [key], channel, detail)])
        return info.number, text

    async def log_access(
        self,
        principal: Principal,
        household_id: str,
        event: Event,
        sections: Iterable[str],
        channel: Channel,
        detail: str,
    ) -> None:
        """Record an access another service made for this caller (an export, an invite, a disclosure)."""
        access = await self.access(principal, household_id)
        await self._log.record([self._event(event, access, sections, channel, detail)])

    async def versions(
        self, principal: Principal, household_id: str, *, before: int | None = None, limit: int = 50
    ) -> tuple[list[VersionInfo], int]:
        """A page of versions, newest first, and the current version number."""
        access, current, _, _ = await self._member_version(principal, household_id, None)
        async with self._uow() as uow:
            page = await uow.plans.versions(household_id, before=before, limit=limit)
        return [visible_info(info, access) for info in page], current

    async def diff(
        self, principal: Principal, household_id: str, a: int, b: int, *, channel: Channel = Channel.API
    ) -> dict[str, list[Change]]:
        """The plan-aware diff from version a to b, over exactly what the caller may read of both."""
        return (await self.diff_in_context(principal, household_id, a, b, channel=channel))[0]

    async def diff_in_context(
        self, principal: Principal, household_id: str, a: int, b: int, *, channel: Channel = Channel.API
    ) -> tuple[dict[str, list[Change]], dict[str, Any], dict[str, Any]]:
        """`diff`, with the caller's scoped view of the changed sections of both versions (parsed), so a
        page can name what the changes refer to by id (a goal's title); logged exactly as `diff`."""
        access, _, _, old = await self._member_version(principal, household_id, a)
        other = await self._reads.member_version(household_id, principal.betrokkene_id, b)  # access decided above
        if other is None or other[3] is None or other[4] is None:
            raise NotFound(f"version {b} does not exist" if other else NOT_FOUND)
        new = other[4]
        raw = [k for k in access.readable if old.get(k) != new.get(k)]
        old_texts = scoped_texts(access, await self._texts(self._reads, household_id, old, raw))
        new_texts = scoped_texts(access, await self._texts(self._reads, household_id, new, raw))
        # only what differs in the caller's view was shown (a change outside their part shows nothing)
        changed = [k for k in raw if k in old_texts and k in new_texts and old_texts[k] != new_texts[k]]
        result: dict[str, list[Change]] = {}
        before = {key: json.loads(old_texts[key]) for key in changed}
        after = {key: json.loads(new_texts[key]) for key in changed}
        for key in changed:
            changes = diff_section(key, before[key], after[key])
            if changes:
                result[key] = changes
        await self._log.record(
            [self._event(EVENT_BY_CHANNEL.get(channel, Event.READ), access, changed, channel, f"diff {a}-{b}")]
        )
        return result, before, after
