"""Bounce scores per betrokkene (issue 14): the `address_bounce` table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.bounces import BounceRecord
from .results import rows_changed
from .tables import BetrokkeneRow
from .tables_inbound import AddressBounceRow


def _record(row: AddressBounceRow) -> BounceRecord:
    return BounceRecord(
        row.household_id, row.betrokkene_id, row.address, row.score, row.last_bounce_on, row.disabled_at
    )


class BounceRepository:
    """The address_bounce table, inside a unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def household_of(self, betrokkene_id: str) -> str | None:
        """The household a betrokkene belongs to (a return path names only the betrokkene)."""
        stmt = sa.select(col(BetrokkeneRow.household_id)).where(col(BetrokkeneRow.id) == betrokkene_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def get(self, household_id: str, betrokkene_id: str) -> BounceRecord | None:
        """The record of one betrokkene of this household, if any (locked for the write that follows)."""
        stmt = (
            sa.select(AddressBounceRow)
            .where(col(AddressBounceRow.household_id) == household_id)
            .where(col(AddressBounceRow.betrokkene_id) == betrokkene_id)
            .with_for_update()
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        return _record(row) if row else None

    async def put(self, record: BounceRecord) -> None:
        """Store the record (one per betrokkene)."""
        row = await self._s.get(AddressBounceRow, record.betrokkene_id)
        if row is None:
            self._s.add(
                AddressBounceRow(
                    betrokkene_id=record.betrokkene_id,
                    household_id=record.household_id,
                    address=record.address,
                    score=record.score,
                    last_bounce_on=record.last_bounce_on,
                    disabled_at=record.disabled_at,
                )
            )
            return
        row.address, row.score, row.last_bounce_on = record.address, record.score, record.last_bounce_on
        row.disabled_at = record.disabled_at

    async def in_household(self, household_id: str) -> list[BounceRecord]:
        """Every record of a household (the outbox asks once per batch)."""
        stmt = sa.select(AddressBounceRow).where(col(AddressBounceRow.household_id) == household_id)
        return [_record(r) for r in (await self._s.execute(stmt)).scalars()]

    async def clear(self, household_id: str, betrokkene_id: str) -> bool:
        """Forget a betrokkene's bounces (try the address again); False when there were none."""
        result = await self._s.execute(
            sa.delete(AddressBounceRow)
            .where(col(AddressBounceRow.household_id) == household_id)
            .where(col(AddressBounceRow.betrokkene_id) == betrokkene_id)
        )
        return rows_changed(result) > 0
