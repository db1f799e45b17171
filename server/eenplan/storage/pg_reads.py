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

from ..domain.errors import TemporaryFailure
from .faults import StorageHealth
from .pg_generation import Generations

_DIALECT = pg_asyncpg.dialect(paramstyle="numeric_dollar")

#: The hot statements are prepared once per connection (asyncpg's statement cache); PostgreSQL would still plan
#: the member_access statement (a join over a union of three grant tables) afresh for each execution while it
#: judges custom plans cheaper (measured: ~2 ms planning against 0.2 ms executing). Its generic plan uses the
#: same indexes whatever the ids, so plan once per connection. Planning only: no answer changes.
SERVER_SETTINGS = {"plan_cache_mode": "force_generic_plan"}

#: connection problems asyncpg reports (besides OSError); they become TemporaryFailure
ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError)


async def _leaves_no_session_state(_conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing to undo, so no round trip.

    asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` after every
    use: one more round trip per hot read and per log batch (measured: about a fifth of the loop's time). This
    pool runs only single statements in autocommit and the access log's transactions; it never takes a
    session advisory lock, opens a cursor, LISTENs or SETs a setting (keep it so: use a connection of your
    own for those). An open transaction is still rolled back by asyncpg itself before this runs.
    """


class PgReads:
    """A small asyncpg pool for statements compiled once, with their parameters in order.

    Database errors leave as `StorageUnavailable` (a storage fault, reported to the health; the pool's
    connections are replaced, since one may be on a read-only standby) or `TemporaryFailure`.
    """

    def __init__(self, url: str, max_size: int = 10, *, health: StorageHealth | None = None) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._max = max_size
        self.health = health or StorageHealth()
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[Any, tuple[str, tuple[str, ...]]] = {}
        #: decisions' rows by household generation, shared by the hot reads and the log that settles them
        self.generations = Generations()

    async def _ready(self) -> asyncpg.Pool:
        if not self.health.may_attempt():  # a storage fault, and its backoff has not passed
            raise self.health.refuse()
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._max,
                        reset=_leaves_no_session_state,
                        server_settings=SERVER_SETTINGS,
                    )
        return self._pool

    def compiled(self, stmt: sa.Select | sa.CompoundSelect) -> tuple[str, tuple[str, ...]]:
        """A statement's PostgreSQL text and the names of its $n parameters in order (compiled once)."""
        return self._sql(stmt)

    def _sql(self, stmt: sa.Select | sa.CompoundSelect) -> tuple[str, tuple[str, ...]]:
        found = self._compiled.get(stmt)
        if found is None:
            compiled = stmt.compile(dialect=_DIALECT)
            found = self._compiled[stmt] = (str(compiled), tuple(compiled.positiontup or ()))
        return found

    async def fetch(self, stmt: sa.Select | sa.CompoundSelect, params: dict[str, Any]) -> list[Any]:
        """All rows of a compiled statement (asyncpg Records index like tuples)."""
        sql, names = self._sql(stmt)
        return await self.fetch_sql(sql, *[params[name] for name in names])

    async def fetch_sql(self, sql: str, *args: Any) -> list[Any]:
        """All rows of a hand-written statement with $n parameters."""
        try:
            pool = await self._ready()
            rows = list(await pool.fetch(sql, *args))
        except (OSError, *ERRORS) as exc:
            raise await self._failure(exc, "hot read") from exc
        self.health.recovered(wrote=False)
        return rows

    async def transaction(self, work: Any) -> Any:
        """Run `work(connection)` in one transaction on a pooled connection (e.g. the access-log append)."""
        try:
            pool = await self._ready()
            async with pool.acquire() as conn, conn.transaction():
                result = await work(conn)
        except (OSError, *ERRORS) as exc:
            raise await self._failure(exc, "access log") from exc
        self.health.recovered(wrote=True)
        return result

    async def _failure(self, exc: BaseException, where: str) -> TemporaryFailure:
        fault = self.health.check(exc, where)
        if fault is None:
            return TemporaryFailure("the database is unavailable")
        if self._pool is not None:
            await self._pool.expire_connections()  # each is replaced on its next use
        return fault

    async def close(self) -> None:
        """Close the pool's connections."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
