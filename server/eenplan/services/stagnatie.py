"""Stagnatie use cases: open a case, escalate step by step, record outcomes and commitment, afschalen,
and the deadline scheduler the outbox worker runs.

Escalation to step 4 makes the household's gemeentelijk aanspreekpunt a
betrokkene (role `aanspreekpunt`) with an escalation grant (ground
``escalatie:<case id>``) over every section except those the klant explicitly
excluded (`services.exclusions`); `domain.access.decide` turns it into access like any other grant.
The plan copy goes by the transactional outbox as a plan-update mail: the
worker renders the aanspreekpunt's scoped view and PDF at send time and logs
it as a disclosure on the mail channel. Afschalen ends the grant and removes
the aanspreekpunt as betrokkene in one transaction: their next request is a 404.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.access import Actor, Principal, may_list_cases, may_see_case, require_regisseur
from ..domain.audit import Channel
from ..domain.betrokkene import Betrokkene, Kind, Role, is_regisseur
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus, PinnedKey
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory, Werkdagen
from ..domain.stagnatie import (
    Case,
    CaseStatus,
    Outcome,
    Step,
    StepEnd,
    StepRecord,
    case_deadlines,
    check_afschalen,
    check_commitment,
    check_escalation,
    check_outcome,
    find_goal,
    gemeente_key,
)
from ..domain.veiligheid import escalation_sections
from .common import NOT_FOUND, Need, authorised, known_household, require_need, retry_on_conflict
from .plan import PlanService
from .stagnatie_views import NOTICE_FOOTER, NOTICES, case_dict, responsible, shown_cases

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

#: one step of the ladder inside `_change`'s transaction: (unit of work, the caller, the case) → the new case
_Change = Callable[[UnitOfWork, Actor, Case], Awaitable[Case]]


def _set_step(case: Case, **changes: Any) -> Case:
    return replace(case, steps=tuple(replace(r, **changes) if r.step == case.step else r for r in case.steps))


class StagnatieService:
    """The escalation ladder of one household's stagnation cases."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        clock: Clock,
        new_id: IdFactory,
        werkdagen: Werkdagen,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._plan = plan
        self._clock = clock
        self._new_id = new_id
        self.werkdagen = werkdagen
        self._wake = wake or (lambda: None)

    def today(self) -> date:
        """Today in Europe/Amsterdam: every deadline is a Dutch calendar day."""
        return self._clock().astimezone(AMSTERDAM).date()

    # -- reading ------------------------------------------------------------------------------
    @staticmethod
    def _may_see(actor: Actor, case: Case) -> bool:
        return may_see_case(actor, case.aanspreekpunt_id, case.afgeschaald_at is not None)

    async def list(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.API
    ) -> builtins.list[dict[str, Any]]:
        """The household's cases with deadlines (regisseurs; the aanspreekpunt its own escalated cases),
        logged on `channel` (the aanspreekpunt's page: WEB)."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            if not may_list_cases(actor):
                raise Forbidden("only a regisseur (or the gemeentelijk aanspreekpunt) may see stagnation cases")
            cases = [c for c in await caller.uow.stagnatie.list_cases(household_id) if self._may_see(actor, c)]
        return await self._shown(principal, household_id, cases, channel)

    async def escalated(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.WEB
    ) -> builtins.list[dict[str, Any]]:
        """The aanspreekpunt's page (`/escalatie`): the open cases escalated to the caller, logged on `channel`.
        The page is the aanspreekpunt's alone: anyone else (a regisseur works on the regie stagnatie page, a
        klant has none) gets the same NotFound as a missing household, before any case is read."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            _page_is_theirs(actor)
            cases = [
                c
                for c in await caller.uow.stagnatie.list_cases(household_id)
                if self._may_see(actor, c) and c.status is CaseStatus.OPEN
            ]
        return await self._shown(principal, household_id, cases, channel)

    async def escalation_page(self, principal: Principal, household_id: str) -> None:
        """The forms on the aanspreekpunt's page answer anyone but the aanspreekpunt exactly as the page does (the
        same NotFound as a missing household), before any case is read: a regisseur works on her own page."""
        async with authorised(self._uow, principal, household_id) as caller:
            _page_is_theirs(caller.actor)

    async def ladder(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.WEB
    ) -> builtins.list[dict[str, Any]]:
        """The regisseur's workbench: every case of the household with its ladder and deadlines (regisseurs
        only; the aanspreekpunt has the API), logged on `channel` (a page: WEB)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="work on stagnation cases"
        ) as caller:
            cases = await caller.uow.stagnatie.list_cases(household_id)
        return await self._shown(principal, household_id, cases, channel)

    async def goals(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.WEB
    ) -> builtins.list[tuple[str, str, builtins.list[tuple[str, str]]]]:
        """What a new case can name (the form that opens one): each goal of the current plan the regisseur
        may read as (id, titel, [(actie id, wat)]); a read of `doelen` alone, logged on `channel`."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="open a stagnation case"):
            pass  # who may open is checked before the goals are read
        _, doelen = await self._plan.section(principal, household_id, "doelen", "stagnatie: doelen", channel=channel)
        return [
            (
                str(g.get("id", "")),
                str(g.get("titel", "")),
                [(str(a.get("id", "")), str(a.get("wat", ""))) for a in g.get("acties", [])],
            )
            for g in json.loads(doelen or "[]")
            if g.get("id")
        ]

    async def _shown(
        self, principal: Principal, household_id: str, cases: builtins.list[Case], channel: Channel = Channel.API
    ) -> builtins.list[dict[str, Any]]:
        """Cases read outside a transaction, cut to the caller (`shown_cases`); logged before answering."""
        if not cases:
            return []
        access = await self._plan.access(principal, household_id)
        found = [case_dict(c, self.werkdagen, self.today()) for c in cases]
        shown, events = shown_cases(self._plan, access, found, channel)
        await self._plan.record(events)
        return shown

    async def _shown_in(self, uow: UnitOfWork, actor: Actor, case: Case) -> dict[str, Any]:
        """A case a write use case answers with, cut to the actor and logged in its transaction."""
        access = await self._plan.access_in(uow, actor)
        shown, events = shown_cases(self._plan, access, [case_dict(case, self.werkdagen, self.today())])
        await uow.access_log.append(events)
        return shown[0]

    async def get(self, principal: Principal, household_id: str, case_id: str) -> dict[str, Any]:
        """One case with its deadlines, cut to what the caller may read."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            case = await self._case(caller.uow, actor, household_id, case_id)
        return (await self._shown(principal, household_id, [case]))[0]

    async def _case(self, uow: UnitOfWork, actor: Actor, household_id: str, case_id: str, lock: bool = False) -> Case:
        case = await uow.stagnatie.get_case(household_id, case_id, lock=lock)
        if case is None:
            raise NotFound("stagnation case not found")
        if not self._may_see(actor, case):
            if may_list_cases(actor):  # the aanspreekpunt: a case not escalated to them is like a missing one
                raise NotFound("stagnation case not found")
            raise Forbidden("only a regisseur (or the case's gemeentelijk aanspreekpunt) may do this")
        return case

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
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="open a stagnation case"):
            pass  # who may open is checked before the goal is read; the write below checks membership again
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

    # -- moving along the ladder --------------------------------------------------------------
    async def _change(self, principal: Principal, household_id: str, case_id: str, change: _Change) -> dict[str, Any]:
        async def attempt() -> dict[str, Any]:
            async with authorised(self._uow, principal, household_id, write=True) as caller:
                uow, actor = caller.uow, caller.actor
                case = await self._case(uow, actor, household_id, case_id, lock=True)
                if case.aanspreekpunt_id == actor.betrokkene_id:
                    # the gemeente's acts (actions, commitment, afschalen) are the aanspreekpunt's own:
                    # a token a regisseur issued for them must not record them in the gemeente's name
                    require_need(caller, Need.PERSONAL, "act as the gemeentelijk aanspreekpunt")
                case = await change(uow, actor, case)
                await uow.stagnatie.save_case(case)
                shown = await self._shown_in(uow, actor, case)
                await uow.commit()
                return shown

        shown = await retry_on_conflict(attempt)
        self._wake()
        return shown

    async def escalate(self, principal: Principal, household_id: str, case_id: str) -> dict[str, Any]:
        """End the running step without commitment and start the next (regisseur); step 4 involves the gemeente."""

        async def change(uow: UnitOfWork, actor: Actor, case: Case) -> Case:
            require_regisseur(actor, "escalate a stagnation case")
            today = self.today()
            nxt = check_escalation(case, self.werkdagen, today)
            case = _set_step(case, ended_on=today, ended_by=StepEnd.ESCALATIE)
            case = replace(case, step=nxt, steps=(*case.steps, StepRecord(nxt, today, actor.betrokkene_id)))
            if nxt is Step.AANSPREEKPUNT:
                case = await self._involve_aanspreekpunt(uow, actor, case)
            return case

        return await self._change(principal, household_id, case_id, change)

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
                    raise Forbidden("only the gemeentelijk aanspreekpunt records actions, result and term")
                if not (acties or "").strip() or not (resultaat or "").strip() or termijn is None:
                    raise ValidationFailed.one("acties", "actions, result and term (termijn) are all required")
                if case.current.acties_on is not None:
                    raise ValidationFailed.one("soort", "actions, result and term are already recorded")
                await self._notify_partners(uow, case, "voortgang")
                return _set_step(
                    case,
                    acties=(acties or "").strip(),
                    resultaat=(resultaat or "").strip(),
                    termijn=termijn,
                    acties_on=day,
                )
            require_regisseur(actor, "record this outcome")
            field = "intern_plan_on" if outcome is Outcome.INTERN_PLAN else "gesprek_on"
            return _set_step(case, **{field: day})

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
            case = _set_step(case, commitment_on=today, afspraken=afspraken.strip(), plan_version=plan_version)
            if case.step is Step.AANSPREEKPUNT:
                return case
            require_regisseur(actor, "record commitment")
            case = _set_step(case, ended_on=today, ended_by=StepEnd.COMMITMENT)
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
            case = _set_step(case, ended_on=today, ended_by=StepEnd.COMMITMENT)
            return replace(
                case, status=CaseStatus.OPGELOST, solved_on=today, solved_step=Step.AANSPREEKPUNT, afgeschaald_at=now
            )

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

    async def _notice(self, uow: UnitOfWork, household_id: str, recipient_id: str, event: str, key: str) -> bool:
        now = self._clock()
        payload = json.dumps({"subject": "Bericht over de samenwerking", "text": NOTICES[event] + NOTICE_FOOTER})
        return await uow.mail.enqueue(
            OutboxItem(
                self._new_id(),
                household_id,
                recipient_id,
                OutboxKind.NOTICE,
                key,
                None,
                None,
                OutboxStatus.QUEUED,
                0,
                now,
                now,
                payload=payload,
            )
        )

    async def _notify_partners(self, uow: UnitOfWork, case: Case, event: str) -> None:
        """Chain partners (professionals and regisseurs) get a neutral notice at start, progress and end."""
        for b in await uow.betrokkenen.list(case.household_id):
            if b.kind is Kind.PROFESSIONAL or is_regisseur(b.role):
                await self._notice(uow, case.household_id, b.id, event, f"stagnatie:{case.id}:{event}")

    # -- deadlines ----------------------------------------------------------------------------
    async def notify_overdue(self) -> int:
        """Find overdue steps and notify the responsible person and the regisseurs once per deadline (worker)."""
        today, now, queued = self.today(), self._clock(), 0
        async with self._uow(write=True) as uow:
            for case in await uow.stagnatie.open_cases():
                members = await uow.betrokkenen.list(case.household_id)
                for d in case_deadlines(case, self.werkdagen, today)[case.step]:
                    if not d.overdue or not await uow.stagnatie.mark_reminded(
                        case.id, int(case.step), d.key, d.due, now
                    ):
                        continue
                    for rid in sorted(responsible(case, members)):
                        key = f"termijn:{case.id}:{int(case.step)}:{d.key}:{d.due.isoformat()}"
                        queued += await self._notice(uow, case.household_id, rid, "termijn", key)
            await uow.commit()
        if queued:
            self._wake()
        return queued


__all__ = ["StagnatieService", "case_dict"]


def _page_is_theirs(actor: Actor) -> None:
    """The escalation page (`/escalatie`) and its forms are the aanspreekpunt's alone."""
    if actor.role is not Role.AANSPREEKPUNT:
        raise NotFound(NOT_FOUND)
