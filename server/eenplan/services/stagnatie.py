"""Stagnatie use cases: open a case, escalate step by step, record outcomes and commitment, afschalen,
and the deadline scheduler the outbox worker runs.

`StagnatieService` holds the reads here (the regisseur's ladder and goals, the aanspreekpunt's escalations, one
case); it is built from parts beside it: the shared machinery (`stagnatie_cases`: one case for the caller, cut
and logged, one change transaction), opening and escalating (`stagnatie_ladder`), outcomes, commitment and
afschalen (`stagnatie_outcomes`), notices and overdue deadlines (`stagnatie_notices`); how a case looks and the
notice texts are in `stagnatie_views`. Callers keep using `StagnatieService.open`, `.escalate`, and so on.

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
from typing import Any

from ..domain.access import Actor, Principal, may_list_cases
from ..domain.audit import Channel
from ..domain.betrokkene import Role
from ..domain.errors import Forbidden, NotFound
from ..domain.stagnatie import CaseStatus
from .common import NOT_FOUND, Need, authorised
from .stagnatie_ladder import StagnatieLadder
from .stagnatie_outcomes import StagnatieOutcomes
from .stagnatie_views import case_dict


class StagnatieService(StagnatieLadder, StagnatieOutcomes):
    """The escalation ladder of one household's stagnation cases."""

    # -- reading ------------------------------------------------------------------------------
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

    async def get(self, principal: Principal, household_id: str, case_id: str) -> dict[str, Any]:
        """One case with its deadlines, cut to what the caller may read."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            case = await self._case(caller.uow, actor, household_id, case_id)
        return (await self._shown(principal, household_id, [case]))[0]


__all__ = ["StagnatieService", "case_dict"]


def _page_is_theirs(actor: Actor) -> None:
    """The escalation page (`/escalatie`) and its forms are the aanspreekpunt's alone."""
    if actor.role is not Role.AANSPREEKPUNT:
        raise NotFound(NOT_FOUND)
