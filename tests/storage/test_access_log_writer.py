"""The access log's group-commit writer on SQLite, and the hot read path's remembered answers.

Reads are answered only after their log entries are durable (a helper process fdatasyncs the WAL);
when that cannot be confirmed the read fails closed. The event loop never waits for a lock, and a
change committed by any other connection (another process included) decides the very next read.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime

import pytest

from eenplan.domain.access import Principal
from eenplan.domain.audit import AccessEvent, Channel, Event
from eenplan.domain.errors import NotFound, TemporaryFailure
from eenplan.storage import audit_writer, wal_sync
from eenplan.storage.audit_writer import AccessLogWriter
from eenplan.storage.engine import create_engine

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def sqlite_path(settings) -> str:
    return settings.effective_database_url.split("///", 1)[1]


def entry(household_id: str, n: int) -> AccessEvent:
    return AccessEvent(
        Event.READ,
        household_id,
        f"actor-{n}",
        ("algemeen",),
        Channel.API,
        "klant",
        datetime.now(UTC),
        None,
        False,
        f"versie {n}",
    )


def log_count(path: str, household_id: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM access_log WHERE household_id = ?", (household_id,)).fetchone()[0]


#: A wrapper around the real WAL sync helper: each fdatasync is recorded (one byte in RECORD) and held
#: until GATE exists, so a test can see a read wait for the sync it depends on.
GATED_SYNC = """
import os, runpy, sys, time
record, gate, helper, database = sys.argv[1:5]
real = os.fdatasync
def gated(fd):
    with open(record, 'ab') as f:
        f.write(b's')
    while not os.path.exists(gate):
        time.sleep(0.005)
    real(fd)
os.fdatasync = gated
sys.argv = ['wal_sync', database]
runpy.run_path(helper, run_name='__main__')
"""


@pytest.fixture
def gated_sync(tmp_path, monkeypatch):
    """The services' access log syncs through GATED_SYNC; yields (record file, gate file). The gate is open."""
    from functools import partial

    from eenplan import bootstrap

    record, gate = tmp_path / "syncs", tmp_path / "gate"
    gate.touch()
    command = [sys.executable, "-c", GATED_SYNC, str(record), str(gate), wal_sync.__file__]
    monkeypatch.setattr(bootstrap, "AccessLogWriter", partial(AccessLogWriter, sync_helper=command))
    yield record, gate
    gate.touch()  # never leave a helper waiting


def syncs(record) -> int:
    return len(record.read_bytes()) if record.exists() else 0


@pytest.mark.usefixtures("gated_sync")  # before `services` is built
async def test_a_read_answers_only_after_its_entry_is_in_the_log(gated_sync, services, demo, settings):
    record, gate = gated_sync
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    before = log_count(sqlite_path(settings), me.household_id)
    synced_before = syncs(record)
    gate.unlink()  # hold every fdatasync from now on
    reads = [asyncio.create_task(services.plan.current(me, me.household_id)) for _ in range(25)]
    try:
        for _ in range(1000):  # up to 10 s for the first batch to reach its sync
            if syncs(record) > synced_before or all(r.done() for r in reads):
                break
            await asyncio.sleep(0.01)
        assert syncs(record) > synced_before, "no fdatasync was asked for the log entries"
        assert log_count(sqlite_path(settings), me.household_id) > before  # the sync comes after the insert
        await asyncio.sleep(0.2)
        assert not any(r.done() for r in reads), "a read answered before its log entry was synced"
    finally:
        gate.touch()
    await asyncio.wait_for(asyncio.gather(*reads), 30)
    assert log_count(sqlite_path(settings), me.household_id) == before + 25


async def test_a_helper_that_died_between_batches_is_replaced(settings, demo):
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine)
    hh = demo["household"]["id"]
    before = log_count(sqlite_path(settings), hh)  # the demo's own creation entries
    try:
        await writer.record([entry(hh, 1)])
        writer._syncer.kill()
        await writer._syncer.wait()
        await writer.record([entry(hh, 2)])  # a new helper syncs everything committed so far
        assert log_count(sqlite_path(settings), hh) == before + 2
    finally:
        await writer.close()
        await engine.dispose()


