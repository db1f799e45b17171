"""The events the plan's deadlines count from, and what meets them (the newest version and vaststelling).

`facts` answers for many households in ONE statement (the events joined with each household's newest version
and vaststelling, `IN (...)` over the ids): the caseload's one extra query.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.plan_deadlines import EventKind, PlanEvent, PlanProgress
from .tables import PlanVersionRow
from .tables_plan_deadlines import PlanDeadlineEventRow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _day(value: datetime | None) -> date | None:
    """A stored moment as the Dutch local day (None stays None)."""
    aware = _aware(value)
    return None if aware is None else aware.astimezone(AMSTERDAM).date()


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _event(row: PlanDeadlineEventRow) -> PlanEvent:
    return PlanEvent(row.id, row.household_id, EventKind(row.kind), row.day, row.asked_by, _aware(row.recorded_at))


class PlanDeadlineRepository:
    """Deadline events of households, inside a unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: PlanEvent, recorded_by: str, at: datetime) -> None:
        """Record one event (who recorded it and when)."""
        self._s.add(
            PlanDeadlineEventRow(
                id=event.id,
                household_id=event.household_id,
                kind=event.kind.value,
                day=event.on,
                asked_by=event.asked_by,
                recorded_by=recorded_by,
                recorded_at=at,
            )
        )
        await self._s.flush()

    async def list(self, household_id: str) -> list[PlanEvent]:
        """The household's events, oldest day first."""
        stmt = (
            sa.select(PlanDeadlineEventRow)
            .where(col(PlanDeadlineEventRow.household_id) == household_id)
            .order_by(
                col(PlanDeadlineEventRow.day), col(PlanDeadlineEventRow.recorded_at), col(PlanDeadlineEventRow.id)
            )
        )
        return [_event(r) for r in (await self._s.execute(stmt)).scalars()]

    async def remove(self, household_id: str, event_id: str) -> bool:
        """Delete one event of the household (a correction); False when the household has no such event."""
        stmt = sa.delete(PlanDeadlineEventRow).where(
            col(PlanDeadlineEventRow.household_id) == household_id, col(PlanDeadlineEventRow.id) == event_id
        )
        result = await self._s.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def progress(self, household_id: str) -> PlanProgress:
        """The days of the household's newest plan version and newest vaststelling."""
        stmt = sa.select(
            sa.func.max(col(PlanVersionRow.created_at)), sa.func.max(col(PlanVersionRow.vastgesteld_at))
        ).where(col(PlanVersionRow.household_id) == household_id)
        last_version, last_vastgesteld = (await self._s.execute(stmt)).one()
        every = sa.select(col(PlanVersionRow.created_at), col(PlanVersionRow.vastgesteld_at)).where(
            col(PlanVersionRow.household_id) == household_id
        )
        rows = (await self._s.execute(every)).all()
        moments = tuple(sorted(m for m in (_aware(r[0]) for r in rows) if m is not None))
        days = tuple(sorted(d for d in (_day(r[1]) for r in rows) if d is not None))
        return PlanProgress(_aware(last_version), _day(last_vastgesteld), moments, days)

    async def facts(
        self, household_ids: builtins.list[str]
    ) -> dict[str, tuple[builtins.list[PlanEvent], PlanProgress]]:
        """For each household with events: its events and its progress, in one statement."""
        if not household_ids:
            return {}
        versions = (
            sa.select(
                col(PlanVersionRow.household_id).label("household_id"),
                sa.func.max(col(PlanVersionRow.created_at)).label("last_version"),
                sa.func.max(col(PlanVersionRow.vastgesteld_at)).label("last_vastgesteld"),
            )
            .where(col(PlanVersionRow.household_id).in_(household_ids))
            .group_by(col(PlanVersionRow.household_id))
            .subquery()
        )
        e = PlanDeadlineEventRow
        stmt = (
            sa.select(
                col(e.household_id),
                col(e.id),
                col(e.kind),
                col(e.day),
                col(e.asked_by),
                col(e.recorded_at),
                versions.c.last_version,
                versions.c.last_vastgesteld,
            )
            .outerjoin(versions, versions.c.household_id == col(e.household_id))
            .where(col(e.household_id).in_(household_ids))
            .order_by(col(e.household_id), col(e.day), col(e.id))
        )
        events: dict[str, builtins.list[PlanEvent]] = defaultdict(list)
        progress: dict[str, PlanProgress] = {}
        rows = (await self._s.execute(stmt)).all()
        for h, eid, kind, day, asked_by, recorded_at, last_version, last_vastgesteld in rows:
            events[h].append(PlanEvent(eid, h, EventKind(kind), day, asked_by, _aware(recorded_at)))
            progress[h] = PlanProgress(_aware(last_version), _day(last_vastgesteld))
        if events:  # one more statement: every version's moments, for the day each deadline was met
            every = sa.select(
                col(PlanVersionRow.household_id), col(PlanVersionRow.created_at), col(PlanVersionRow.vastgesteld_at)
            ).where(col(PlanVersionRow.household_id).in_(builtins.list(events)))
            moments: dict[str, builtins.list[datetime]] = defaultdict(list)
            days: dict[str, builtins.list[date]] = defaultdict(list)
            for h, created, vastgesteld in (await self._s.execute(every)).all():
                if (m := _aware(created)) is not None:
                    moments[h].append(m)
                if (d := _day(vastgesteld)) is not None:
                    days[h].append(d)
            progress = {
                h: PlanProgress(
                    p.last_version_at, p.last_vastgesteld_on, tuple(sorted(moments[h])), tuple(sorted(days[h]))
                )
                for h, p in progress.items()
            }
        return {h: (found, progress[h]) for h, found in events.items()}
