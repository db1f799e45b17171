"""The outbox worker's hourly jobs: which run, once per hour across the cluster, in a task of their own.

Key-expiry warnings and the jobs other services register (reminder invites, overdue deadlines, retention)
run once an hour. With `JobClaims` (several nodes), each job runs once per hour across every worker: the
one that claims it first; a failing run gives its hour back. The jobs run beside the mail, never in front
of it: a slow job does not hold back what was queued meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..domain.cluster_ports import JobClaims
from ..domain.ports import Clock
from ..logsafe import describe_error

log = logging.getLogger("eenplan.services.outbox")

#: an hourly job: (name, job) with the name its claim goes by across the cluster, or a bare job (its __qualname__)
PeriodicJob = tuple[str, Callable[[], Awaitable[object]]] | Callable[[], Awaitable[object]]


def named(entry: PeriodicJob) -> tuple[str, Callable[[], Awaitable[object]]]:
    """A periodic entry as (name, job): explicit names stay stable when the code behind them is renamed."""
    if isinstance(entry, tuple):
        return entry
    return str(getattr(entry, "__qualname__", entry)), entry


async def run_hourly(
    jobs: Sequence[tuple[str, Callable[[], Awaitable[object]]]],
    claims: JobClaims | None,
    worker_id: str,
    now: datetime,
) -> None:
    """Run each job of this hour; one failing job does not stop the others. With `claims`, a job runs only
    where its hour was claimed (another worker runs it otherwise), and a failing run releases the hour."""
    for name, job in jobs:
        period, claimed = now.strftime("%Y-%m-%dT%H"), False
        try:
            if claims is not None:
                claimed = await claims.claim(name, period, worker_id, now)
                if not claimed:
                    continue  # another worker runs it this hour
            await job()
        except Exception as exc:
            log.error("periodic job %s failed: %s", name, describe_error(exc))
            if claimed and claims is not None:  # give the hour back: another worker may run it
                with contextlib.suppress(Exception):
                    await claims.release(name, period, worker_id)


class HourlyTask:
    """The hourly jobs in a task of their own: a slow one never holds back the mail queued meanwhile (what
    they queue wakes the worker like any other commit). One run at a time; a stop waits for it."""

    def __init__(self, run: Callable[[], Coroutine[Any, Any, None]], clock: Clock, first: datetime) -> None:
        self._run = run
        self._clock = clock
        self._next = first
        self._task: asyncio.Task[None] | None = None

    def start_if_due(self) -> None:
        """Start a run when the hour came and the previous run is done; the next is due an hour later."""
        if (self._task is None or self._task.done()) and self._clock() >= self._next:
            self._task = asyncio.create_task(self._run(), name="eenplan-outbox-hourly")
            self._next = self._clock() + timedelta(hours=1)

    async def finish(self) -> None:
        """Wait for the run in progress, if any (its jobs' failures are logged by `run_hourly`)."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
