"""The database's operational figures for the metrics endpoint: outbox depth and age, dead letters, bounces.

Counts and ages only, grouped by the outbox kind (a fixed list; anything else is counted as "other"): nothing of a
household, recipient or address leaves this module. One small engine of its own (one connection), so a scrape never
waits for the application's pool; `web.metrics.DatabaseFigures` calls `read` at most once per few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from ..domain.mailgroup import OutboxKind, OutboxStatus
from .engine import create_engine
from .tables_inbound import AddressBounceRow
from .tables_mail import OutboxRow

_KINDS = frozenset(k.value for k in OutboxKind)


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
            sa.select(col(t.kind), sa.func.count(), sa.func.min(col(t.created_at)))
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
        now = self._clock()
        figures: dict[tuple[str, str], float] = {}

        def add(name: str, kind: str, value: float, combine: Callable[[float, float], float] = float.__add__) -> None:
            key = (name, _kind(kind))
            figures[key] = combine(figures.get(key, 0.0), value)

        async with self._engine.connect() as conn:
            for kind, count, oldest in (await conn.execute(queued)).all():
                add("eenplan_outbox_queued", kind, float(count))
                age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
                add("eenplan_outbox_oldest_age_seconds", kind, age, max)
            for kind, count in (await conn.execute(dead)).all():
                add("eenplan_outbox_dead_letters", kind, float(count))
            disabled, bouncing = (await conn.execute(bounces)).one()
        for kind in _KINDS:  # every kind present, zero when empty: a dashboard's line does not vanish
            for name in ("eenplan_outbox_queued", "eenplan_outbox_oldest_age_seconds", "eenplan_outbox_dead_letters"):
                figures.setdefault((name, kind), 0.0)
        rows = [(name, kind, value) for (name, kind), value in sorted(figures.items())]
        rows.append(("eenplan_addresses_disabled", "", float(disabled or 0)))
        rows.append(("eenplan_addresses_bouncing", "", float(bouncing or 0)))
        return rows

    async def close(self) -> None:
        """Release the engine."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
