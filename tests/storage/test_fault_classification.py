"""Which database errors are storage faults (not retried, 503 with the reason) and which are conflicts."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from eenplan.domain.errors import StorageUnavailable, TemporaryFailure
from eenplan.services.common import retry_on_conflict
from eenplan.storage import faults
from eenplan.storage.faults import FULL, IO, READ_ONLY, UNAVAILABLE, StorageHealth, classify
from eenplan.storage.uow import StorageConflict, _translate


def _sqlite_full() -> sqlite3.OperationalError:
    """A real SQLITE_FULL: a database that may not grow past two pages."""
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA max_page_count = 2")
    conn.execute("CREATE TABLE t (x)")
    try:
        conn.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as exc:
        return exc
    raise AssertionError("SQLite accepted a row larger than the database may grow")


def test_sqlite_full_is_storage_full():
    exc = _sqlite_full()
    assert classify(exc) == FULL
    wrapped = sa_exc.OperationalError("INSERT ...", {}, exc)
    assert isinstance(_translate(wrapped, "conflict"), StorageUnavailable)


def test_sqlite_busy_is_a_conflict_not_a_fault():
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert classify(busy) is None
    assert isinstance(_translate(sa_exc.OperationalError("UPDATE ...", {}, busy), "conflict"), StorageConflict)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (asyncpg.exceptions.DiskFullError, FULL),  # 53100
        (asyncpg.exceptions.InsufficientResourcesError, UNAVAILABLE),  # 53000
        (asyncpg.exceptions.OutOfMemoryError, UNAVAILABLE),  # 53200
        (asyncpg.exceptions.TooManyConnectionsError, UNAVAILABLE),  # 53300
        (asyncpg.exceptions.PostgresIOError, IO),  # 58030
        (asyncpg.exceptions.ReadOnlySQLTransactionError, READ_ONLY),  # 25006
        (asyncpg.exceptions.AdminShutdownError, UNAVAILABLE),  # 57P01
    ],
)
def test_postgresql_faults_by_sqlstate(error, kind):
    assert classify(error("boom")) == kind
    # as SQLAlchemy's asyncpg dialect hands it to the unit of work: a DBAPIError wrapping an adapted error
    adapted = Exception("boom")
    adapted.sqlstate = error.sqlstate  # type: ignore[attr-defined]
    wrapped = sa_exc.DBAPIError("UPDATE ...", {}, adapted)
    assert classify(wrapped) == kind
    translated = _translate(wrapped, "conflict")
    assert isinstance(translated, StorageUnavailable) and "storage is" in translated.detail


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.SerializationError,
        asyncpg.exceptions.DeadlockDetectedError,
        asyncpg.exceptions.UniqueViolationError,
    ],
)
def test_postgresql_conflicts_are_not_faults(error):
    assert classify(error("boom")) is None


async def test_a_storage_fault_is_not_retried_a_conflict_is():
    calls = []

    async def full() -> None:
        calls.append(1)
        raise StorageUnavailable("storage is full")

    with pytest.raises(StorageUnavailable):
        await retry_on_conflict(full)
    assert len(calls) == 1

    async def conflict_then_ok() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TemporaryFailure("a concurrent change got there first")
        return "ok"

    calls.clear()
    assert await retry_on_conflict(conflict_then_ok) == "ok" and len(calls) == 3


def test_health_logs_a_fault_once_backs_off_and_clears(caplog, monkeypatch):
    now = [100.0]
    health = StorageHealth(clock=lambda: now[0])
    for _ in range(5):
        health.report(FULL, "engine")
    assert [r.getMessage() for r in caplog.records if r.name == "eenplan.storage"] == [
        "storage fault: full (at engine); failing closed until it clears"
    ]
    assert not health.may_attempt()  # within the backoff
    now[0] += faults.BACKOFF_MAX
    assert health.may_attempt()
    health.recovered(wrote=False)  # a read does not show that space returned
    assert health.fault == FULL
    health.recovered(wrote=True)
    assert health.fault is None and health.may_attempt()
    health.report(UNAVAILABLE, "engine")  # one dropped connection must not refuse everyone for a while
    assert health.may_attempt()
    health.recovered(wrote=False)  # reaching the database again is enough
    assert health.fault is None
    health.report(IO, "syncing the access log", permanent=True)
    health.recovered(wrote=True)
    now[0] += 3600
    assert health.fault == IO and not health.may_attempt()  # a failed fsync is never trusted again
