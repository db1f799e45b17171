"""Creating the async engine, with the settings each database needs to be safe under concurrency."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

WRITE_OPTION = "eenplan_write"


def is_sqlite(url: str) -> bool:
    """Whether the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for SQLite (WAL, busy timeout, BEGIN IMMEDIATE for writes) or PostgreSQL.

    Parameters are hidden from SQLAlchemy's error messages so that plan
    content can never reach a log line through a database exception.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                                   hide_parameters=True)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Every write the engine commits (plan changes, consent, membership) is on disk before anyone is
        # told it happened; the hot path's access-log entries are synced by the log writer instead.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        # SQLite has no row locks: a writer takes the database's write lock
        # at BEGIN, so two read-modify-write transactions never interleave.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")

    return engine