async def test_a_helper_lost_during_a_batch_fails_it_closed_and_the_next_one_works(settings, demo, tmp_path):
    dies_once = [
        sys.executable,
        "-c",
        "import os, runpy, sys\n"
        f"mark = {str(tmp_path / 'died')!r}\n"
        "if not os.path.exists(mark):\n"
        "    open(mark, 'w').close(); sys.stdin.buffer.read(1); sys.exit(1)\n"
        "sys.argv = ['wal_sync', sys.argv[-1]]\n"
        f"runpy.run_path({wal_sync.__file__!r}, run_name='__main__')",
    ]
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine, sync_helper=dies_once)
    hh = demo["household"]["id"]
    try:
        with pytest.raises(TemporaryFailure):  # committed, but not known to be on disk: nobody is answered
            await writer.record([entry(hh, 1)])
        await writer.record([entry(hh, 2)])
    finally:
        await writer.close()
        await engine.dispose()


async def test_a_failed_fsync_stops_the_log_until_restart(settings, demo):
    failing = [
        sys.executable,
        "-c",
        "import sys\nwhile sys.stdin.buffer.read(1):\n    sys.stdout.buffer.write(b'E'); sys.stdout.flush()",
    ]
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine, sync_helper=failing)
    hh = demo["household"]["id"]
    try:
        for n in range(3):  # after a failed fsync the kernel may have dropped pages: never trust it again
            with pytest.raises(TemporaryFailure):
                await writer.record([entry(hh, n)])
    finally:
        await writer.close()
        await engine.dispose()


async def test_the_event_loop_keeps_running_while_another_writer_holds_the_lock(settings, demo):
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine)
    hh = demo["household"]["id"]
    blocker = sqlite3.connect(sqlite_path(settings), isolation_level=None, check_same_thread=False)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process writing
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        clock = asyncio.create_task(ticker())
        pending = asyncio.create_task(writer.record([entry(hh, 1)]))
        await asyncio.sleep(0.3)
        assert not pending.done()  # the entry is not in the log yet, so nobody is answered
        assert ticks >= 15  # … but the loop served others meanwhile
        blocker.execute("COMMIT")
        await asyncio.wait_for(pending, 10)
        clock.cancel()
        assert log_count(sqlite_path(settings), hh) >= 1
    finally:
        blocker.close()
        await writer.close()
        await engine.dispose()


async def test_checkpoints_move_the_log_into_the_database_file(settings, demo, monkeypatch):
    monkeypatch.setattr(audit_writer, "CHECKPOINT_EVERY", 2)
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine, commit_spacing=0)
    hh = demo["household"]["id"]
    try:
        for n in range(8):
            await writer.record([entry(hh, n)])
        # immutable=1 reads the database file alone, ignoring the WAL
        with sqlite3.connect(f"file:{sqlite_path(settings)}?immutable=1", uri=True) as conn:
            in_file = conn.execute("SELECT count(*) FROM access_log WHERE household_id = ?", (hh,)).fetchone()[0]
        assert in_file >= 6
    finally:
        await writer.close()
        await engine.dispose()


async def test_a_change_committed_by_another_process_decides_the_next_read(services, demo, settings):
    """The hot path remembers membership and grants only while no other connection has committed."""
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    grandma = next(b for b in demo["betrokkenen"] if b["kind"] == "netwerk")
    her = Principal(grandma["id"], demo["household"]["id"])
    for _ in range(3):
        await services.plan.current(her, her.household_id)  # remembered now
    with sqlite3.connect(sqlite_path(settings)) as other:  # e.g. the CLI or a second server process
        other.execute("UPDATE betrokkene SET removed_at = ? WHERE id = ?", ("2026-01-01 00:00:00", grandma["id"]))
    with pytest.raises(NotFound):
        await services.plan.current(her, her.household_id)
    assert (await services.plan.current(me, me.household_id)).info.number >= 1


async def test_requests_queued_behind_a_failed_fsync_are_not_answered_as_logged(settings, demo):
    slow_failure = [
        sys.executable,
        "-c",
        "import sys, time\nwhile sys.stdin.buffer.read(1):\n"
        "    time.sleep(0.2); sys.stdout.buffer.write(b'E'); sys.stdout.flush()",
    ]
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine, sync_helper=slow_failure)
    hh = demo["household"]["id"]
    try:
        first = asyncio.create_task(writer.record([entry(hh, 1)]))
        await asyncio.sleep(0.05)  # the first batch is waiting for its (failing) sync
        second = asyncio.create_task(writer.record([entry(hh, 2)]))
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert all(isinstance(r, TemporaryFailure) for r in results), results
    finally:
        await writer.close()
        await engine.dispose()


