"""Waking outbox workers on other nodes (issue 15): PostgreSQL NOTIFY after a commit that queued rows,
LISTEN on a dedicated asyncpg connection in every worker.

`notify()` is called right after the commit (it is one of `MailgroupService.on_enqueued`); it sends one
`NOTIFY` on the engine's pool, coalescing a burst of commits into one. A lost notification costs nothing
but time: the worker's poll stays the fallback. `listen()` reconnects with a backoff (0.2 s doubling to
5 s) and wakes its worker once after every (re)connect, for rows queued while it was not listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("eenplan.outbox")

CHANNEL = "eenplan_outbox"
#: seconds between checks that the listening connection is still alive
PING_SECONDS = 30.0
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 5.0
_NOTIFY = sa.text(f"NOTIFY {CHANNEL}")


class PgOutboxWake:
    """The `OutboxWakeSource` on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self._engine = engine
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._dirty = False
        self._sending: asyncio.Task[None] | None = None
        #: set while a LISTEN connection is open (tests wait for it)
        self.listening = asyncio.Event()

    def notify(self) -> None:
        """Tell the other nodes' workers that rows were committed (one NOTIFY per burst; best effort)."""
        self._dirty = True
        if self._sending is None or self._sending.done():
            try:
                self._sending = asyncio.get_running_loop().create_task(self._send(), name="eenplan-outbox-notify")
            except RuntimeError:  # no loop (a synchronous caller): the workers' poll finds the rows
                self._dirty = False

    async def _send(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                async with self._engine.connect() as conn:
                    await conn.execute(_NOTIFY)
                    await conn.commit()
            except Exception as exc:  # the poll is the fallback; never fail the request that queued rows
                log.warning("outbox NOTIFY failed (%s); workers find the rows at their next poll", type(exc).__name__)
                return

    async def settle(self) -> None:
        """Wait for a NOTIFY in flight (shutdown)."""
        if self._sending is not None:
            with contextlib.suppress(Exception):
                await self._sending

    async def listen(self, wake: Callable[[], None]) -> None:
        """LISTEN until cancelled, calling `wake` on every notification and after every (re)connect."""
        delay = BACKOFF_FIRST
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=10)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, lambda *_args: wake())
                self.listening.set()
                delay = BACKOFF_FIRST
                wake()  # rows may have been queued while nobody listened
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=PING_SECONDS)
                    if not lost.is_set():
                        await asyncio.wait_for(conn.execute("SELECT 1"), timeout=10)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox LISTEN lost (%s); polling until it is back", type(exc).__name__)
            finally:
                self.listening.clear()
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
