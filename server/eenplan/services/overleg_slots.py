"""Slots for an overleg, and what was checked for them (behind `OverlegService.slots` / `slot_choice`).

A slot is proposed when every must-attend betrokkene is reachable; the others may be unreachable. A page that
says "iedereen kan" must therefore know who was checked: `SlotChoice` carries it, so the words come from the
same answer as the slots (issue 13, defect 3). Every list of betrokkenen in it is in name order
(`domain.names.by_name`), so a page shows them the same way at every render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from ..domain.access import Principal
from ..domain.betrokkene import Kind
from ..domain.names import by_name
from ..domain.overleg import Invitee, check_invitees, reachable_weekdays
from ..domain.overleg_ports import Slot, SlotPerson, SlotPlanner
from ..domain.ports import UnitOfWorkFactory
from .common import Need, authorised


@dataclass(frozen=True)
class SlotChoice:
    """Proposed slots with who was checked: every slot has all of `must` reachable; of `optional`, each slot
    names who cannot come (`Slot.optional_unreachable`)."""

    must: tuple[str, ...]
    optional: tuple[str, ...]
    slots: tuple[Slot, ...]
    #: every active betrokkene of the household (who can be chosen), in name order
    people: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        """True only when everyone invited — must-attend or not — can come at every slot: only then may a page
        say "iedereen kan"."""
        return bool(self.slots) and not any(s.optional_unreachable for s in self.slots)

    @property
    def sometimes_unreachable(self) -> tuple[str, ...]:
        """The optional betrokkenen who cannot come at one or more of the slots, in the order of `optional`."""
        missing = {b for s in self.slots for b in s.optional_unreachable}
        return tuple(b for b in self.optional if b in missing)


def _in_order(ids: Iterable[str], rank: dict[str, int]) -> tuple[str, ...]:
    return tuple(sorted(ids, key=lambda b: (rank.get(b, len(rank)), b)))


@dataclass(frozen=True)
class SlotRequest:
    """Where and how long to look: the days, the overleg's length, how many slots and per day at most."""

    earliest: date
    latest: date
    duration: timedelta
    limit: int = 10
    max_per_day: int | None = 2


class SlotFinder:
    """Reads the betrokkenen's reachable days (the regisseur only) and asks the planner for slots."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Callable[[], datetime], planner: SlotPlanner) -> None:
        self._uow = uow
        self._clock = clock
        self._planner = planner

    async def choice(
        self, principal: Principal, household_id: str, want: SlotRequest, must: list[str] | None, optional: list[str]
    ) -> SlotChoice:
        """For the regisseur's page: the slots with who was checked. `must=None`: the default, the klanten must
        come and every other betrokkene may (what the page ticks before she chooses; `optional` is then ignored).
        Nobody who must come: no slots (there is nobody to check them against)."""
        return await self._find(principal, household_id, want, must, optional, need_someone=True)

    async def slots(
        self, principal: Principal, household_id: str, want: SlotRequest, must: list[str], optional: list[str]
    ) -> list[Slot]:
        """For the API: slots where every must-attend betrokkene is reachable, best first."""
        return list((await self._find(principal, household_id, want, must, optional, need_someone=False)).slots)

    async def _find(
        self,
        principal: Principal,
        household_id: str,
        want: SlotRequest,
        must: list[str] | None,
        optional: list[str],
        *,
        need_someone: bool,
    ) -> SlotChoice:
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="plan overleggen"
        ) as caller:
            found = by_name(await caller.uow.betrokkenen.list(household_id))
        people = {b.id: b for b in found}
        rank = {b.id: i for i, b in enumerate(found)}
        everybody = tuple(people)
        if must is None:
            must = [b.id for b in found if b.kind is Kind.KLANT]
            optional = [b.id for b in found if b.id not in must]
        check_invitees([Invitee(b, True) for b in must] + [Invitee(b, False) for b in optional], people)
        must, optional = list(_in_order(must, rank)), list(_in_order(optional, rank))
        if need_someone and not must:
            return SlotChoice((), tuple(optional), (), everybody)
        persons = [SlotPerson(b, b in must, reachable_weekdays(people[b].reachable_days)) for b in must + optional]
        slots = self._planner.propose_slots(
            want.earliest,
            want.latest,
            persons,
            want.duration,
            limit=want.limit,
            max_per_day=want.max_per_day,
            not_before=self._clock(),
        )
        slots = [
            replace(
                s,
                optional_reachable=_in_order(s.optional_reachable, rank),
                optional_unreachable=_in_order(s.optional_unreachable, rank),
            )
            for s in slots
        ]
        return SlotChoice(tuple(must), tuple(optional), tuple(slots), everybody)
