"""Household use cases: create one (with its regisseur and an empty plan), read it, move its phase."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.access import Principal
from ..domain.audit import AccessEvent, Channel, Event
from ..domain.betrokkene import Betrokkene, Kind, Role
from ..domain.errors import NotFound, ValidationFailed
from ..domain.household import Household, Phase, PhaseChange, check_code, check_transition
from ..domain.pages import HouseholdPage, pages_for
from ..domain.ports import Clock, IdFactory, UnitOfWorkFactory
from .common import NOT_FOUND, Need, authorised, known_household, require_need, retry_on_conflict
from .plan import create_first_version


@dataclass(frozen=True)
class NewHousehold:
    """What is needed to open a household."""

    code: str
    name: str
    gemeente: str


@dataclass(frozen=True)
class RegisseurDetails:
    """The regisseur who opens the household and becomes its first betrokkene."""

    name: str
    email: str | None
    organisation: str = ""
    phone: str | None = None
    role: Role = Role.PROCESREGISSEUR
    kind: Kind = Kind.PROFESSIONAL


class HouseholdService:
    """Opening households and following them through the six phases."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, new_id: IdFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id

    async def open(self, data: NewHousehold, regisseur: RegisseurDetails) -> tuple[Household, Betrokkene]:
        """Create a household in phase 1 with its regisseur and version 1 of an empty plan."""
        check_code(data.code)
        if regisseur.role not in (Role.PROCESREGISSEUR, Role.CASUSREGISSEUR):
            raise ValidationFailed.one("role", "the first betrokkene of a household must be its regisseur")

        async def attempt() -> tuple[Household, Betrokkene]:
            async with self._uow(write=True) as uow:
                if await uow.households.code_taken(data.code):
                    raise ValidationFailed.one("code", "is already used by another household")
                now = self._clock()
                household = Household(
                    id=self._new_id(),
                    code=data.code,
                    name=data.name,
                    gemeente=data.gemeente,
                    phase=Phase.AANMELDING,
                    current_version=1,
                    created_at=now,
                )
                await uow.households.add(household)
                first = Betrokkene(
                    id=self._new_id(),
                    household_id=household.id,
                    name=regisseur.name,
                    kind=regisseur.kind,
                    role=regisseur.role,
                    relation="regisseur",
                    organisation=regisseur.organisation,
                    email=regisseur.email,
                    phone=regisseur.phone,
                    reachable_days=(),
                    birth_date=None,
                    created_at=now,
                )
                await uow.betrokkenen.add(first)
                await uow.households.set_phase(
                    household.id, PhaseChange(None, Phase.AANMELDING, now, first.id, "aangemeld")
                )
                await create_first_version(uow, household.id, first.id, self._clock)
                await uow.access_log.append(
                    [
                        AccessEvent(
                            event=Event.CREATE,
                            household_id=household.id,
                            actor_id=first.id,
                            sections=(),
                            channel=Channel.API,
                            ground=f"rol:{first.role.value}",
                            at=now,
                            detail="huishouden en plan",
                        )
                    ]
                )
                await uow.commit()
                return household, first

        return await retry_on_conflict(attempt)

    async def open_by(self, principal: Principal, data: NewHousehold) -> tuple[Household, Betrokkene]:
        """A regisseur of one household opens another, becoming its procesregisseur.

        Only with their own credential: the new household's first token is personal, so a token someone
        else issued for the regisseur (or a session through an address someone else added) must not
        open a household in the regisseur's name."""
        async with authorised(
            self._uow, principal, principal.household_id, need=Need.REGISSEUR, what="open a household"
        ) as caller:
            require_need(caller, Need.PERSONAL, "open a household")
            me = await caller.uow.betrokkenen.get(principal.household_id, principal.betrokkene_id)
            if me is None:  # `authorised` found the membership in this same transaction
                raise NotFound(NOT_FOUND)
        return await self.open(
            data,
            RegisseurDetails(
                name=me.name,
                email=me.email,
                organisation=me.organisation,
                phone=me.phone,
                role=Role.PROCESREGISSEUR,
                kind=me.kind,
            ),
        )

    async def start(self, principal: Principal, household_id: str) -> tuple[Household, tuple[HouseholdPage, ...]]:
        """The household and the pages its start page offers this caller (`domain.pages.pages_for`)."""
        async with authorised(self._uow, principal, household_id) as caller:
            household = await caller.uow.households.get(household_id)
            if household is None:
                raise NotFound("household not found")
            return household, pages_for(caller.actor)

    async def get(self, principal: Principal, household_id: str) -> Household:
        """The household, for its betrokkenen."""
        async with authorised(self._uow, principal, household_id) as caller:
            household = await caller.uow.households.get(household_id)
            if household is None:
                raise NotFound("household not found")
            return household

    async def change_phase(self, principal: Principal, household_id: str, to: Phase, reason: str | None) -> Household:
        """Move the household to another phase, if the method allows that step (a regisseur's own act: the
        change names her, so a token someone else issued for her is refused before anything is read)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="change the phase"
        ) as caller:
            require_need(caller, Need.PERSONAL, "change the phase")  # the change names who made it
            uow, actor = caller.uow, caller.actor
            household = await uow.households.get(household_id, lock=True)
            if household is None:
                raise NotFound(NOT_FOUND)
            open_signals = await uow.stagnatie.open_signals(household_id) if to is Phase.AFSLUITEN else 0
            check_transition(household.phase, to, open_signals)
            await uow.households.set_phase(
                household_id, PhaseChange(household.phase, to, self._clock(), actor.betrokkene_id, reason)
            )
            household = await known_household(uow, household_id)
            await uow.commit()
            return household

    async def phase_history(self, principal: Principal, household_id: str) -> list[PhaseChange]:
        """Every phase transition of the household, oldest first."""
        async with authorised(self._uow, principal, household_id) as caller:
            return await caller.uow.households.phase_history(household_id)

    async def find_by_code(self, code: str) -> Household | None:
        """The household with this code (operator use: cli and demo; no caller to authorise)."""
        async with self._uow() as uow:
            return await uow.households.find_by_code(code)

    async def count(self) -> int:
        """How many households exist (operator use)."""
        async with self._uow() as uow:
            return await uow.households.count()

    async def members_for_cli(self, household_id: str) -> list[Betrokkene]:
        """The active betrokkenen (operator use: issuing demo tokens on the command line)."""
        async with self._uow() as uow:
            return await uow.betrokkenen.list(household_id)