async def test_a_closed_writer_refuses_instead_of_reopening(settings, demo):
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine)
    await writer.record([entry(demo["household"]["id"], 1)])
    await writer.close()
    with pytest.raises(TemporaryFailure):
        await writer.record([entry(demo["household"]["id"], 2)])
    await engine.dispose()


async def test_a_reopened_connection_does_not_serve_answers_from_before(settings, demo):
    from datetime import date

    from eenplan.storage.reads import PlanReader

    engine = create_engine(settings.effective_database_url)
    reader = PlanReader(engine)
    hh = demo["household"]["id"]
    grandma = next(b for b in demo["betrokkenen"] if b["kind"] == "netwerk")
    try:
        assert await reader.member_access(hh, grandma["id"], None, date(2026, 11, 22)) is not None
        await reader.close()  # e.g. shut down and, by mistake, used again
        with sqlite3.connect(sqlite_path(settings)) as other:
            other.execute("UPDATE betrokkene SET removed_at = ? WHERE id = ?", ("2026-01-01 00:00:00", grandma["id"]))
        assert await reader.member_access(hh, grandma["id"], None, date(2026, 11, 22)) is None
    finally:
        await reader.close()
        await engine.dispose()


async def test_a_cancelled_drainer_answers_the_requests_not_yet_in_a_batch(settings, demo):
    """A shutdown that cancels the group commit between batches (a cancelled close(), a second signal) leaves
    no request waiting forever: one queued but not yet taken gets 503, never "logged"."""
    engine = create_engine(settings.effective_database_url)
    writer = AccessLogWriter(engine)
    hh = demo["household"]["id"]
    try:
        await writer.record([entry(hh, 0)])  # the helper started, the first batch done
        await asyncio.sleep(0.01)  # past commit_spacing: the next batch is due at once
        request = asyncio.create_task(writer.record([entry(hh, 1)]))
        await asyncio.sleep(0)  # the request queued its entry and started the drainer
        await asyncio.sleep(0)  # the drainer gathers more requests before it takes the batch
        closing = asyncio.create_task(writer.close())
        await asyncio.sleep(0)  # close() waits for the drainer
        closing.cancel()  # and is cancelled: so is the drainer
        await asyncio.wait([request], timeout=3)
        assert request.done(), "the request still waits for an answer that will never come"
        assert isinstance(request.exception(), TemporaryFailure)
    finally:
        if not writer._closed:
            await writer.close()
        await engine.dispose()


def test_the_batch_latency_operators_see_is_finer_than_the_event_loops_clock(settings, demo):
    """`eenplan serve` runs on uvloop, whose clock moves in whole milliseconds and stands still within a pass
    of the loop: eenplan_access_log_batch_seconds (a batch's insert and sync, often well below 1 ms) must be
    timed with a clock of its own, or its figures are whole milliseconds and its finer buckets stay empty."""
    uvloop = pytest.importorskip("uvloop")
    hh = demo["household"]["id"]

    def seconds_so_far() -> float:
        return next(s.value for m in audit_writer.BATCH_SECONDS.collect() for s in m.samples if s.name.endswith("_sum"))

    async def five_batches() -> float:
        engine = create_engine(settings.effective_database_url)
        writer = AccessLogWriter(engine, commit_spacing=0)
        try:
            await writer.record([entry(hh, 0)])  # starts the sync helper
            before = seconds_so_far()
            for n in range(1, 6):
                await writer.record([entry(hh, n)])
            return seconds_so_far() - before
        finally:
            await writer.close()
            await engine.dispose()

    loop = uvloop.new_event_loop()
    try:
        spent = loop.run_until_complete(five_batches())
    finally:
        loop.close()
    assert spent > 0
    assert abs(spent * 1000 - round(spent * 1000)) > 1e-6, f"{spent} s: whole milliseconds, the loop's clock"
