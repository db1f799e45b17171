"""The personal calendar feeds (`calendar_feed`) and the open date polls of a household: part of the overleg
store (`OverlegRepository` takes these methods), kept apart so each module stays one concept."""

from __future__ import annotations

import builtins
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.overleg import DatePoll
from ..domain.overleg_ports import FeedOwner
from .results import rows_changed
from .tables import BetrokkeneRow
from .tables_overleg import CalendarFeedRow, DatePollRow


class CalendarFeedRows:
    """Feeds by the SHA-256 of their token (the token itself is never stored), and open polls."""

    _s: AsyncSession

    async def get_poll(self, household_id: str, poll_id: str, *, lock: bool = False) -> DatePoll | None:
        raise NotImplementedError  # OverlegRepository's

    async def add_feed(self, token_hash: str, household_id: str, betrokkene_id: str, at: datetime) -> None:
        """Store a new feed of one betrokkene (its token's hash only)."""
        self._s.add(
            CalendarFeedRow(
                token_hash=token_hash, household_id=household_id, betrokkene_id=betrokkene_id, created_at=at
            )
        )
        await self._s.flush()

    async def revoke_feeds(self, household_id: str, betrokkene_id: str, at: datetime) -> int:
        """Stop every feed of the betrokkene in this household; how many were still working. Holds the
        betrokkene's row until commit (PostgreSQL FOR UPDATE; SQLite writers are serial anyway), so two
        concurrent "new link"s cannot leave two working feeds."""
        lock = sa.select(col(BetrokkeneRow.id)).where(col(BetrokkeneRow.id) == betrokkene_id).with_for_update()
        await self._s.execute(lock)
        stmt = (
            sa.update(CalendarFeedRow)
            .where(
                col(CalendarFeedRow.household_id) == household_id,
                col(CalendarFeedRow.betrokkene_id) == betrokkene_id,
                col(CalendarFeedRow.revoked_at).is_(None),
            )
            .values(revoked_at=at)
        )
        return rows_changed(await self._s.execute(stmt))

    async def has_feed(self, household_id: str, betrokkene_id: str) -> bool:
        """Whether the betrokkene has a working feed in this household."""
        stmt = (
            sa.select(sa.func.count())
            .select_from(CalendarFeedRow)
            .where(
                col(CalendarFeedRow.household_id) == household_id,
                col(CalendarFeedRow.betrokkene_id) == betrokkene_id,
                col(CalendarFeedRow.revoked_at).is_(None),
            )
        )
        return bool((await self._s.execute(stmt)).scalar_one())

    async def feed_holders(self, household_id: str) -> frozenset[str]:
        """The betrokkenen of this household with a working feed (one query; the regisseur's betrokkenen page)."""
        stmt = (
            sa.select(col(CalendarFeedRow.betrokkene_id))
            .where(col(CalendarFeedRow.household_id) == household_id, col(CalendarFeedRow.revoked_at).is_(None))
            .distinct()
        )
        return frozenset((await self._s.execute(stmt)).scalars())

    async def feed_owner(self, token_hash: str) -> FeedOwner | None:
        """Whose working feed this is, in one query by the primary key: None when the token is unknown, the
        feed stopped, or its betrokkene was removed from the household."""
        stmt = (
            sa.select(col(CalendarFeedRow.household_id), col(CalendarFeedRow.betrokkene_id))
            .join(BetrokkeneRow, col(BetrokkeneRow.id) == col(CalendarFeedRow.betrokkene_id))
            .where(
                col(CalendarFeedRow.token_hash) == token_hash,
                col(CalendarFeedRow.revoked_at).is_(None),
                col(BetrokkeneRow.household_id) == col(CalendarFeedRow.household_id),
                col(BetrokkeneRow.removed_at).is_(None),
            )
        )
        row = (await self._s.execute(stmt)).first()
        return FeedOwner(row[0], row[1]) if row else None

    async def open_polls(self, household_id: str) -> builtins.list[DatePoll]:
        """The household's date polls no date was picked for yet, oldest first, with options and votes."""
        stmt = (
            sa.select(col(DatePollRow.id))
            .where(col(DatePollRow.household_id) == household_id, col(DatePollRow.overleg_id).is_(None))
            .order_by(col(DatePollRow.created_at), col(DatePollRow.id))
        )
        found = []
        for poll_id in (await self._s.execute(stmt)).scalars():
            poll = await self.get_poll(household_id, poll_id)
            if poll is not None:
                found.append(poll)
        return found
