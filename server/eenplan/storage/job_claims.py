"""Once-per-period claims of periodic jobs (issue 15): one insert that only one node wins.

`claim(job, period, node)` inserts (job, period) with `ON CONFLICT DO NOTHING … RETURNING`: the node whose
row went in runs the job for that period, every other node skips it. A run that fails deletes its claim
(`release`), so the next node to try that period runs it. No lease: a node that dies after its claim leaves
that period's run undone, and the next period's run (an hour later) catches up — every job
eenplan runs this way looks at what is due and marks what it did, so a skipped hour only delays it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import WRITE_OPTION, is_sqlite
from .tables_cluster import JobClaimRow

#: claims older than this are deleted by the node that wins a newer one
KEEP_CLAIMS = timedelta(days=30)


class DatabaseJobClaims:
    """The `JobClaims` port on the shared database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = sqlite.insert if is_sqlite(str(engine.url)) else postgresql.insert

    async def claim(self, job: str, period: str, node: str, now: datetime) -> bool:
        """Whether `node` won (job, period); exactly one node of all that try does."""
        table = JobClaimRow.__table__  # type: ignore[attr-defined]
        stmt = (
            self._insert(table)
            .values(job=job[:100], period=period[:40], node=node[:100], claimed_at=now)
            .on_conflict_do_nothing(index_elements=["job", "period"])
            .returning(table.c.job)
        )
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                won = (await conn.execute(stmt)).first() is not None
                if won:
                    await conn.execute(sa.delete(table).where(table.c.claimed_at < now - KEEP_CLAIMS))
        return won

    async def release(self, job: str, period: str, node: str) -> None:
        """Delete `node`'s claim of (job, period) (its run failed), so another node may claim that period."""
        table = JobClaimRow.__table__  # type: ignore[attr-defined]
        mine = (table.c.job == job[:100], table.c.period == period[:40], table.c.node == node[:100])
        stmt = sa.delete(table).where(*mine)
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                await conn.execute(stmt)
