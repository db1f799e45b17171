"""What an access ground stands for: the ground strings of `Access.grounds` and the access log, resolved.

`domain.access.decide` names the ground of each section's level ("klant", "standaard", "rol:<role>",
"toestemming:<id>", "overmacht:<id>", "escalatie:<case id>"); the access log stores the grounds of an
entry comma-joined ("geen" when nothing was reached). People read none of these: the pages show who gave
consent, for what and until when, who decided an overmacht and until when, which escalation step. This
module turns the strings into typed `GroundView`s with one batched lookup per household (every consent,
overmacht record and case of the household once, never one query per log row); `web/pages/ground_words.py`
puts them into words.

Call `resolve_grounds` inside the caller's transaction, after the caller was authorised to see what the
grounds are shown with (the matrix, the access log): a consent's purpose is the household's own record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ..domain.betrokkene import Betrokkene
from ..domain.consent import ConsentMethod
from ..domain.ports import UnitOfWork


class GroundKind(StrEnum):
    """What an access rests on."""

    KLANT = "klant"  # the plan is about the caller: the whole plan
    STANDAARD = "standaard"  # everyone's default: algemeen and their own actions and agreements
    ROL = "rol"  # a regisseur's role: the whole plan, to read and write
    TOESTEMMING = "toestemming"  # a consent the klanten gave
    OVERMACHT = "overmacht"  # a professional's decision to share without consent (emergency access)
    ESCALATIE = "escalatie"  # a stagnation case escalated to the gemeentelijk aanspreekpunt
    GEEN = "geen"  # nothing of the plan was reached
    ONBEKEND = "onbekend"  # a record that no longer exists (or a ground string not known here)


@dataclass(frozen=True)
class GivenBy:
    """One klant's part in a consent: who, and how it was recorded (a paper form by a regisseur, say)."""

    betrokkene_id: str
    name: str
    method: ConsentMethod | None = None
    #: the regisseur who recorded a signed paper form on the klant's behalf (None: the klant answered)
    recorded_by: str | None = None
    recorded_by_name: str | None = None
    form_date: date | None = None
    form_reference: str | None = None
    #: an oral urgent consent whose written confirmation has not come yet
    confirmation_due: bool = False


@dataclass(frozen=True)
class GroundView:
    """One ground, resolved: its kind and what a person needs to know about the record behind it."""

    kind: GroundKind
    raw: str
    record_id: str | None = None
    role: str | None = None  # ROL: the role's value ("procesregisseur")
    purpose: str | None = None  # TOESTEMMING
    until: date | None = None  # TOESTEMMING, OVERMACHT: the last day it holds
    given_by: tuple[GivenBy, ...] = ()  # TOESTEMMING: the klanten who approved
    decided_by: str | None = None  # OVERMACHT: the professional's name
    step: int | None = None  # ESCALATIE: the stagnation step (4: the aanspreekpunt)

    @property
    def emergency(self) -> bool:
        """Whether this ground is emergency access (overmacht), to highlight."""
        return self.kind is GroundKind.OVERMACHT


def split_ground(ground: str) -> tuple[str, ...]:
    """The single grounds of a stored ground (comma-joined in the access log), without 'geen' and blanks."""
    return tuple(g for g in (part.strip() for part in ground.split(",")) if g and g != GroundKind.GEEN.value)


def _kind_and_id(one: str) -> tuple[str, str | None]:
    kind, sep, rest = one.partition(":")
    return kind, (rest if sep else None)


@dataclass(frozen=True)
class _Records:
    names: Mapping[str, str]
    consents: Mapping[str, GroundView]
    overmacht: Mapping[str, GroundView]
    steps: Mapping[str, int]


def _name(names: Mapping[str, str], betrokkene_id: str | None) -> str | None:
    return None if betrokkene_id is None else names.get(betrokkene_id)


async def _records(uow: UnitOfWork, household_id: str, kinds: set[str]) -> _Records:
    people: list[Betrokkene] = await uow.betrokkenen.list(household_id, include_removed=True)
    names = {p.id: p.name for p in people}
    consents: dict[str, GroundView] = {}
    if GroundKind.TOESTEMMING.value in kinds:
        for c in await uow.consents.list(household_id):
            given = tuple(
                GivenBy(
                    a.betrokkene_id,
                    names.get(a.betrokkene_id, ""),
                    a.method,
                    a.recorded_by,
                    _name(names, a.recorded_by),
                    a.form_date,
                    a.form_reference,
                    a.confirmation_due,
                )
                for a in sorted(c.approvals, key=lambda a: (names.get(a.betrokkene_id, ""), a.betrokkene_id))
                if a.approved
            )
            raw = f"{GroundKind.TOESTEMMING.value}:{c.id}"
            consents[c.id] = GroundView(
                GroundKind.TOESTEMMING, raw, c.id, purpose=c.purpose, until=c.until, given_by=given
            )
    overmacht: dict[str, GroundView] = {}
    if GroundKind.OVERMACHT.value in kinds:
        for o in await uow.consents.overmacht(household_id):
            raw = f"{GroundKind.OVERMACHT.value}:{o.id}"
            overmacht[o.id] = GroundView(
                GroundKind.OVERMACHT, raw, o.id, until=o.until, decided_by=names.get(o.professional_id)
            )
    steps: dict[str, int] = {}
    if GroundKind.ESCALATIE.value in kinds:
        steps = {case.id: int(case.step) for case in await uow.stagnatie.list_cases(household_id)}
    return _Records(names, consents, overmacht, steps)


def _resolve_one(one: str, records: _Records) -> GroundView:
    kind, record_id = _kind_and_id(one)
    if kind == GroundKind.KLANT.value and record_id is None:
        return GroundView(GroundKind.KLANT, one)
    if kind == GroundKind.STANDAARD.value and record_id is None:
        return GroundView(GroundKind.STANDAARD, one)
    if kind == GroundKind.ROL.value and record_id:
        return GroundView(GroundKind.ROL, one, role=record_id)
    if kind == GroundKind.TOESTEMMING.value and record_id is not None and record_id in records.consents:
        return records.consents[record_id]
    if kind == GroundKind.OVERMACHT.value and record_id is not None and record_id in records.overmacht:
        return records.overmacht[record_id]
    if kind == GroundKind.ESCALATIE.value and record_id:
        return GroundView(GroundKind.ESCALATIE, one, record_id, step=records.steps.get(record_id, 4))
    return GroundView(GroundKind.ONBEKEND, one, record_id)


async def resolve_grounds(
    uow: UnitOfWork, household_id: str, grounds: Iterable[str]
) -> dict[str, tuple[GroundView, ...]]:
    """Each given ground string (single or comma-joined, as `Access.grounds` and the access log hold them)
    → its resolved views, in the string's order ('geen' → an empty tuple). One lookup per kind of record
    for the whole household, whatever the number of strings: call it once per page, with every row's ground."""
    wanted = set(grounds)
    singles = {one for g in wanted for one in split_ground(g)}
    kinds = {_kind_and_id(one)[0] for one in singles}
    records = await _records(uow, household_id, kinds)
    resolved = {one: _resolve_one(one, records) for one in singles}
    return {g: tuple(resolved[one] for one in split_ground(g)) for g in wanted}


async def resolve_ground(uow: UnitOfWork, household_id: str, ground: str) -> tuple[GroundView, ...]:
    """One ground string resolved (for a single row; a page of rows calls `resolve_grounds` once)."""
    return (await resolve_grounds(uow, household_id, [ground]))[ground]
