"""aiosqlite with fewer trips to its thread: the SQLite connection the engine's units of work use.

aiosqlite runs every call on the connection's own thread and hands the answer back to the event loop: a
queue put, a thread wake-up, and a wake-up of the loop through its self-pipe — on two cores about as
costly as the small statement itself. SQLAlchemy's adapter makes four such trips per statement (make a
cursor, execute, fetch, close) and five per empty unit of work (a cursor, BEGIN, its close, the session's
rollback, the pool's rollback on return). Here:

- a statement is executed and, when it returns rows, fetched in one trip (SQLAlchemy fetches every row of
  a non-streaming cursor right after executing anyway; nothing here streams);
- making and closing a cursor happen on the caller's thread (no statement runs on them: nothing to wait
  for; the connection is opened with `check_same_thread=False` and SQLite's own mutex serialises access);
- a rollback outside a transaction is no trip at all (the pool's reset after the session's own rollback).

So a unit of work costs two trips (BEGIN, ROLLBACK or COMMIT) and a statement one. Statements that wait
for a lock (`busy_timeout`) still wait on the thread, never on the event loop.

A unit of work that only reads (`UnitOfWork(write=False)`: the engine's begin hook calls `read_inline`) makes
no trip at all: its statements run on the event loop's thread, as the hot path's own connection does
(`loop_db`). In WAL mode a reader never waits for a writer, so nothing there waits for a lock; its busy
timeout is short meanwhile (`INLINE_BUSY_MS`: SQLite's rare reader retries, and a write someone mistakenly
made in a reading unit of work, which then fails as a conflict instead of holding the loop). (Not
`query_only`: its refusal reads as a read-only database, a storage fault.) On the thread the hand-off costs
more than such small statements themselves; the loop is held for the statement's own time.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager


class _Cursor(aiosqlite.Cursor):
    """A cursor whose execute brings its rows along (one trip) and whose close needs no trip."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: deque[Any] | None = None

    async def execute(self, sql: str, parameters: Any = None) -> _Cursor:
        """Execute, and fetch every row in the same trip when the statement returns rows."""
        cursor = self._cursor

        def run() -> deque[Any] | None:
            cursor.execute(sql, [] if parameters is None else parameters)
            return deque(cursor.fetchall()) if cursor.description is not None else None

        self._rows = None  # a failed execute leaves no earlier statement's rows behind
        self._rows = await self._execute(run)  # type: ignore[no-untyped-call]
        return self

    async def fetchall(self) -> Iterable[sqlite3.Row]:
        """The rows the execute brought (or, without them, fetched on the thread)."""
        if self._rows is None:
            return await super().fetchall()
        rows, self._rows = list(self._rows), deque()
        return rows

    async def fetchone(self) -> sqlite3.Row | None:
        """The next row the execute brought (or, without them, fetched on the thread)."""
        if self._rows is None:
            return await super().fetchone()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Iterable[sqlite3.Row]:
        """The next rows the execute brought (or, without them, fetched on the thread)."""
        if self._rows is None:
            return await super().fetchmany(size)
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def close(self) -> None:
        """Close on the caller's thread: the statement has finished, nothing waits."""
        self._rows = None
        self._cursor.close()


#: busy timeout while a connection reads on the event loop (a writer's is the engine's 30 s, on the thread)
INLINE_BUSY_MS = 20
WRITER_BUSY_MS = 30_000


class Connection(aiosqlite.Connection):
    """An aiosqlite connection that makes cursors without a trip, skips rolling back nothing, and runs a
    reading unit of work's calls on the caller's thread."""

    _inline = False

    def read_inline(self, inline: bool) -> None:
        """Run the coming transaction's calls on the caller's thread (`inline`: a unit of work that only
        reads; a short busy timeout) or on the connection's thread (a writer, or anything else)."""
        if inline is self._inline:
            return
        conn = self._conn  # between transactions: nothing runs on the thread now
        conn.execute(f"PRAGMA busy_timeout={INLINE_BUSY_MS if inline else WRITER_BUSY_MS}")
        self._inline = inline

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """On the caller's thread while reading inline; else queued for the connection's thread."""
        if not self._inline:
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    @contextmanager  # as aiosqlite's: awaitable and an async context manager (SQLAlchemy uses the latter)
    async def cursor(self) -> aiosqlite.Cursor:
        """A new cursor, made on the caller's thread."""
        return _Cursor(self, self._conn.cursor())

    async def rollback(self) -> None:
        """Roll back on the connection's thread, unless no transaction is open (then there is nothing to do)."""
        if self._conn.in_transaction:
            await super().rollback()


def connect(database: str, **kwargs: Any) -> aiosqlite.Connection:
    """What SQLAlchemy's aiosqlite dialect calls to open a connection (its `async_creator_fn`)."""
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection: aiosqlite.Connection = Connection(connector, 64)
    connection._thread.daemon = True  # as SQLAlchemy's dialect does: a stuck statement must not block exit
    return connection
