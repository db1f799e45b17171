"""The event loop's own SQLite connection, shared by the hot read path and the access-log appends.

In WAL mode a connection empties its page cache whenever another connection
has committed since its last transaction. Plan reads and the access-log
entries they cause alternate constantly, so on two connections every read
and every append would start cold (measured: each about twice as slow).
On one connection, used only from the event loop's thread and never across
an `await` inside a transaction, the cache stays warm.

Statements on it never wait for a lock (busy_timeout 0): waiting would stall
the event loop. Callers retry elsewhere or fail closed instead.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url

from .engine import is_sqlite

#: how often a statement on the loop's connection is tried when another connection holds a lock
BUSY_RETRIES = 5


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (worth retrying, not a failure)."""
    return "locked" in str(exc) or "busy" in str(exc)


class LoopConnection:
    """Opens the connection on first use (the database file exists only after migrating)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        #: counts openings: a reopened connection starts its data_version afresh, so remembered answers go
        self.generation = 0

    def get(self) -> sqlite3.Connection:
        """The connection, opened in WAL mode with commits made durable by the access-log writer's sync."""
        if self._conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, isolation_level=None,
                                   check_same_thread=False)
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    raise sqlite3.OperationalError("the database must be in WAL mode (run the migrations)")
                conn.execute("PRAGMA synchronous=NORMAL")    # durable by the writer's WAL sync before answering
                conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run outside the event loop
                conn.execute("PRAGMA busy_timeout=0")
                conn.execute("PRAGMA foreign_keys=ON")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
            self.generation += 1
        return self._conn

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def for_database(url: str) -> LoopConnection | None:
    """The loop connection for a SQLite database URL; None for PostgreSQL (hot reads use `pg_reads`)."""
    return LoopConnection(str(make_url(url).database)) if is_sqlite(url) else None
