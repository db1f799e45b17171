"""The klant's exclusions: sections a klant keeps from the gemeentelijk aanspreekpunt (stagnatie step 4).

Each klant keeps their own list; the union of every klant's list applies — a klant who has left included —
so no klant and no removal can undo another's choice. Escalation grants in force follow at once.
"""

from __future__ import annotations

from ..domain.access import Actor, Principal, may_see_exclusions
from ..domain.betrokkene import Kind
from ..domain.errors import Forbidden
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.veiligheid import check_exclusions, escalation_sections
from .common import Need, authorised


class ExclusionService:
    """Read and set what the aanspreekpunt does not see."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def exclusions(self, principal: Principal, household_id: str) -> dict[str, list[str]]:
        """What the aanspreekpunt does not see: `applies`, the union of every klant's list; for a klant also
        `mine`, their own list (what they PUT). Klanten and regisseurs may see it."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            if not may_see_exclusions(actor):
                raise Forbidden("only the klant or a regisseur may see this")
            return await self._exclusions_view(caller.uow, actor)

    async def set_exclusions(
        self, principal: Principal, household_id: str, sections: list[str]
    ) -> dict[str, list[str]]:
        """A klant sets their own list; the union of all klanten's lists applies, so no klant can undo
        another's. Escalation grants in force narrow (or widen) at once."""
        clean = check_exclusions(sections)
        async with authorised(
            self._uow,
            principal,
            household_id,
            write=True,
            need=Need.PERSONAL_KLANT,
            what="decide what the aanspreekpunt does not see",
        ) as caller:
            uow, actor = caller.uow, caller.actor
            # two klanten saving at once must not each write a union without the other's list
            await uow.households.get(household_id, lock=True)
            await uow.stagnatie.set_exclusions(household_id, clean, actor.betrokkene_id, self._clock())
            union = await uow.stagnatie.exclusions(household_id)
            for grant_id, _ in await uow.stagnatie.active_grants(household_id):
                await uow.stagnatie.set_grant_sections(grant_id, escalation_sections(union))
            view = await self._exclusions_view(uow, actor)
            await uow.commit()
        return view

    @staticmethod
    async def _exclusions_view(uow: UnitOfWork, actor: Actor) -> dict[str, list[str]]:
        view = {"applies": list(await uow.stagnatie.exclusions(actor.household_id))}
        if actor.kind is Kind.KLANT:
            view["mine"] = list(await uow.stagnatie.exclusions(actor.household_id, actor.betrokkene_id))
        return view
