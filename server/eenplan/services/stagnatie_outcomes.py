"""Recording what a step of the ladder brought (`StagnatieService`): the outcome of the running step (intern
plan, managers' meeting, or the aanspreekpunt's actions, result and term), commitment (the new afspraken and the
plan version that holds them), and afschalen, by which the aanspreekpunt hands the case back: their grant ends
and they stop being a betrokkene in the same transaction. Each is one `_change` of the case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ..domain.access import Actor, Principal, require_regisseur
from ..domain.errors import ValidationFailed
from ..domain.ports import UnitOfWork
from ..domain.stagnatie import (
    AanspreekpuntOnly,
    Case,
    CaseStatus,
    Outcome,
    Step,
    StepEnd,
    check_afschalen,
    check_commitment,
    check_outcome,
)
from .common import known_household
from .stagnatie_cases import set_step
from .stagnatie_notices import StagnatieNotices


class StagnatieOutcomes(StagnatieNotices):
    """Outcomes, commitment and afschalen: the part of `StagnatieService` that records what a step brought."""

    async def record_outcome(
        self,
        principal: Principal,
        household_id: str,
        case_id: str,
        outcome: Outcome,
        *,
        datum: date | None,
        acties: str | None,
        resultaat: str | None,
        termijn: date | None,
    ) -> dict[str, Any]:
        """Record the running step's outcome: intern plan (2), managers' meeting (3), or — by the
        aanspreekpunt — actions, result and term (4)."""

        async def change(uow: UnitOfWork, actor: Actor, case: Case) -> Case:
            check_outcome(case, outcome)
            day = datum or self.today()
            if day > self.today() or day < case.current.started_on:
                raise ValidationFailed.one("datum", "must lie between the step's start and today")
            if outcome is Outcome.ACTIES:
                if actor.betrokkene_id != case.aanspreekpunt_id:
                    raise AanspreekpuntOnly("only the gemeentelijk aanspreekpunt records actions, result and term")
                if not (acties or "").strip() or not (resultaat or "").strip() or termijn is None:
                    raise ValidationFailed.one("acties", "actions, result and term (termijn) are all required")
                if case.current.acties_on is not None:
                    raise ValidationFailed.one("soort", "actions, result and term are already recorded")
                await self._notify_partners(uow, case, "voortgang")
                return set_step(
                    case,
                    acties=(acties or "").strip(),
                    resultaat=(resultaat or "").strip(),
                    termijn=termijn,
                    acties_on=day,
                )
            require_regisseur(actor, "record this outcome")
            field = "intern_plan_on" if outcome is Outcome.INTERN_PLAN else "gesprek_on"
            return set_step(case, **{field: day})

        return await self._change(principal, household_id, case_id, change)

    async def commit(
        self, principal: Principal, household_id: str, case_id: str, afspraken: str, plan_version: int
    ) -> dict[str, Any]:
        """Record commitment: the new agreements and the plan version that holds them. Solves steps 1–3
        (regisseur); at step 4 it is the aanspreekpunt's, who then hands back (afschalen)."""

        async def change(uow: UnitOfWork, actor: Actor, case: Case) -> Case:
            household = await known_household(uow, household_id)
            check_commitment(case, plan_version, household.current_version, by=actor.betrokkene_id)
            if not afspraken.strip():
                raise ValidationFailed.one("afspraken", "name the new agreements")
            today = self.today()
            case = set_step(case, commitment_on=today, afspraken=afspraken.strip(), plan_version=plan_version)
            if case.step is Step.AANSPREEKPUNT:
                return case
            require_regisseur(actor, "record commitment")
            case = set_step(case, ended_on=today, ended_by=StepEnd.COMMITMENT)
            return replace(case, status=CaseStatus.OPGELOST, solved_on=today, solved_step=case.step)

        return await self._change(principal, household_id, case_id, change)

    async def afschalen(self, principal: Principal, household_id: str, case_id: str) -> dict[str, Any]:
        """Hand the case back to the regisseur (the aanspreekpunt, after recording actions, result, term and
        commitment): the aanspreekpunt's grant ends and they stop being a betrokkene."""

        async def change(uow: UnitOfWork, actor: Actor, case: Case) -> Case:
            check_afschalen(case, by=actor.betrokkene_id)
            now, today = self._clock(), self.today()
            await uow.stagnatie.end_grant(case.id, now)
            still = [g for g in await uow.stagnatie.active_grants(household_id) if g[0] != case.id]
            ap = await uow.betrokkenen.get(household_id, case.aanspreekpunt_id) if case.aanspreekpunt_id else None
            if ap is not None and ap.active and not any(grantee == ap.id for _, grantee in still):
                await uow.betrokkenen.update(replace(ap, removed_at=now))
            await self._notify_partners(uow, case, "einde")
            case = set_step(case, ended_on=today, ended_by=StepEnd.COMMITMENT)
            return replace(
                case, status=CaseStatus.OPGELOST, solved_on=today, solved_step=Step.AANSPREEKPUNT, afgeschaald_at=now
            )

        return await self._change(principal, household_id, case_id, change)
