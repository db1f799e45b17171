"""The household's journaal (issue 14 item 6): messages members wrote to a group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.household import Phase
from ..domain.journaal import JournaalMessage
from .results import rows_changed
from .tables import HouseholdRow, PhaseChangeRow
from .tables_journaal import JournaalMessageRow


def _message(row: JournaalMessageRow) -> JournaalMessage:
    return JournaalMessage(
        id=row.id,
        household_id=row.household_id,
        group_id=row.group_id,
        author_id=row.author_id,
        received_at=row.received_at,
        text=row.text,
        subject=row.subject,
        had_attachments=row.had_attachments,
    )


class JournaalRepository:
    """The journaal table, inside a unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, message: JournaalMessage, key_hash: str) -> bool:
        """Keep a message; False when this mail (Message-ID and recipient) was kept already (a redelivery).
        Two deliveries at once: the second commit fails on the unique key and the MTA retries it."""
        found = await self._s.execute(
            sa.select(col(JournaalMessageRow.id)).where(col(JournaalMessageRow.key_hash) == key_hash)
        )
        if found.first() is not None:
            return False
        self._s.add(
            JournaalMessageRow(
                id=message.id,
                household_id=message.household_id,
                group_id=message.group_id,
                author_id=message.author_id,
                received_at=message.received_at,
                subject=message.subject,
                text=message.text,
                had_attachments=message.had_attachments,
                key_hash=key_hash,
            )
        )
        return True

    async def get(self, household_id: str, message_id: str) -> JournaalMessage | None:
        """One message of this household, if it exists."""
        row = await self._s.get(JournaalMessageRow, message_id)
        return _message(row) if row is not None and row.household_id == household_id else None

    async def in_groups(self, household_id: str, group_ids: Sequence[str | None], limit: int) -> list[JournaalMessage]:
        """The newest `limit` messages of this household written to one of `group_ids` (None: the whole group)."""
        named = [g for g in group_ids if g is not None]
        conditions = [col(JournaalMessageRow.group_id).in_(named)] if named else []
        if None in group_ids:
            conditions.append(col(JournaalMessageRow.group_id).is_(None))
        if not conditions:
            return []
        stmt = (
            sa.select(JournaalMessageRow)
            .where(col(JournaalMessageRow.household_id) == household_id, sa.or_(*conditions))
            .order_by(col(JournaalMessageRow.received_at).desc(), col(JournaalMessageRow.id))
            .limit(limit)
        )
        return [_message(row) for row in (await self._s.execute(stmt)).scalars()]

    async def delete_closed(self, entered_before: datetime) -> int:
        """Delete every message of the households in phase 6 (afsluiten) whose latest move into it was at or
        before `entered_before` (the retention); how many went. One statement; a reopened household keeps its own."""
        entered = (
            sa.select(sa.func.max(col(PhaseChangeRow.at)))
            .where(
                col(PhaseChangeRow.household_id) == col(HouseholdRow.id),
                col(PhaseChangeRow.to_phase) == int(Phase.AFSLUITEN),
            )
            .correlate(HouseholdRow)
            .scalar_subquery()
        )
        closed = sa.select(col(HouseholdRow.id)).where(
            col(HouseholdRow.phase) == int(Phase.AFSLUITEN), entered <= entered_before
        )
        stmt = sa.delete(JournaalMessageRow).where(col(JournaalMessageRow.household_id).in_(closed))
        return rows_changed(await self._s.execute(stmt))
