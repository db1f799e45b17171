"""The plan's own deadlines (issue 13): record the events they count from, show them, and vaststellen at an overleg.

A regisseur records that someone asked to have the plan in writing (the written plan is due 14 days later) and
that it was decided not to make a familiegroepsplan (vastgesteld due 6 weeks later) [001 §Definities]; the
rules — who may ask, no day in the future, due, met, overdue — are `domain.plan_deadlines`'. The caseload shows
the open ones with the other deadlines. Vaststellen at an overleg (one that was held, or today's) records the
overleg on the version (`plan_version.vastgesteld_overleg`) through `PlanService.adopt_in`, in one transaction;
`adopt_at` is the one place of that rule: the plan editor's form and the API (`…/plan/versions/{n}/vaststellen`) both
call it, so neither adopts at a future or cancelled overleg (422 naming `overleg`).

Nothing here reads plan content: names, days and overleg dates only, so nothing is access-logged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from ..domain.access import Principal
from ..domain.betrokkene import Betrokkene
from ..domain.errors import NotFound, ValidationFailed
from ..domain.names import by_name
from ..domain.overleg import OverlegStatus, OverlegType
from ..domain.plan_deadlines import (
    EventKind,
    EventStatus,
    PlanEvent,
    adoptable_at,
    check_event_day,
    check_not_duplicate,
    may_ask_written_plan,
    status_of,
)
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.versions import VersionInfo
from .common import Caller, Need, authorised, require_need
from .overleg_drafts import AMSTERDAM, local_date
from .plan import PlanService


@dataclass(frozen=True)
class DeadlineOverview:
    """The household's deadline events judged today (newest first), and who may be chosen as asking."""

    statuses: tuple[EventStatus, ...]
    askers: tuple[Betrokkene, ...]
    names: dict[str, str]
    today: date


@dataclass(frozen=True)
class OverlegChoice:
    """An overleg a plan may be vastgesteld at: held, or planned for today."""

    id: str
    type: OverlegType
    start: datetime
    held: bool


#: what recording an event is called in a refusal; the event names its regisseur, so only her own credential does it
RECORD = "record plan deadlines"


class PlanDeadlineService:
    """Deadline events and vaststellen at an overleg, for the regisseur of a household."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, new_id: IdFactory, plan: PlanService) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        self._plan = plan

    def _today(self) -> date:
        return self._clock().astimezone(AMSTERDAM).date()

    @asynccontextmanager
    async def _recording(self, principal: Principal, household_id: str) -> AsyncIterator[Caller]:
        """`authorised` for a change to the deadline events: a regisseur acting as herself (an event names who
        recorded it), so a token another regisseur issued for her is refused (Need.PERSONAL) before any write."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what=RECORD
        ) as caller:
            require_need(caller, Need.PERSONAL, RECORD)
            yield caller

    async def overview(self, principal: Principal, household_id: str) -> DeadlineOverview:
        """Every recorded event with its deadline and whether it is met (regisseurs only)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="see the plan's deadlines"
        ) as caller:
            uow = caller.uow
            events = await uow.plan_deadlines.list(household_id)
            progress = await uow.plan_deadlines.progress(household_id)
            people = await uow.betrokkenen.list(household_id, include_removed=True)
        today = self._today()
        statuses = [status_of(e, progress, today) for e in reversed(events)]
        return DeadlineOverview(
            tuple(statuses),
            tuple(b for b in by_name(people) if may_ask_written_plan(b)),
            {b.id: b.name for b in people},
            today,
        )

    async def record_written_request(
        self, principal: Principal, household_id: str, asked_by: str, on: date
    ) -> EventStatus:
        """Record that `asked_by` (the jeugdige, a parent or a provider) asked on `on` to have the plan in writing."""
        async with self._recording(principal, household_id) as caller:
            check_event_day(on, self._today())
            person = await caller.uow.betrokkenen.get(household_id, asked_by)
            if person is None or not may_ask_written_plan(person):
                raise ValidationFailed.one("asked_by", "is not the jeugdige, a parent or a provider of this household")
            return await self._record(
                caller.uow, household_id, caller.actor.betrokkene_id, EventKind.WRITTEN_PLAN_ASKED, on, asked_by
            )

    async def record_no_familiegroepsplan(self, principal: Principal, household_id: str, on: date) -> EventStatus:
        """Record that on `on` it was decided not to make a familiegroepsplan."""
        async with self._recording(principal, household_id) as caller:
            check_event_day(on, self._today())
            return await self._record(
                caller.uow, household_id, caller.actor.betrokkene_id, EventKind.NO_FAMILIEGROEPSPLAN, on, None
            )

    async def _record(
        self, uow: UnitOfWork, household_id: str, by: str, kind: EventKind, on: date, asked_by: str | None
    ) -> EventStatus:
        """Store one event in the caller's transaction and commit (an exact duplicate is refused: 422 on `on`);
        answer it judged today."""
        check_not_duplicate(kind, on, asked_by, await uow.plan_deadlines.list(household_id))
        event = PlanEvent(self._new_id(), household_id, kind, on, asked_by, self._clock())
        await uow.plan_deadlines.add(event, by, event.recorded_at or self._clock())
        progress = await uow.plan_deadlines.progress(event.household_id)
        await uow.commit()
        return status_of(event, progress, self._today())

    async def remove(self, principal: Principal, household_id: str, event_id: str) -> None:
        """Delete one recorded event (a correction: recorded by mistake or twice); regisseurs only, 404 when
        the household has no such event."""
        async with self._recording(principal, household_id) as caller:
            if not await caller.uow.plan_deadlines.remove(household_id, event_id):
                raise NotFound("deadline event not found")
            await caller.uow.commit()

    async def adoption_choices(self, principal: Principal, household_id: str) -> list[OverlegChoice]:
        """The overleggen the current version may be vastgesteld at: held ones and today's, newest first."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="adopt a plan version"
        ) as caller:
            found = await caller.uow.overleggen.list(household_id)
        today = self._today()
        shown = [
            OverlegChoice(o.id, o.type, o.start, o.status is OverlegStatus.HELD)
            for o in found
            if adoptable_at(
                o.status is OverlegStatus.HELD, o.status is OverlegStatus.PLANNED, local_date(o.start), today
            )
        ]
        return sorted(shown, key=lambda c: c.start, reverse=True)

    async def adopt_at(
        self, principal: Principal, household_id: str, number: int, overleg_id: str | None
    ) -> VersionInfo:
        """Vaststellen of version `number`, at the overleg `overleg_id` (held, or today's; None: no overleg
        named), in one transaction; the overleg is kept on the version (`vastgesteld_overleg`)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="adopt a plan version"
        ) as caller:
            uow = caller.uow
            if overleg_id is not None:
                found = await uow.overleggen.get(household_id, overleg_id)
                if found is None or not adoptable_at(
                    found.status is OverlegStatus.HELD,
                    found.status is OverlegStatus.PLANNED,
                    local_date(found.start),
                    self._today(),
                ):
                    raise ValidationFailed.one("overleg", "is not a held or today's overleg of this household")
            info = await self._plan.adopt_in(caller, number, overleg_id)
            await uow.commit()
            return info
