"""Repositories: the only code that speaks SQL, translating rows to domain objects."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.betrokkene import Betrokkene, Kind, MailChoice, Role
from ..domain.household import Household, Phase, PhaseChange
from ..domain.versions import VersionInfo
from .results import rows_changed
from .tables import BetrokkeneRow, HouseholdRow, PhaseChangeRow, PlanVersionRow, SectionBlobRow

#: statements every use case runs (its membership check, its household), built once: building a statement costs
#: more than SQLite running it
_HOUSEHOLD = sa.select(HouseholdRow).where(col(HouseholdRow.id) == sa.bindparam("household_id"))
_HOUSEHOLD_FOR_UPDATE = _HOUSEHOLD.with_for_update()
_MEMBERSHIP = (
    sa.select(col(BetrokkeneRow.kind), col(BetrokkeneRow.role), col(HouseholdRow.current_version))
    .join(HouseholdRow, col(HouseholdRow.id) == col(BetrokkeneRow.household_id))
    .where(
        col(BetrokkeneRow.id) == sa.bindparam("betrokkene_id"),
        col(BetrokkeneRow.household_id) == sa.bindparam("household_id"),
        col(BetrokkeneRow.removed_at).is_(None),
    )
)


def _household(row: HouseholdRow) -> Household:
    return Household(
        id=row.id,
        code=row.code,
        name=row.name,
        gemeente=row.gemeente,
        phase=Phase(row.phase),
        current_version=row.current_version,
        created_at=row.created_at,
    )


def _betrokkene(row: BetrokkeneRow) -> Betrokkene:
    return Betrokkene(
        id=row.id,
        household_id=row.household_id,
        name=row.name,
        kind=Kind(row.kind),
        role=Role(row.role),
        relation=row.relation,
        organisation=row.organisation,
        email=row.email,
        phone=row.phone,
        reachable_days=tuple(d for d in row.reachable_days.split(",") if d),
        birth_date=row.birth_date,
        created_at=row.created_at,
        removed_at=row.removed_at,
        mail_choice=MailChoice(row.mail_choice),
    )


def _version(row: PlanVersionRow) -> VersionInfo:
    return VersionInfo(
        number=row.number,
        author_id=row.author_id,
        created_at=row.created_at,
        summary=row.summary,
        changed_sections=tuple(s for s in row.changed_sections.split(",") if s),
        base_version=row.base_version,
        vastgesteld_at=row.vastgesteld_at,
        vastgesteld_by=row.vastgesteld_by,
        vastgesteld_overleg=row.vastgesteld_overleg,
    )


class HouseholdRepository:
    """Households and their phase history."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, household: Household) -> None:
        """Store a new household."""
        self._s.add(
            HouseholdRow(
                id=household.id,
                code=household.code,
                name=household.name,
                gemeente=household.gemeente,
                phase=int(household.phase),
                current_version=household.current_version,
                created_at=household.created_at,
            )
        )
        await self._s.flush()

    async def get(self, household_id: str, *, lock: bool = False) -> Household | None:
        """One household; with `lock`, hold its row until commit (PostgreSQL FOR UPDATE)."""
        stmt = _HOUSEHOLD_FOR_UPDATE if lock else _HOUSEHOLD
        row = (await self._s.execute(stmt, {"household_id": household_id})).scalar_one_or_none()
        return _household(row) if row else None

    async def code_taken(self, code: str) -> bool:
        """Whether a household with this code exists."""
        stmt = sa.select(sa.func.count()).select_from(HouseholdRow).where(col(HouseholdRow.code) == code)
        return bool((await self._s.execute(stmt)).scalar_one())

    async def count(self) -> int:
        """How many households exist."""
        return (await self._s.execute(sa.select(sa.func.count()).select_from(HouseholdRow))).scalar_one()

    async def find_by_code(self, code: str) -> Household | None:
        """The household with this code, if any."""
        stmt = sa.select(HouseholdRow).where(col(HouseholdRow.code) == code)
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        return _household(row) if row else None

    async def advance_version(self, household_id: str, expected: int, new: int) -> bool:
        """Move the current-version pointer from `expected` to `new`; False if someone else moved it."""
        stmt = (
            sa.update(HouseholdRow)
            .where(col(HouseholdRow.id) == household_id, col(HouseholdRow.current_version) == expected)
            .values(current_version=new)
        )
        return rows_changed(await self._s.execute(stmt)) == 1

    async def set_phase(self, household_id: str, change: PhaseChange) -> None:
        """Record a phase transition and make it current."""
        await self._s.execute(
            sa.update(HouseholdRow).where(col(HouseholdRow.id) == household_id).values(phase=int(change.to_phase))
        )
        self._s.add(
            PhaseChangeRow(
                household_id=household_id,
                from_phase=int(change.from_phase) if change.from_phase else None,
                to_phase=int(change.to_phase),
                at=change.at,
                by_betrokkene_id=change.by_betrokkene_id,
                reason=change.reason,
            )
        )
        await self._s.flush()

    async def phase_history(self, household_id: str) -> list[PhaseChange]:
        """Every phase transition, oldest first."""
        rows = (
            await self._s.execute(
                sa.select(PhaseChangeRow)
                .where(col(PhaseChangeRow.household_id) == household_id)
                .order_by(col(PhaseChangeRow.id))
            )
        ).scalars()
        return [
            PhaseChange(
                Phase(r.from_phase) if r.from_phase else None, Phase(r.to_phase), r.at, r.by_betrokkene_id, r.reason
            )
            for r in rows
        ]


