"""What the plan-deadline service (services/plan_deadlines.py) needs from storage."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from .plan_deadlines import PlanEvent, PlanProgress


class PlanDeadlineStore(Protocol):
    """The events the plan's deadlines count from (storage/plan_deadline_repository.py)."""

    async def add(self, event: PlanEvent, recorded_by: str, at: datetime) -> None: ...
    async def list(self, household_id: str) -> builtins.list[PlanEvent]: ...
    async def progress(self, household_id: str) -> PlanProgress: ...
    async def remove(self, household_id: str, event_id: str) -> bool: ...
