"""Creating the async engine, with the settings each database needs to be safe under concurrency."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import sqlite_driver
from .faults import FULL, MIN_FREE_BYTES, READ_ONLY, UNAVAILABLE, StorageHealth, classify, free_bytes
from .pg_ssl import engine_connect_args

WRITE_OPTION = "eenplan_write"
_HEALTH: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def engine_health(engine: AsyncEngine) -> StorageHealth:
    """The storage health an engine reports its faults to (shared with the hot path's connections)."""
    found = _HEALTH.get(engine.sync_engine)
    if found is None:
        found = _HEALTH[engine.sync_engine] = StorageHealth()
    return found


def _watch_faults(engine: AsyncEngine, health: StorageHealth) -> None:
    """Storage faults are reported, and the pool's connections dropped: one opened on a read-only file
    stays read-only, so only a new connection sees write access return."""
    _HEALTH[engine.sync_engine] = health

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(ctx) -> None:  # pragma: no cover - exercised by the storage fault tests
        if ctx.is_pre_ping:  # a stale pooled connection, replaced by the pool at once: not a fault
            return
        if health.check(ctx.original_exception, "engine") is not None:
            ctx.is_disconnect = True


def is_sqlite(url: str) -> bool:
    """Whether the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 10, health: StorageHealth | None = None) -> AsyncEngine:
    """An async engine for SQLite (WAL, busy timeout, BEGIN IMMEDIATE for writes) or PostgreSQL.

    Parameters are hidden from SQLAlchemy's error messages so that plan
    content can never reach a log line through a database exception.
    """
    if not is_sqlite(url):
        pg_url, connect_args = engine_connect_args(url)  # ?ssl=verify-full&sslrootcert=… (deploy/env.example)
        pg_engine = create_async_engine(
            pg_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect_args,
        )
        _watch_faults(pg_engine, health or StorageHealth())
        return pg_engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": 30, "async_creator_fn": sqlite_driver.connect}, hide_parameters=True
    )
    _watch_faults(engine, health or StorageHealth())

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
        write = conn.get_execution_options().get(WRITE_OPTION)
        driver = conn.connection.driver_connection
        if isinstance(driver, sqlite_driver.Connection):  # a unit of work that only reads: on the loop's thread
            driver.read_inline(write is False)
        # SQLite has no row locks: a writer takes the database's write lock
        # at BEGIN, so two read-modify-write transactions never interleave.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


async def is_ready(engine: AsyncEngine, health: StorageHealth) -> bool:
    """Whether storage can do its work: reachable, not known to be faulty, and (SQLite) not out of space.

    During a fault the probe tries what failed (after the backoff): a write on a new connection that is
    rolled back, so write access that has returned clears the fault without waiting for traffic.
    """
    if not health.may_attempt():
        return False
    database = make_url(engine.url).database if engine.dialect.name == "sqlite" else None
    if database and (free := free_bytes(database)) is not None and free < MIN_FREE_BYTES:
        health.report(FULL, "readiness")
        return False
    if database and os.path.exists(database) and not os.access(database, os.W_OK):  # chmod, chattr +i, ro mount
        health.report(READ_ONLY, "readiness")
        return False
    if health.fault is not None:
        await engine.dispose()  # probe on a new connection: one opened read-only stays read-only
    try:
        async with engine.connect() as conn:
            if health.fault is None:
                await conn.execute(sa.text("SELECT 1"))
                return True
            if database:
                conn = await conn.execution_options(**{WRITE_OPTION: True})
                await conn.begin()  # BEGIN IMMEDIATE: the write lock, as a writer takes it
                await conn.execute(sa.text("CREATE TABLE eenplan_probe (x BLOB)"))
                await conn.rollback()
            elif (
                await conn.execute(
                    sa.text(  # a standby, or sessions that may not write
                        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
                    )
                )
            ).scalar():
                health.report(READ_ONLY, "readiness")
                return False
    except Exception as exc:  # any failure means: not ready
        if classify(exc) is None:
            health.report(UNAVAILABLE, "readiness")
        return False
    health.recovered(wrote=True)
    return True
