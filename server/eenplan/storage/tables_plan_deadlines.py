"""The events the plan's deadlines count from (issue 13, migration 0022): a request to put the plan in writing
(14 days) and the decision not to make a familiegroepsplan (6 weeks). Ids and days only: no plan content."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .tables_base import _ts


class PlanDeadlineEventRow(SQLModel, table=True):
    """One recorded event: its kind (`domain.plan_deadlines.EventKind`), the day it happened, who asked (a
    betrokkene, for a request for the written plan), and which regisseur recorded it when."""

    __tablename__ = "plan_deadline_event"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    day: date
    asked_by: str | None = Field(default=None, foreign_key="betrokkene.id", max_length=36)
    recorded_by: str = Field(foreign_key="betrokkene.id", max_length=36)
    recorded_at: datetime = Field(sa_column=_ts())


__all__ = ["PlanDeadlineEventRow"]
