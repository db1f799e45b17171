"""The hot statements on PostgreSQL straight through asyncpg: plan reads and access-log appends.

Through SQLAlchemy's async engine each hot read cost about 1.7 ms of the
event loop's time (greenlet hop, pool checkout with a ping, BEGIN/ROLLBACK
round trips): a plan read managed ~550 a second. asyncpg alone runs the same
compiled SQL as one prepared statement on a pooled connection, in autocommit
(a read of one row needs no transaction), for a fraction of that.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.engine import make_url

_DIALECT = pg_asyncpg.dialect(paramstyle="numeric_dollar")

#: connection problems asyncpg reports (besides OSError); the caller turns them into TemporaryFailure
ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError)


class PgReads:
    """A small asyncpg pool for statements compiled once, with their parameters in order."""

    def __init__(self, url: str, max_size: int = 10) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._max = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[Any, tuple[str, tuple[str, ...]]] = {}

    async def _ready(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self._max)
        return self._pool

    def _sql(self, stmt: sa.Select | sa.CompoundSelect) -> tuple[str, tuple[str, ...]]:
        found = self._compiled.get(stmt)
        if found is None:
            compiled = stmt.compile(dialect=_DIALECT)
            found = self._compiled[stmt] = (str(compiled), tuple(compiled.positiontup or ()))
        return found

    async def fetch(self, stmt: sa.Select | sa.CompoundSelect, params: dict[str, Any]) -> list[Any]:
        """All rows of a compiled statement (asyncpg Records index like tuples)."""
        sql, names = self._sql(stmt)
        pool = await self._ready()
        return list(await pool.fetch(sql, *[params[name] for name in names]))

    async def fetch_sql(self, sql: str, *args: Any) -> list[Any]:
        """All rows of a hand-written statement with $n parameters."""
        pool = await self._ready()
        return list(await pool.fetch(sql, *args))

    async def transaction(self, work: Any) -> Any:
        """Run `work(connection)` in one transaction on a pooled connection (e.g. the access-log append)."""
        pool = await self._ready()
        async with pool.acquire() as conn, conn.transaction():
            return await work(conn)

    async def close(self) -> None:
        """Close the pool's connections."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
