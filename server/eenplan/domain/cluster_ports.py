"""Ports for state every node of a cluster shares (issue 15): attempt limits, once-per-period jobs, wake-ups.

One node (SQLite) keeps attempt counters in memory (`domain.signin.MemoryCounter`) and wakes its worker in
process; several nodes on one PostgreSQL count in the database (`storage.shared_limits`), claim periodic
jobs there (`storage.job_claims`) and wake each other's workers with NOTIFY (`storage.outbox_wake`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Limit:
    """The shape of one kind of token bucket: `capacity` attempts, refilled evenly over `window_seconds`.

    `name` keeps the buckets of different limits apart (the same key under two limits is two buckets)."""

    name: str
    capacity: int
    window_seconds: float

    @property
    def rate(self) -> float:
        """Attempts refilled per second."""
        return self.capacity / self.window_seconds


class AttemptCounter(Protocol):
    """Token buckets per (limit, key): how many attempts a client IP, an address, a feed link… has left."""

    async def wait_needed(self, limit: Limit, key: str, now: float) -> float:
        """Seconds until `key` has an attempt of `limit` (0 when it has one now); takes nothing."""
        ...

    async def take(self, wants: Sequence[tuple[Limit, str]], now: float) -> float:
        """Take one attempt from every (limit, key) in `wants`, all or none, atomically (two nodes never both
        take the last one); 0.0 when taken, else the seconds until every bucket would have one."""
        ...


class JobClaims(Protocol):
    """Once-per-period claims: of all nodes trying to run job X for period P, exactly one wins."""

    async def claim(self, job: str, period: str, node: str, now: datetime) -> bool:
        """Whether `node` won (job, period) and should run it now; False when another node has it."""
        ...

    async def release(self, job: str, period: str, node: str) -> None:
        """Give up `node`'s claim of (job, period) (its run failed): the next node to try may run it."""
        ...


class OutboxWakeSource(Protocol):
    """Wake-ups for outbox workers on other nodes (PostgreSQL LISTEN/NOTIFY)."""

    def notify(self) -> None:
        """Rows were committed to the outbox: tell every listening worker (after commit; best effort)."""
        ...

    async def listen(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever another node queued rows, until cancelled; reconnects after a lost
        connection (and wakes once then: rows may have been queued meanwhile)."""
        ...
