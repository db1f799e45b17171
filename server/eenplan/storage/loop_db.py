"""The event loop's own SQLite connection, shared by the hot read path and the access-log appends.

In WAL mode a connection empties its page cache whenever another connection
has committed since its last transaction. Plan reads and the access-log
entries they cause alternate constantly, so on two connections every read
and every append would start cold (measured: each about twice as slow).
On one connection, used only from the event loop's thread and never across
an `await` inside a transaction, the cache stays warm.

It offers only `read` and `append_log`: nothing else can be written through
it, so the hot path's remembered answers (sound only while every
access-relevant commit comes from another connection) cannot be undermined.

Statements on it never wait for a lock (busy_timeout 0): waiting would stall
the event loop. Callers retry elsewhere or fail closed instead. A storage
fault (read-only file, full disk, I/O error) closes it: the next attempt,
after the health's backoff, opens a fresh one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy.engine import make_url

from ..domain.audit import GENESIS, AccessEvent
from .access_repository import LOG_COLUMNS, log_values
from .engine import is_sqlite
from .faults import StorageHealth
from .log_chain import ChainRow, InsertRows, LockHead, MoveHead, Step, run

#: how often a statement on the loop's connection is tried when another connection holds a lock
BUSY_RETRIES = 5

_INSERT = f"INSERT INTO access_log ({', '.join(LOG_COLUMNS)}) VALUES "
_ROW = f"({','.join('?' * len(LOG_COLUMNS))})"
#: rows per INSERT statement: one statement for a batch's rows (cheaper than one per row), within SQLite's
#: limit on parameters (32,766 since 3.32) and its statement cache (one text per count)
ROWS_PER_INSERT = 64
_NEW_HEAD = "INSERT INTO access_log_head (household_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING"
_MOVE_HEAD = "UPDATE access_log_head SET seq = ?, hash = ? WHERE household_id = ?"


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (worth retrying, not a failure)."""
    return "locked" in str(exc) or "busy" in str(exc)


class LoopConnection:
    """Opens the connection on first use (the database file exists only after migrating)."""

    def __init__(self, path: str, health: StorageHealth | None = None) -> None:
        self.path = path
        self.health = health or StorageHealth()
        self._conn: sqlite3.Connection | None = None
        self._read_only = False  # opened while the file was not writable: SQLite then opens it read-only
        #: counts openings and closings: a reopened connection starts its data_version afresh, so remembered
        #: answers go (and a check made before a close is not reused after it)
        self.generation = 0

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """All rows of one reading statement (no transaction: one statement is its own snapshot)."""
        if not sql.startswith(("SELECT", "select")):
            raise ValueError("the loop connection only reads")
        return self._execute(sql, params)

    def data_version(self) -> tuple[int, int]:
        """(opening, PRAGMA data_version): changes whenever another connection has committed."""
        rows = self._execute("PRAGMA data_version", ())
        return self.generation, rows[0][0]

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
        try:
            rows = self._get().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self._fault(exc, "hot read")
            raise
        if self.health.fault is not None:
            self.health.recovered(wrote=False)  # clears only "unavailable": a read shows it can be reached
        return rows

    def append_log(self, events: list[AccessEvent]) -> None:
        """Append access-log entries in one transaction; raises at once (busy) when another writer holds
        the lock, and makes nothing durable: the access-log writer's WAL sync does that."""
        try:
            append_sqlite(self._get(), events)
        except sqlite3.Error as exc:
            self._fault(exc, "access log")
            raise

    def _get(self) -> sqlite3.Connection:
        """The connection, opened in WAL mode with commits made durable by the access-log writer's sync."""
        if self._read_only and self._conn is not None and os.access(self.path, os.W_OK):
            self.close()  # write access has returned: a connection opened read-only stays so; open a new one
        if self._conn is None:
            if not self.health.may_attempt():  # a storage fault, and its backoff has not passed
                raise self.health.refuse()
            try:
                conn = sqlite3.connect(
                    f"file:{self.path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                self._fault(exc, "opening the database")
                raise
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    raise sqlite3.OperationalError("the database must be in WAL mode (run the migrations)")
                conn.execute("PRAGMA synchronous=NORMAL")  # durable by the writer's WAL sync before answering
                conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run outside the event loop
                conn.execute("PRAGMA busy_timeout=0")
                conn.execute("PRAGMA foreign_keys=ON")
            except BaseException as exc:
                conn.close()
                if isinstance(exc, sqlite3.Error):
                    self.health.check(exc, "opening the database")
                raise
            self._conn = conn
            self._read_only = not os.access(self.path, os.W_OK)
            self.generation += 1
        return self._conn

    def _fault(self, exc: sqlite3.Error, where: str) -> None:
        """A storage fault closes the connection: it may have been opened read-only, or be broken."""
        if self.health.check(exc, where) is not None:
            self.close()

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self.generation += 1
            conn.close()


def append_sqlite(conn: sqlite3.Connection, events: list[AccessEvent]) -> None:
    """Insert the events at the end of their households' chains, in one transaction (`log_chain`)."""

    def execute(step: Step) -> tuple[int, str] | None:
        if isinstance(step, LockHead):  # the write lock is the database's, taken at BEGIN IMMEDIATE
            conn.execute(_NEW_HEAD, (step.household_id, GENESIS))
            return conn.execute(
                "SELECT seq, hash FROM access_log_head WHERE household_id = ?", (step.household_id,)
            ).fetchone()
        if isinstance(step, InsertRows):
            for start in range(0, len(step.rows), ROWS_PER_INSERT):
                rows = step.rows[start : start + ROWS_PER_INSERT]
                values = [v for row in rows for v in _sqlite_values(step.household_id, row)]
                conn.execute(_INSERT + ",".join([_ROW] * len(rows)), values)
        elif isinstance(step, MoveHead):
            conn.execute(_MOVE_HEAD, (step.seq, step.hash, step.household_id))
        return None

    conn.execute("BEGIN IMMEDIATE")  # raises at once (busy_timeout 0) when another writer holds the lock
    try:
        run(events, execute)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _sqlite_values(household_id: str, row: ChainRow) -> tuple[Any, ...]:
    values = log_values(household_id, row.seq, row.prev_hash, row.hash, row.event)
    at = row.event.at  # SQLite keeps naive UTC text: the clock's UTC time without its "+00:00"
    text = at.isoformat(" ")[:-6] if at.tzinfo is UTC else at.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return (*values[:2], text, *values[3:])


def for_database(url: str, health: StorageHealth | None = None) -> LoopConnection | None:
    """The loop connection for a SQLite database URL; None for PostgreSQL (hot reads use `pg_reads`)."""
    return LoopConnection(str(make_url(url).database), health) if is_sqlite(url) else None
