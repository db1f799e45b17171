"""The SQLite driver's trips to aiosqlite's thread (`storage/sqlite_driver.py`): a writing unit of work costs
two, a statement one, a reading unit of work none (it runs on the loop and never waits for a writer); the rows
and rollbacks are what plain aiosqlite gives, and a writer's wait for the lock still happens on the thread,
never on the event loop (other requests go on meanwhile)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from eenplan.storage.sqlite_driver import INLINE_BUSY_MS, WRITER_BUSY_MS


@pytest.fixture
def trips(monkeypatch):
    """Counts the calls aiosqlite hands to its connection thread."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        seen.append(getattr(fn, "__qualname__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


def _sqlite_only(settings) -> sa.URL:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the SQLite driver")
    return url


async def test_a_writing_unit_of_work_costs_two_trips_a_statement_one_and_a_reading_one_none(services, settings, trips):
    _sqlite_only(settings)
    uow = services.plan._uow
    async with uow(write=True) as warm:  # the pool's first connection is opened (and set up) here
        await warm.session.execute(sa.text("SELECT 1"))
    trips.clear()
    async with uow(write=True):
        pass
    assert len(trips) == 2, trips  # BEGIN IMMEDIATE, ROLLBACK: no trip for a cursor, its close or the pool's reset
    trips.clear()
    async with uow(write=True) as one:
        rows = (await one.session.execute(sa.text("SELECT 1 UNION ALL SELECT 2"))).all()
    assert [r[0] for r in rows] == [1, 2]
    assert len(trips) == 3, trips  # the statement's execute brought its rows along
    trips.clear()
    async with uow() as reading:
        rows = (await reading.session.execute(sa.text("SELECT 1 UNION ALL SELECT 2"))).all()
    assert [r[0] for r in rows] == [1, 2]
    assert trips == []  # a reading unit of work runs on the loop's thread
    async with uow(waits=True) as scanning:  # a long read, or one that may wait for a lock: on the thread
        assert (await scanning.session.execute(sa.text("PRAGMA busy_timeout"))).scalar() == WRITER_BUSY_MS
    assert len(trips) == 3, trips  # BEGIN, the statement, ROLLBACK


async def test_a_reading_unit_of_work_does_not_wait_for_a_writer(services, settings):
    url = _sqlite_only(settings)
    holder = sqlite3.connect(str(url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer elsewhere holds the lock
    try:
        async with services.plan._uow() as reading:  # WAL: a reader goes on (on the loop: it must not wait)
            assert (await reading.session.execute(sa.text("SELECT count(*) FROM household"))).scalar() >= 0
            assert (await reading.session.execute(sa.text("PRAGMA busy_timeout"))).scalar() == INLINE_BUSY_MS
    finally:
        holder.rollback()
        holder.close()
    async with services.plan._uow(write=True) as writing:  # the same pooled connection, a writer's again
        assert (await writing.session.execute(sa.text("PRAGMA busy_timeout"))).scalar() == WRITER_BUSY_MS


async def test_every_row_comes_back_however_it_is_fetched(tmp_path):
    from eenplan.storage.sqlite_driver import connect

    conn = await connect(str(tmp_path / "t.db"))
    try:
        await conn.execute("CREATE TABLE t (n INTEGER)")
        await conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(7)])
        async with conn.cursor() as cursor:
            await cursor.execute("SELECT n FROM t ORDER BY n")
            assert await cursor.fetchone() == (0,)
            assert list(await cursor.fetchmany(2)) == [(1,), (2,)]
            assert list(await cursor.fetchall()) == [(3,), (4,), (5,), (6,)]
            assert await cursor.fetchone() is None
            await cursor.execute("UPDATE t SET n = n + 1")  # returns no rows: nothing fetched
            assert cursor.rowcount == 7
    finally:
        await conn.close()


async def test_a_write_not_committed_is_rolled_back(services):
    async with services.plan._uow(write=True) as uow:
        await uow.session.execute(sa.text("CREATE TABLE IF NOT EXISTS probe_driver (n INTEGER)"))
        await uow.session.commit()
    async with services.plan._uow(write=True) as uow:
        await uow.session.execute(sa.text("INSERT INTO probe_driver VALUES (1)"))  # no commit
    async with services.plan._uow() as uow:
        assert (await uow.session.execute(sa.text("SELECT count(*) FROM probe_driver"))).scalar() == 0


async def test_a_wait_for_the_write_lock_does_not_stop_the_event_loop(services, settings):
    url = _sqlite_only(settings)
    holder = sqlite3.connect(str(url.database), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    release = threading.Timer(0.5, holder.rollback)
    release.start()
    try:
        async with services.plan._uow(write=True) as uow:  # BEGIN IMMEDIATE waits (busy_timeout) on the thread
            assert ticks >= 10, ticks  # the loop went on while the writer waited
            await uow.session.execute(sa.text("SELECT 1"))
    finally:
        ticker.cancel()
        release.join()
        holder.close()
