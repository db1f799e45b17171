"""Item-level plan changes (issue 13): one goal, one action or one afspraak at a time, and the editor's view.

Each operation is one new plan version written by `PlanService.change` (one transaction: the version, its
access-log entries and the mail fan-out of any version). Before it, a read-only transaction decides access
(membership, the role where the editor asks for it, the policy's write level on the section) before any plan
content is read, and reads the section as it was in the caller's base version and as it is now, so the
operation can land on a newer version when someone else changed other items (`domain.plan_items.land`).
The same item changed since: `ItemChanged` with both versions; that disclosure of the current item is logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..domain.access import Access, Principal, require_write
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.errors import Conflict, FieldProblem, PreconditionFailed, ValidationFailed
from ..domain.names import by_name
from ..domain.plan_items import ItemChanged, ItemKind, ItemOp, added_before, find, land
from ..domain.ports import IdFactory, UnitOfWorkFactory
from ..domain.versions import VersionInfo
from .common import Need, authorised, require_need
from .plan import PlanService, PlanSnapshot
from .plan_content import scoped_texts, visible_info
from .plan_versions import WRITE_AS_ONESELF

#: how often an operation is landed again when another version was saved between its read and its write
TRIES = 5


@dataclass(frozen=True)
class ItemResult:
    """What one operation made: the version now (as the caller may see it), the item (None: removed), its id,
    and whether it landed on a version newer than the one it was based on (someone else's change kept)."""

    info: VersionInfo
    item: dict[str, Any] | None
    item_id: str
    merged: bool
    snapshot: PlanSnapshot


@dataclass(frozen=True)
class _Read:
    access: Access
    current: int
    base: list[dict[str, Any]] | None  # the section in the base version; None when the base is the current one
    now: list[dict[str, Any]]
    info: VersionInfo  # the current version's facts
    now_text: str  # the section now, as stored


#: the household's own people (a krachten-en-zorgen row is about one of them, or the household as a whole)
HOUSEHOLD_KINDS = frozenset({Kind.KLANT, Kind.NETWERK})


@dataclass(frozen=True)
class NewItemIds:
    """Fresh ids for the editor's add forms, one per form, made when the page is rendered: the form sends its
    id along, so the same form sent twice (a double click, a resubmit) adds its item once (`added_before`)."""

    doel: str
    afspraak: str
    acties: Mapping[str, str]  # goal id → the id of a new action of that goal


@dataclass(frozen=True)
class EditorView:
    """The plan as the regisseur edits it: the current version, every section (parsed), the active
    betrokkenen to choose `wie` from (by name), the names of everyone referred to, and the add forms' ids."""

    snapshot: PlanSnapshot
    sections: Mapping[str, Any]
    people: tuple[Betrokkene, ...]
    names: Mapping[str, str]
    new_ids: NewItemIds

    @property
    def about_choices(self) -> tuple[tuple[str, str], ...]:
        """Whom a row of krachten en zorgen may be about, as (id, name): the household's own people — klanten
        and netwerk (domain §"Krachten en zorgen": per member), not the professionals who help them — and
        anyone a row already names (so saving the form never changes whom an existing row is about)."""
        rows = self.sections.get("krachten_zorgen") or []
        named = {r.get("betrokkene_id") for r in rows if isinstance(r, dict)}
        return tuple((b.id, b.name) for b in self.people if b.kind in HOUSEHOLD_KINDS or b.id in named)


class PlanItemService:
    """Add, change and remove one goal, action or afspraak; the plan editor's view (regisseurs)."""

    def __init__(self, uow: UnitOfWorkFactory, plan: PlanService, new_id: IdFactory) -> None:
        self._uow = uow
        self._plan = plan
        self._new_id = new_id

    async def apply(
        self,
        principal: Principal,
        household_id: str,
        base: int,
        op: ItemOp,
        *,
        channel: Channel = Channel.API,
        editor: bool = False,
    ) -> ItemResult:
        """Apply one item operation made on version `base`, as a new version. `editor`: the plan editor's
        rule (only a regisseur), else the policy's write level on the section, as for PATCH /plan.
        Raises ItemChanged when the item changed since `base`, PreconditionFailed for an unknown base.
        An add naming an id the plan already has with the same content is a repeat: it writes nothing (no
        version, no mail) and answers the item as it stands now; with other content ItemIdTaken (409)."""
        merged = False
        for attempt in range(TRIES):
            read = await self._read(principal, household_id, base, op, editor)
            if added_before(read.now, op) is not None:
                return await self._repeated(read, op, channel)
            try:
                applied = land(read.base, read.now, op, read.current, self._new_id)
            except ItemChanged:
                await self._log_shown(read.access, op.section, channel, read.current)
                raise
            merged = merged or read.base is not None
            try:
                snap, _created = await self._plan.change(
                    principal, household_id, read.current, {op.section: applied.section}
                )
            except Conflict:  # someone saved between the read and the write: land it again on theirs
                if attempt == TRIES - 1:
                    raise
                continue
            except ValidationFailed as err:
                raise _item_named(err, applied.section, op, applied.item_id) from None
            shown = json.loads(snap.sections.get(op.section, "null")) or []
            item = find(shown, _with_id(op, applied.item_id))
            return ItemResult(snap.info, item, applied.item_id, merged, snap)
        raise AssertionError("unreachable")

    async def _read(self, principal: Principal, household_id: str, base: int, op: ItemOp, editor: bool) -> _Read:
        """Decide access, then read the section in the base version and now (read-only). The write's own rule
        (a credential of the caller's own: `PlanVersions.change`) is asked here already, so a repeated add, which
        writes nothing, is refused exactly where the add itself would be."""
        need = Need.REGISSEUR if editor else Need.MEMBER
        async with authorised(self._uow, principal, household_id, need=need, what="edit the plan") as caller:
            require_need(caller, Need.PERSONAL, WRITE_AS_ONESELF)
            access = await self._plan.access_in(caller.uow, caller.actor)
            require_write(access, {op.section})
            current = caller.current_version
            if not 0 < base <= current:
                raise PreconditionFailed(f"If-Match names version {base}; the current version is {current}")
            versions = {current} | {base}
            hashes: dict[int, str] = {}
            infos: dict[int, VersionInfo] = {}
            for number in versions:
                loaded = await caller.uow.plans.version(household_id, number)
                if loaded is None:
                    raise PreconditionFailed(f"version {number} does not exist")
                infos[number], hashes[number] = loaded[0], loaded[1][op.section]
            texts = await caller.uow.plans.blobs(household_id, set(hashes.values()))
        sections = {number: json.loads(texts[h]) or [] for number, h in hashes.items()}
        base_section = None if base == current else sections[base]
        return _Read(access, current, base_section, sections[current], infos[current], texts[hashes[current]])

    async def _repeated(self, read: _Read, op: ItemOp, channel: Channel) -> ItemResult:
        """The answer to a repeated add: the item as the caller may see it in the current version, which the
        first add made (or a later one); nothing is written, and showing the item is logged as a read."""
        item_id = str(op.fields["id"])
        texts = scoped_texts(read.access, {op.section: read.now_text})
        shown = json.loads(texts.get(op.section, "null")) or []
        info = visible_info(read.info, read.access)
        await self._log_shown(read.access, op.section, channel, read.current)
        snapshot = PlanSnapshot(read.access.actor.household_id, info, MappingProxyType(texts))
        return ItemResult(info, find(shown, _with_id(op, item_id)), item_id, False, snapshot)

    async def _log_shown(self, access: Access, section: str, channel: Channel, current: int) -> None:
        """A conflict (or a repeated add) shows the caller the item as it is now: a read of that section."""
        # not "versie N" (a read of the whole version: "since your last visit" counts those), only what was shown
        shown = f"bewerken: {section}, versie {current}"
        await self._plan.record([self._plan.access_event(access, Event.READ, [section], channel, shown)])

    async def editor(self, principal: Principal, household_id: str) -> EditorView:
        """The editor's view of the current plan, for a regisseur only (Forbidden otherwise, before any
        content); the plan read is logged on channel web with the sections shown."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="edit the plan") as c:
            everyone = await c.uow.betrokkenen.list(household_id)
        snap = await self._plan.current(principal, household_id, channel=Channel.WEB)
        sections = {key: json.loads(text) for key, text in snap.sections.items()}
        people = tuple(b for b in by_name(everyone) if b.active)
        goals = [g["id"] for g in sections.get("doelen") or [] if isinstance(g, dict) and g.get("id")]
        fresh = NewItemIds(self._new_id(), self._new_id(), {gid: self._new_id() for gid in goals})
        return EditorView(snap, sections, people, {b.id: b.name for b in everyone}, fresh)

    async def change_section(
        self, principal: Principal, household_id: str, base: int, key: str, value: Any
    ) -> tuple[PlanSnapshot, bool]:
        """Replace one whole section from the editor (a text section's form), for a regisseur only; Conflict
        (with the section's current content, logged as shown) when it changed since `base`."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="edit the plan"):
            pass
        try:
            return await self._plan.change(principal, household_id, base, {key: value})
        except Conflict as err:  # the section as it is now, read (and logged) alone
            number, text = await self._plan.section(principal, household_id, key, "bewerken", channel=Channel.WEB)
            err.extra["current"] = json.loads(text) if text is not None else None
            err.extra["current_version"] = number
            raise


def _with_id(op: ItemOp, item_id: str) -> ItemOp:
    if op.kind is ItemKind.DOEL:
        return ItemOp(op.kind, op.op, item_id, None, op.fields)
    return ItemOp(op.kind, op.op, op.doel_id, item_id, op.fields)


def _item_path(section: list[dict[str, Any]], op: ItemOp, item_id: str) -> str | None:
    """Where the item sits in its section, as validation names paths (`doelen[1].acties[0]`)."""
    if op.kind is ItemKind.AFSPRAAK:
        i = _index(section, item_id)
        return None if i is None else f"afspraken[{i}]"
    gi = _index(section, op.doel_id if op.kind is ItemKind.ACTIE else item_id)
    if gi is None:
        return None
    if op.kind is ItemKind.DOEL:
        return f"doelen[{gi}]"
    ai = _index(section[gi].get("acties", []), item_id)
    return None if ai is None else f"doelen[{gi}].acties[{ai}]"


def _index(items: list[dict[str, Any]], item_id: str | None) -> int | None:
    return next((i for i, x in enumerate(items) if x.get("id") == item_id), None)


def _item_named(err: ValidationFailed, section: list[dict[str, Any]], op: ItemOp, item_id: str) -> ValidationFailed:
    """The section's validation problems named by the item's own fields where they are about the item."""
    prefix = _item_path(section, op, item_id)
    if prefix is None:
        return err
    problems = [
        FieldProblem(p.field.removeprefix(prefix + "."), p.problem) if p.field.startswith(prefix + ".") else p
        for p in err.problems
    ]
    return ValidationFailed(problems)
