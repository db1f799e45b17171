"""Opening a stagnation case and escalating it along the ladder (`StagnatieService`).

Escalation to step 4 makes the household's gemeentelijk aanspreekpunt a betrokkene (role `aanspreekpunt`) with
an escalation grant (ground ``escalatie:<case id>``) over every section except those the klant explicitly
excluded (`services.exclusions`), pins their key and queues the plan copy as a plan-update mail, all in the
escalation's transaction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..domain.access import Actor, Principal, require_regisseur
from ..domain.betrokkene import Betrokkene, Kind, Role
from ..domain.errors import NotFound, ValidationFailed
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus, PinnedKey
from ..domain.ports import UnitOfWork
from ..domain.stagnatie import Case, CaseStatus, Step, StepEnd, StepRecord, check_escalation, find_goal, gemeente_key
from ..domain.veiligheid import escalation_sections
from .common import NOT_FOUND, Need, authorised, require_need, retry_on_conflict
from .stagnatie_cases import set_step
from .stagnatie_notices import StagnatieNotices


class StagnatieLadder(StagnatieNotices):
    """Opening and escalating: the part of `StagnatieService` that moves a case up the ladder."""

    # -- opening ------------------------------------------------------------------------------
    async def open(
        self,
        principal: Principal,
        household_id: str,
        *,
        doel_id: str,
        actie_id: str | None,
        betrokkene_id: str | None,
        organisatie: str,
        toelichting: str,
    ) -> dict[str, Any]:
        """Open a case at step 1 naming the goal/action not kept and the professional or organisation (regisseur)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="open a stagnation case"
        ) as caller:  # who may open is checked before the goal is read; the write below checks membership again
            require_need(caller, Need.PERSONAL, "open a stagnation case")  # opened_by and the first step name her
        _, doelen = await self._plan.section(principal, household_id, "doelen", "stagnatie: doel nagaan")
        find_goal(json.loads(doelen or "[]"), doel_id, actie_id)
        if not betrokkene_id and not organisatie.strip():
            raise ValidationFailed.one("betrokkene_id", "name the professional (betrokkene_id) or the organisatie")

        async def attempt() -> dict[str, Any]:
            async with authorised(self._uow, principal, household_id, write=True) as caller:
                uow, actor = caller.uow, caller.actor
                if betrokkene_id:
                    who = await uow.betrokkenen.get(household_id, betrokkene_id)
                    if who is None or not who.active or who.kind is not Kind.PROFESSIONAL:
                        raise ValidationFailed.one(
                            "betrokkene_id", "must be a professional betrokkene of this household"
                        )
                now, today = self._clock(), self.today()
                case = Case(
                    id=self._new_id(),
                    household_id=household_id,
                    doel_id=doel_id,
                    actie_id=actie_id,
                    betrokkene_id=betrokkene_id,
                    organisatie=organisatie.strip(),
                    toelichting=toelichting,
                    step=Step.BILATERAAL,
                    status=CaseStatus.OPEN,
                    opened_by=actor.betrokkene_id,
                    opened_at=now,
                    opened_on=today,
                    steps=(StepRecord(Step.BILATERAAL, today, actor.betrokkene_id),),
                )
                await uow.stagnatie.add_case(case)
                shown = await self._shown_in(uow, actor, case)
                await uow.commit()
                return shown

        return await retry_on_conflict(attempt)

    async def escalate(self, principal: Principal, household_id: str, case_id: str) -> dict[str, Any]:
        """End the running step without commitment and start the next (regisseur); step 4 involves the gemeente."""

        async def change(uow: UnitOfWork, actor: Actor, case: Case) -> Case:
            require_regisseur(actor, "escalate a stagnation case")
            today = self.today()
            nxt = check_escalation(case, self.werkdagen, today)
            case = set_step(case, ended_on=today, ended_by=StepEnd.ESCALATIE)
            case = replace(case, step=nxt, steps=(*case.steps, StepRecord(nxt, today, actor.betrokkene_id)))
            if nxt is Step.AANSPREEKPUNT:
                case = await self._involve_aanspreekpunt(uow, actor, case)
            return case

        return await self._change(principal, household_id, case_id, change)

    # -- the gemeentelijk aanspreekpunt -------------------------------------------------------
    async def _involve_aanspreekpunt(self, uow: UnitOfWork, actor: Actor, case: Case) -> Case:
        # locked: the exclusions read below must not change under us (see set_exclusions)
        household = await uow.households.get(case.household_id, lock=True)
        if household is None:
            raise NotFound(NOT_FOUND)
        ap = await uow.stagnatie.get_aanspreekpunt(gemeente_key(household.gemeente))
        if ap is None:
            raise ValidationFailed.one(
                "gemeente",
                "no gemeentelijk aanspreekpunt is registered for this gemeente (operator: `eenplan aanspreekpunt add`)",
            )
        now = self._clock()
        members = await uow.betrokkenen.list(case.household_id)
        person = next((b for b in members if b.role is Role.AANSPREEKPUNT and b.email == ap.email), None)
        if person is None:
            person = Betrokkene(
                id=self._new_id(),
                household_id=case.household_id,
                name=ap.name,
                kind=Kind.PROFESSIONAL,
                role=Role.AANSPREEKPUNT,
                relation="gemeentelijk aanspreekpunt",
                organisation=f"Gemeente {ap.gemeente}",
                email=ap.email,
                phone=None,
                reachable_days=(),
                birth_date=None,
                created_at=now,
            )
            await uow.betrokkenen.add(person)
        await uow.mail.put_key(
            PinnedKey(
                case.household_id, person.id, ap.fingerprint, ap.algorithm, ap.expires_at, now, actor.betrokkene_id
            )
        )
        sections = escalation_sections(await uow.stagnatie.exclusions(case.household_id))
        await uow.stagnatie.add_grant(case.id, case.household_id, person.id, sections, now)
        # the copy of the plan: a plan-update mail, rendered in the aanspreekpunt's scope at send time
        await uow.mail.enqueue(
            OutboxItem(
                self._new_id(),
                case.household_id,
                person.id,
                OutboxKind.PLAN_UPDATE,
                f"escalatie:{case.id}",
                household.current_version,
                None,
                OutboxStatus.QUEUED,
                0,
                now,
                now,
            )
        )
        case = replace(case, aanspreekpunt_id=person.id)
        await self._notify_partners(uow, case, "start")
        return case
