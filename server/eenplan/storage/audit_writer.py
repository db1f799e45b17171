"""Writing read events to the access log by group commit: one durable commit for many requests.

Every request awaits its entry's commit before it answers (nothing is
released unlogged; fail closed), but requests arriving while a commit runs
share the next one, so the log costs one fsync per batch, not per request.
SQLite: a dedicated thread with its own connection (synchronous=FULL);
PostgreSQL: the async engine.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ..domain.audit import GENESIS, AccessEvent, extend_chain
from ..domain.errors import TemporaryFailure
from .access_repository import AccessLogRepository
from .engine import is_sqlite

_INSERT = ("INSERT INTO access_log (household_id, seq, at, event, actor_id, on_behalf_of, sections, channel, "
           "ground, emergency, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
_HEAD = ("INSERT INTO access_log_head (household_id, seq, hash) VALUES (?,?,?) "
         "ON CONFLICT(household_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash")


class AccessLogWriter:
    """Appends access events durably, batching concurrent requests into one transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[list[AccessEvent], asyncio.Future]] = []
        self._drainer: asyncio.Task | None = None
        url = engine.url.render_as_string(hide_password=False)
        self._sqlite_path = make_url(url).database if is_sqlite(url) else None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access-log") if self._sqlite_path \
            else None
        self._conn: sqlite3.Connection | None = None

    async def record(self, events: list[AccessEvent]) -> None:
        """Return once the events are durably in the log; raise TemporaryFailure if they could not be."""
        if not events:
            return
        future = asyncio.get_running_loop().create_future()
        self._pending.append((events, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            events = [e for group, _ in batch for e in group]
            try:
                if self._thread is not None:
                    await asyncio.get_running_loop().run_in_executor(self._thread, self._write_sqlite, events)
                else:
                    await self._write_engine(events)
            except (sqlite3.Error, sa_exc.SQLAlchemyError, OSError) as exc:
                failure = TemporaryFailure("the access log could not be written")
                failure.__cause__ = exc
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def _write_engine(self, events: list[AccessEvent]) -> None:
        async with AsyncSession(self._engine) as session, session.begin():
            await AccessLogRepository(session).append(events)

    def _write_sqlite(self, events: list[AccessEvent]) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=30000")
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            by_household: dict[str, list[AccessEvent]] = {}
            for e in events:
                by_household.setdefault(e.household_id, []).append(e)
            for household_id, group in sorted(by_household.items()):
                head = conn.execute("SELECT seq, hash FROM access_log_head WHERE household_id = ?",
                                    (household_id,)).fetchone()
                rows = extend_chain(*(head or (0, GENESIS)), group)
                conn.executemany(_INSERT, [
                    (household_id, seq, e.at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" "),
                     e.event.value, e.actor_id, e.on_behalf_of, ",".join(e.sections), e.channel.value, e.ground,
                     int(e.emergency), e.detail, prev, digest) for seq, prev, digest, e in rows])
                conn.execute(_HEAD, (household_id, rows[-1][0], rows[-1][2]))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        """Finish pending writes and release the connection."""
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)
        if self._thread is not None:
            conn, self._conn = self._conn, None
            if conn is not None:
                await asyncio.get_running_loop().run_in_executor(self._thread, conn.close)
            self._thread.shutdown(wait=True)