def _recorded(b: Betrokkene) -> dict[str, Any]:
    """The columns of a betrokkene's recorded details (what add stores and update overwrites)."""
    return {
        "name": b.name,
        "kind": b.kind.value,
        "role": b.role.value,
        "relation": b.relation,
        "organisation": b.organisation,
        "email": b.email,
        "phone": b.phone,
        "reachable_days": ",".join(b.reachable_days),
        "birth_date": b.birth_date,
        "removed_at": b.removed_at,
        "mail_choice": b.mail_choice.value,
    }


class BetrokkeneRepository:
    """The betrokkenen of households."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, b: Betrokkene) -> None:
        """Store a new betrokkene."""
        self._s.add(BetrokkeneRow(id=b.id, household_id=b.household_id, created_at=b.created_at, **_recorded(b)))
        await self._s.flush()

    async def get(self, household_id: str, betrokkene_id: str) -> Betrokkene | None:
        """One betrokkene of one household (removed ones included)."""
        row = await self._s.get(BetrokkeneRow, betrokkene_id)
        return _betrokkene(row) if row and row.household_id == household_id else None

    async def list(self, household_id: str, *, include_removed: bool = False) -> list[Betrokkene]:
        """The household's betrokkenen, in the order they were added."""
        stmt = sa.select(BetrokkeneRow).where(col(BetrokkeneRow.household_id) == household_id)
        if not include_removed:
            stmt = stmt.where(col(BetrokkeneRow.removed_at).is_(None))
        rows = (await self._s.execute(stmt.order_by(col(BetrokkeneRow.created_at), col(BetrokkeneRow.id)))).scalars()
        return [_betrokkene(r) for r in rows]

    async def update(self, b: Betrokkene) -> None:
        """Overwrite a betrokkene's recorded details."""
        await self._s.execute(sa.update(BetrokkeneRow).where(col(BetrokkeneRow.id) == b.id).values(**_recorded(b)))

    async def membership(self, household_id: str, betrokkene_id: str) -> tuple[str, str, int] | None:
        """(kind, role, current plan version) for an active betrokkene of the household, in one query."""
        params = {"betrokkene_id": betrokkene_id, "household_id": household_id}
        row = (await self._s.execute(_MEMBERSHIP, params)).first()
        return (row[0], row[1], row[2]) if row else None


class PlanRepository:
    """Plan versions and the content-addressed section blobs they point to."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def version(self, household_id: str, number: int) -> tuple[VersionInfo, dict[str, str]] | None:
        """One version's facts and its section → blob-hash map (an index lookup, whatever N is)."""
        row = await self._s.get(PlanVersionRow, (household_id, number))
        return (_version(row), json.loads(row.section_hashes)) if row else None

    async def versions(self, household_id: str, *, before: int | None, limit: int) -> list[VersionInfo]:
        """Versions newest first, `limit` at a time, starting below `before`."""
        stmt = sa.select(PlanVersionRow).where(col(PlanVersionRow.household_id) == household_id)
        if before is not None:
            stmt = stmt.where(col(PlanVersionRow.number) < before)
        rows = (await self._s.execute(stmt.order_by(col(PlanVersionRow.number).desc()).limit(limit))).scalars()
        return [_version(r) for r in rows]

    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]:
        """Blob hash → canonical JSON text, for the given hashes."""
        wanted = set(hashes)
        if not wanted:
            return {}
        stmt = sa.select(col(SectionBlobRow.hash), col(SectionBlobRow.content)).where(
            col(SectionBlobRow.household_id) == household_id, col(SectionBlobRow.hash).in_(wanted)
        )
        return dict((await self._s.execute(stmt)).all())

    async def add_blobs(self, household_id: str, blobs: dict[str, str]) -> None:
        """Store section contents not stored before (identical content is stored once)."""
        existing = set(await self.blobs(household_id, blobs))
        for digest, content in blobs.items():
            if digest not in existing:
                self._s.add(SectionBlobRow(household_id=household_id, hash=digest, content=content))
        await self._s.flush()

    async def add_version(self, household_id: str, info: VersionInfo, hashes: dict[str, str]) -> None:
        """Store a new immutable version (the primary key refuses a second one with the same number)."""
        self._s.add(
            PlanVersionRow(
                household_id=household_id,
                number=info.number,
                author_id=info.author_id,
                created_at=info.created_at,
                summary=info.summary,
                changed_sections=",".join(info.changed_sections),
                section_hashes=json.dumps(hashes, sort_keys=True),
                base_version=info.base_version,
            )
        )
        await self._s.flush()

    async def mark_vastgesteld(
        self, household_id: str, number: int, at: datetime, by: str, overleg: str | None
    ) -> None:
        """Record that a version was adopted (vastgesteld); the content itself stays immutable."""
        await self._s.execute(
            sa.update(PlanVersionRow)
            .where(col(PlanVersionRow.household_id) == household_id, col(PlanVersionRow.number) == number)
            .values(vastgesteld_at=at, vastgesteld_by=by, vastgesteld_overleg=overleg)
        )
