"""Writing read events to the access log by group commit: one durable commit for many requests.

Every request awaits its entry's durable commit before it answers (nothing
is released unlogged; fail closed), but requests arriving while a commit is
made durable share the next one, so the log costs one fsync per batch, not
per request. A batch is taken a few loop turns after it is due (`GATHER_TURNS`),
so the requests already under way join it, and under load batches are spaced
`commit_spacing` apart (PostgreSQL's commit_delay idea): an fsync costs far
more than an insert.

SQLite: the rows are inserted on the event loop's own connection (`loop_db`,
shared with the hot reads so both keep a warm cache; no lock wait: a thread
with its own connection takes the batch when another writer holds the lock)
in WAL mode with synchronous=NORMAL, and then a helper process (`wal_sync`)
fdatasyncs the WAL before anyone is answered. NORMAL
plus that sync is what synchronous=FULL does at commit, without a thread
competing with the event loop for the GIL. PostgreSQL: one transaction per batch on
the asyncpg pool the hot reads use (`pg_reads`; the statements in `pg_log`). All three writers (these two and the ORM's)
append by the one algorithm of `log_chain`.

A failed batch fails every request in it (503) and is logged; a storage fault
(read-only, full, I/O) is reported to the storage health, which turns
`/readyz` red, and the loop's connection is reopened on the next batch after
the backoff. A failed fsync is different: the kernel may have dropped the
pages, so the log refuses until restart.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from prometheus_client import Counter, Histogram
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.audit import AccessEvent
from ..domain.errors import DecisionChanged, StorageUnavailable, TemporaryFailure
from . import wal_sync
from .engine import engine_health, is_sqlite
from .faults import IO
from .loop_db import LoopConnection, append_sqlite, is_busy
from .pg_generation import PENDING, Pending
from .pg_log import append_pg_checked
from .pg_reads import PgReads

log = logging.getLogger("eenplan.audit")

#: loop turns a batch waits before it is taken: the requests its predecessor answered send their answers (1), the
#: next requests already sent are read (2) and run up to their own log entry (3). Without them every other batch
#: held the one request that came in meanwhile (sizes 1, 15, 1, 15 … at 16 connections: twice the commits).
GATHER_TURNS = 3
#: Checkpoint the WAL in the helper process after this many batches (the loop's connection never does).
CHECKPOINT_EVERY = 200
#: seconds to wait for the helper's answer before failing the batch (a stuck disk must not hang every request)
SYNC_TIMEOUT = 30.0

#: the group commit's figures for the metrics endpoint (web/metrics.py serves them)
BATCH_SECONDS = Histogram(
    "eenplan_access_log_batch_seconds",
    "Time to make one access-log batch durable (insert and sync/commit)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)
BATCH_ENTRIES = Histogram(
    "eenplan_access_log_batch_entries", "Entries per access-log batch", buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256)
)
BATCH_FAILURES = Counter("eenplan_access_log_batch_failures", "Access-log batches that failed (their requests got 503)")


class AccessLogWriter:
    """Appends access events durably, batching concurrent requests into one transaction."""

    def __init__(
        self,
        engine: AsyncEngine,
        loop_db: LoopConnection | None = None,
        pg: PgReads | None = None,
        *,
        commit_spacing: float = 0.001,
        sync_helper: Sequence[str] | None = None,
    ) -> None:
        self._spacing = commit_spacing
        self._last_commit = float("-inf")
        # (events, their waiter, the deferred PostgreSQL decision they settle: pg_generation)
        self._pending: list[tuple[list[AccessEvent], asyncio.Future[None], Pending | None]] = []
        self._drainer: asyncio.Task[None] | None = None
        url = engine.url.render_as_string(hide_password=False)
        self._sqlite_path = make_url(url).database if is_sqlite(url) else None
        shared = loop_db if loop_db is not None else pg
        health = self._health = shared.health if shared is not None else engine_health(engine)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access-log") if self._sqlite_path else None
        self._loop_db = loop_db or (LoopConnection(self._sqlite_path, health) if self._sqlite_path else None)
        self._pg = None if self._sqlite_path else (pg or PgReads(url, health=health))
        self._waiting: sqlite3.Connection | None = None  # the thread's own, for batches that must wait for a lock
        self._syncer: asyncio.subprocess.Process | None = None
        #: the command of the WAL sync helper; its last argument is the database file
        self._helper = [*(sync_helper or [sys.executable, "-I", wal_sync.__file__]), str(self._sqlite_path)]
        self._batches = 0
        self._off_loop_once = False  # the next batch goes through the thread (the WAL restarts after a checkpoint)
        self._broken: BaseException | None = None
        self._closed = False

    async def record(self, events: list[AccessEvent]) -> None:
        """Return once the events are durably in the log; raise TemporaryFailure if they could not be."""
        if not events:
            return
        if self._broken is not None or self._closed:
            raise TemporaryFailure("the access log is unavailable") from self._broken
        if not self._health.may_attempt():  # a storage fault, within its backoff: fail at once
            raise self._health.refuse()
        future = asyncio.get_running_loop().create_future()
        pending = PENDING.get() if self._pg is not None else None
        self._pending.append((events, future, pending if pending is not None and not pending.settled else None))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        try:
            await self._drain_batches()
        except asyncio.CancelledError:  # shutting down: requests not yet in a batch get their answer too
            queued, self._pending = self._pending, []
            for _, future, _ in queued:
                if not future.done():
                    future.set_exception(TemporaryFailure("the access log is shutting down"))
            raise

    async def _drain_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            for _ in range(GATHER_TURNS):  # the requests already under way join this batch, not the next
                await asyncio.sleep(0)
            wait = self._last_commit + self._spacing - loop.time()
            if wait > 0:  # under load: let more requests join this commit
                await asyncio.sleep(wait)
            self._last_commit = loop.time()
            batch, self._pending = self._pending, []
            events = [e for group, _, _ in batch for e in group]
            refused: set[int] = set()
            started = time.perf_counter()  # not loop.time(): uvloop's moves in whole milliseconds
            try:
                if self._broken is not None:  # queued before a sync failed: never answered as logged
                    raise self._broken
                if self._thread is not None:
                    await self._write_sqlite(events)
                else:
                    assert self._pg is not None
                    groups = [(group, pending) for group, _, pending in batch]
                    refused = await self._pg.transaction(
                        lambda conn, batch_groups=groups: append_pg_checked(conn, batch_groups)
                    )
            except asyncio.CancelledError:  # shutting down: nobody may wait forever, nor be told "logged"
                log.warning("access log batch of %d entries cancelled (shutting down)", len(events))
                for _, future, _ in batch:
                    if not future.done():
                        future.set_exception(TemporaryFailure("the access log is shutting down"))
                raise
            except Exception as exc:  # whatever went wrong, every waiting request gets its answer: 503
                BATCH_FAILURES.inc()
                failure = self._failed(exc, len(events))
                for _, future, _ in batch:
                    if not future.done():
                        future.set_exception(failure)
            else:
                BATCH_SECONDS.observe(time.perf_counter() - started)
                BATCH_ENTRIES.observe(len(events))
                for index, (_, future, pending) in enumerate(batch):
                    if index in refused:  # decided under a generation no longer current: nothing was logged
                        assert pending is not None and self._pg is not None
                        self._pg.generations.drop(pending.household_id, pending.generation)
                        if not future.done():
                            future.set_exception(DecisionChanged("the decision changed; read again"))
                        continue
                    if pending is not None:
                        pending.settled = True
                    if not future.done():
                        future.set_result(None)
                self._health.recovered(wrote=True)
                self._batches += 1
                if self._thread is not None and self._batches % CHECKPOINT_EVERY == 0:
                    try:  # after answering: moving the WAL into the database is nobody's wait
                        await self._ask(b"c")
                        # the next write restarts the WAL, and SQLite syncs its header then: not on the loop
                        self._off_loop_once = True
                    except OSError:
                        pass  # the next sync notices a lost helper; the WAL stays valid meanwhile

    def _failed(self, exc: Exception, entries: int) -> TemporaryFailure:
        """Log a failed batch (kind of error only) and give the error its waiters get."""
        fault = exc if isinstance(exc, StorageUnavailable) else self._health.check(exc, "access log")
        if fault is not None:
            self._drop_waiting()  # may have been opened read-only, or be broken: a fresh one next time
        log.warning(
            "access log batch of %d entries failed: %s",
            entries,
            fault.detail if fault is not None else type(exc).__name__,
        )
        failure = fault or TemporaryFailure("the access log could not be written")
        failure.__cause__ = exc
        return failure

    def _drop_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and self._thread is not None:
            self._thread.submit(waiting.close)

    async def _write_sqlite(self, events: list[AccessEvent]) -> None:
        assert self._loop_db is not None
        try:
            if self._off_loop_once:
                self._off_loop_once = False
                raise sqlite3.OperationalError("busy: restarting the WAL after a checkpoint")
            self._loop_db.append_log(events)  # on the loop: no lock wait (busy_timeout 0), no fsync (NORMAL)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            # another writer holds the lock (or the WAL restarts): in the thread, on the thread's own connection
            await asyncio.get_running_loop().run_in_executor(self._thread, self._append_waiting, events)
        await self._ask(b"s")

    async def _ask(self, command: bytes) -> None:
        """Have the helper process sync (or checkpoint) the WAL; a failed sync breaks the log for good."""
        if self._broken is not None:  # a new helper's fresh descriptor would not report the earlier error
            raise self._broken
        if self._syncer is None or self._syncer.returncode is not None:
            self._syncer = await asyncio.create_subprocess_exec(
                *self._helper, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
            )
        syncer = self._syncer
        assert syncer.stdin is not None and syncer.stdout is not None
        try:
            syncer.stdin.write(command)
            answer = await asyncio.wait_for(syncer.stdout.readexactly(1), SYNC_TIMEOUT)
        except BaseException as exc:  # lost, hung (a stuck disk) or cancelled: its answers no longer pair up
            self._syncer = None  # not known to be durable: this batch fails; a new helper syncs the next
            if syncer.returncode is None:
                syncer.kill()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise OSError("the WAL sync helper stopped or did not answer") from exc
        if answer != b"k":
            # After a failed fsync the kernel may have dropped the pages: never trust this log again.
            self._broken = OSError("fdatasync of the WAL failed")
            self._health.report(IO, "syncing the access log", permanent=True)
            log.critical("syncing the access log failed; refusing plan reads until restart")
            raise self._broken

    def _append_waiting(self, events: list[AccessEvent]) -> None:
        if self._waiting is None:
            assert self._sqlite_path is not None
            self._waiting = sqlite3.connect(self._sqlite_path, isolation_level=None, timeout=30)
            self._waiting.execute("PRAGMA synchronous=NORMAL")  # durable by the helper's sync, as on the loop
        append_sqlite(self._waiting, events)

    async def close(self) -> None:
        """Finish pending writes and release the connection and the helper process; later records fail."""
        self._closed = True
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)
        syncer, self._syncer = self._syncer, None
        if syncer is not None and syncer.stdin is not None:
            syncer.stdin.close()
            await syncer.wait()
        if self._thread is not None:
            waiting, self._waiting = self._waiting, None
            if waiting is not None:
                await asyncio.get_running_loop().run_in_executor(self._thread, waiting.close)
            self._thread.shutdown(wait=True)
        if self._loop_db is not None:
            self._loop_db.close()
        if self._pg is not None:
            await self._pg.close()
