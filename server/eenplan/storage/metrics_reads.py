"""The database's operational figures for the metrics endpoint: outbox depth, age, retries and dead letters,
bounces, and each hourly job's last run across the cluster.

Counts and ages only, grouped by the outbox kind (a fixed list; anything else is counted as "other") or by the job's
name (fixed strings in the code, checked against `_JOB_NAME`): nothing of a household, recipient or address leaves
this module. One small engine of its own (one connection), so a scrape never
waits for the application's pool; `web.metrics.DatabaseFigures` calls `read` at most once per few seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from ..domain.mailgroup import OutboxKind, OutboxStatus
from .engine import create_engine
from .tables_cluster import JobClaimRow
from .tables_inbound import AddressBounceRow
from .tables_mail import OutboxRow

_KINDS = frozenset(k.value for k in OutboxKind)
#: a periodic job's claim name as the code gives it ("key-expiry", "OverlegService.due_reminders"); anything else
#: (never expected) is left out rather than become a label
_JOB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,99}")


_BY_KIND = (
    "eenplan_outbox_queued",
    "eenplan_outbox_oldest_age_seconds",
    "eenplan_outbox_dead_letters",
    "eenplan_outbox_retrying",
)


def _aware(at: datetime) -> datetime:
    """SQLite hands timestamps back naive (stored as UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _kind(raw: str) -> str:
    return raw if raw in _KINDS else "other"


class MetricsReads:
    """Reads the figures on its own one-connection engine (opened on first use)."""

    def __init__(self, url: str, clock: Callable[[], datetime] | None = None) -> None:
        self._url = url
        self._clock = clock or (lambda: datetime.now(UTC))
        self._engine: AsyncEngine | None = None

    async def read(self) -> list[tuple[str, str, float]]:
        """(metric, kind or "", value) for every figure, in one read-only transaction."""
        if self._engine is None:
            self._engine = create_engine(self._url, pool_size=1)
        t, b = OutboxRow, AddressBounceRow
        queued = (
            sa.select(
                col(t.kind),
                sa.func.count(),
                sa.func.min(col(t.created_at)),
                sa.func.count().filter(col(t.attempts) > 0, col(t.last_error).is_not(None)),  # failed before
            )
            .where(col(t.status) == OutboxStatus.QUEUED.value)
            .group_by(col(t.kind))
        )
        dead = (
            sa.select(col(t.kind), sa.func.count())
            .where(col(t.status) == OutboxStatus.DEAD.value)
            .group_by(col(t.kind))
        )
        bounces = sa.select(
            sa.func.count(col(b.disabled_at)), sa.func.count().filter(col(b.disabled_at).is_(None), col(b.score) > 0)
        )
        j = JobClaimRow
        jobs = sa.select(col(j.job), sa.func.max(col(j.claimed_at))).group_by(col(j.job))
        now = self._clock()
        figures: dict[tuple[str, str], float] = {}

        def add(name: str, kind: str, value: float, combine: Callable[[float, float], float] = float.__add__) -> None:
            key = (name, _kind(kind))
            figures[key] = combine(figures.get(key, 0.0), value)

        async with self._engine.connect() as conn:
            for kind, count, oldest, retrying in (await conn.execute(queued)).all():
                add("eenplan_outbox_queued", kind, float(count))
                add("eenplan_outbox_retrying", kind, float(retrying or 0))
                age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
                add("eenplan_outbox_oldest_age_seconds", kind, age, max)
            for kind, count in (await conn.execute(dead)).all():
                add("eenplan_outbox_dead_letters", kind, float(count))
            disabled, bouncing = (await conn.execute(bounces)).one()
            last_runs = [(str(job), at) for job, at in (await conn.execute(jobs)).all() if at is not None]
        for kind in _KINDS:  # every kind present, zero when empty: a dashboard's line does not vanish
            for name in _BY_KIND:
                figures.setdefault((name, kind), 0.0)
        rows = [(name, kind, value) for (name, kind), value in sorted(figures.items())]
        rows.append(("eenplan_addresses_disabled", "", float(disabled or 0)))
        rows.append(("eenplan_addresses_bouncing", "", float(bouncing or 0)))
        rows += [
            ("eenplan_periodic_job_last_run_timestamp_seconds", job, _aware(at).timestamp())
            for job, at in sorted(last_runs)
            if _JOB_NAME.fullmatch(job)
        ]
        return rows

    async def close(self) -> None:
        """Release the engine."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
