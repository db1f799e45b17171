"""The regisseur's caseload (issue 13 item 1): every household where I am regisseur, with what needs doing.

One read transaction per caseload: the session's memberships, which of them are an active regisseur,
then the facts of all those households in one fixed set of queries (`CaseloadStore`, never one query per
household). The rules — deadlines, urgency, filters and counts — are `domain.caseload`'s; the page
`/werkbank` and `GET /api/werkbank` both answer with this service's `Caseload`, so their counts agree.

What it shows is about the work, not the plan: name, phase, the next overleg's type and time, deadline
dates, and counts (signals, consent requests, keys, bounces). No section of the plan, no signal text, no
agenda is read, so there is nothing for the NEN 7513 access log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.access import Principal
from ..domain.betrokkene import Role
from ..domain.caseload import CaseloadRow, Filter, StartPage, caseload_row, counts, sorted_rows, start_page
from ..domain.caseload_ports import CaseloadReads
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory, Werkdagen
from .overleg_drafts import AMSTERDAM, local_date
from .sessions import SessionService


@dataclass(frozen=True)
class Caseload:
    """The caseload as both the page and the API show it: rows (after the filter) and counts (over all)."""

    rows: tuple[CaseloadRow, ...]
    counts: dict[str, int]
    filter: Filter
    today: date


class CaseloadService:
    """The caseload of a signed-in person (a session), or of one API token's regisseur."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sessions: SessionService,
        reads: CaseloadReads,
        werkdagen: Werkdagen,
        window: Callable[[date], tuple[date, date]],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sessions = sessions
        self._reads = reads
        self._werkdagen = werkdagen
        self._window = window

    async def for_session(self, token: str, wanted: Filter = Filter.ALL) -> Caseload:
        """Every household where the session's person is an active regisseur (SecondFactorRequired first
        where the policy asks for one). A household where the address is several betrokkenen and the
        person has not chosen yet is left out until they choose, as everywhere else."""
        async with self._uow() as uow:
            _, members = await self._sessions.members(token, uow)
            per_household = Counter(m.household_id for m in members)
            pairs = [(m.household_id, m.betrokkene_id) for m in members if per_household[m.household_id] == 1]
            return await self._caseload(uow, pairs, wanted)

    async def for_werkbank(self, token: str, wanted: Filter = Filter.ALL) -> Caseload | StartPage:
        """The werkbank page's caseload, or, for a person who is regisseur of no household, the start page to
        send them to instead (`start_page`: their households, or the aanspreekpunt's escalations): an empty
        werkbank tells them nothing."""
        elsewhere = await self.start_page(token)
        if elsewhere is not StartPage.WERKBANK:
            return elsewhere
        return await self.for_session(token, wanted)

    async def for_principal(self, principal: Principal, wanted: Filter = Filter.ALL) -> Caseload:
        """The caseload of an API token: its one household, when its betrokkene is an active regisseur there."""
        async with self._uow() as uow:
            return await self._caseload(uow, [(principal.household_id, principal.betrokkene_id)], wanted)

    async def start_page(self, token: str) -> StartPage:
        """Where the person lands after signing in when they were going nowhere in particular: the werkbank for
        an active regisseur of at least one household, the escalations for the gemeentelijk aanspreekpunt, else
        their households. It names no household, so it is answered before a second factor too (the page itself
        then asks for it)."""
        _, _, members = await self._sessions.person_session_with_members(token)
        async with self._uow() as uow:
            found = await self._reads(uow).regisseur_households([(m.household_id, m.betrokkene_id) for m in members])
            entries = await uow.persons.household_entries([m.betrokkene_id for m in members])
        escalated = {r[0] for r in entries if r[6] == Role.AANSPREEKPUNT.value}
        return start_page(len(found), len(escalated))

    async def _caseload(self, uow: UnitOfWork, pairs: list[tuple[str, str]], wanted: Filter) -> Caseload:
        store = self._reads(uow)
        mine = await store.regisseur_households(pairs)
        now = self._clock()
        today = now.astimezone(AMSTERDAM).date()
        facts = await store.facts([h for h, _ in mine], now)
        rows = sorted_rows(
            caseload_row(f, cal=self._werkdagen, window=self._window, now=now, today=today, local=local_date)
            for f in facts
        )
        return Caseload(tuple(r for r in rows if r.matches(wanted)), counts(rows), wanted, today)


def row_dict(row: CaseloadRow) -> dict[str, Any]:
    """One household of the caseload as `GET /api/werkbank` shows it."""
    f, coming = row.facts, row.next_overleg
    return {
        "household_id": f.household_id,
        "name": f.name,
        "code": f.code,
        "phase": int(f.phase),
        "phase_name": f.phase.label,
        "urgency": row.urgency.value,
        "next_overleg": (
            {"id": coming.id, "type": coming.type.value, "start": coming.start.astimezone(AMSTERDAM).isoformat()}
            if coming
            else None
        ),
        "needs_overleg": row.needs_overleg,
        "deadlines_overdue": [d.as_dict() for d in row.overdue],
        "deadlines_upcoming": [d.as_dict() for d in row.upcoming],
        "open_signals": f.open_signals,
        "consent_waiting": f.consent_waiting,
        "keys_missing": f.keys_missing,
        "undeliverable": {"addresses": f.bounced_addresses, "dead_letters": f.dead_letters},
        "deadlines_met_late": row.met_late,
    }


def caseload_dict(caseload: Caseload) -> dict[str, Any]:
    """The caseload as `GET /api/werkbank` shows it: the same rows and counts as the page."""
    return {
        "today": caseload.today.isoformat(),
        "filter": caseload.filter.value,
        "counts": caseload.counts,
        "households": [row_dict(r) for r in caseload.rows],
    }


__all__ = ["Caseload", "CaseloadService", "caseload_dict", "row_dict"]
