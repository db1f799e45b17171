"""The stagnatie repository: cases and steps, aanspreekpunten, escalation grants, exclusions, reminders, signals."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.sections import SECTION_KEYS
from ..domain.stagnatie import Aanspreekpunt, Case, CaseStatus, Step, StepEnd, StepRecord, gemeente_key
from ..domain.veiligheid import Besluit, Signaal, SignaalStatus, Soort
from .results import rows_changed
from .tables import HouseholdRow, PhaseChangeRow
from .tables_stagnatie import (
    AanspreekpuntRow,
    AanspreekpuntUitsluitingRow,
    EscalatieGrantRow,
    StagnatieCaseRow,
    StagnatieReminderRow,
    StagnatieStepRow,
    VeiligheidSignaalRow,
)

_STEP_FIELDS = (
    "started_on",
    "started_by",
    "ended_on",
    "intern_plan_on",
    "gesprek_on",
    "acties",
    "resultaat",
    "termijn",
    "acties_on",
    "commitment_on",
    "afspraken",
    "plan_version",
)


def _aanspreekpunt(r: AanspreekpuntRow) -> Aanspreekpunt:
    return Aanspreekpunt(r.gemeente, r.name, r.email, r.fingerprint, r.algorithm, r.expires_at, r.created_at)


def _step(r: StagnatieStepRow) -> StepRecord:
    return StepRecord(
        step=Step(r.step),
        ended_by=StepEnd(r.ended_by) if r.ended_by else None,
        **{f: getattr(r, f) for f in _STEP_FIELDS},
    )


def _case(r: StagnatieCaseRow, steps: list[StagnatieStepRow]) -> Case:
    return Case(
        id=r.id,
        household_id=r.household_id,
        doel_id=r.doel_id,
        actie_id=r.actie_id,
        betrokkene_id=r.betrokkene_id,
        organisatie=r.organisatie,
        toelichting=r.toelichting,
        step=Step(r.step),
        status=CaseStatus(r.status),
        opened_by=r.opened_by,
        opened_at=r.opened_at,
        opened_on=r.opened_on,
        steps=tuple(_step(s) for s in sorted(steps, key=lambda s: s.step)),
        solved_on=r.solved_on,
        solved_step=Step(r.solved_step) if r.solved_step else None,
        aanspreekpunt_id=r.aanspreekpunt_id,
        afgeschaald_at=r.afgeschaald_at,
    )


def _signal(r: VeiligheidSignaalRow) -> Signaal:
    return Signaal(
        id=r.id,
        household_id=r.household_id,
        soort=Soort(r.soort),
        toelichting=r.toelichting,
        phase=r.phase,
        raised_by=r.raised_by,
        raised_at=r.raised_at,
        status=SignaalStatus(r.status),
        resolved_by=r.resolved_by,
        resolved_at=r.resolved_at,
        afwegingen=json.loads(r.afwegingen) if r.afwegingen else None,
        besluit=Besluit(r.besluit) if r.besluit else None,
    )


def _case_values(c: Case) -> dict[str, Any]:
    return dict(
        household_id=c.household_id,
        doel_id=c.doel_id,
        actie_id=c.actie_id,
        betrokkene_id=c.betrokkene_id,
        organisatie=c.organisatie,
        toelichting=c.toelichting,
        step=int(c.step),
        status=c.status.value,
        opened_by=c.opened_by,
        opened_at=c.opened_at,
        opened_on=c.opened_on,
        solved_on=c.solved_on,
        solved_step=int(c.solved_step) if c.solved_step else None,
        aanspreekpunt_id=c.aanspreekpunt_id,
        afgeschaald_at=c.afgeschaald_at,
    )


class StagnatieRepository:
    """Everything stagnatie stores, within the unit of work's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- aanspreekpunten ----------------------------------------------------------------------
    async def put_aanspreekpunt(self, a: Aanspreekpunt) -> None:
        """Register (or replace) the aanspreekpunt of a gemeente."""
        await self.delete_aanspreekpunt(a.key)
        self._s.add(
            AanspreekpuntRow(
                gemeente_key=a.key,
                gemeente=a.gemeente,
                name=a.name,
                email=a.email,
                fingerprint=a.fingerprint,
                algorithm=a.algorithm,
                expires_at=a.expires_at,
                created_at=a.created_at,
            )
        )
        await self._s.flush()

    async def get_aanspreekpunt(self, key: str) -> Aanspreekpunt | None:
        """The aanspreekpunt registered for a gemeente key."""
        row = await self._s.get(AanspreekpuntRow, key)
        return _aanspreekpunt(row) if row else None

    async def list_aanspreekpunten(self) -> list[Aanspreekpunt]:
        """Every registered aanspreekpunt, by gemeente."""
        stmt = sa.select(AanspreekpuntRow).order_by(col(AanspreekpuntRow.gemeente_key))
        rows = (await self._s.execute(stmt)).scalars()
        return [_aanspreekpunt(r) for r in rows]

    async def delete_aanspreekpunt(self, key: str) -> bool:
        """Remove a gemeente's entry; whether there was one."""
        result = await self._s.execute(sa.delete(AanspreekpuntRow).where(col(AanspreekpuntRow.gemeente_key) == key))
        return rows_changed(result) > 0

    # -- cases --------------------------------------------------------------------------------
    async def add_case(self, case: Case) -> None:
        """Store a new case with its steps."""
        self._s.add(StagnatieCaseRow(id=case.id, **_case_values(case)))
        await self._s.flush()
        await self._save_steps(case)

    async def save_case(self, case: Case) -> None:
        """Write a changed case and its steps."""
        await self._s.execute(
            sa.update(StagnatieCaseRow).where(col(StagnatieCaseRow.id) == case.id).values(**_case_values(case))
        )
        await self._save_steps(case)

    async def _save_steps(self, case: Case) -> None:
        await self._s.execute(sa.delete(StagnatieStepRow).where(col(StagnatieStepRow.case_id) == case.id))
        for r in case.steps:
            self._s.add(
                StagnatieStepRow(
                    case_id=case.id,
                    step=int(r.step),
                    ended_by=r.ended_by.value if r.ended_by else None,
                    **{f: getattr(r, f) for f in _STEP_FIELDS},
                )
            )
        await self._s.flush()

    async def _with_steps(self, rows: list[StagnatieCaseRow]) -> list[Case]:
        if not rows:
            return []
        steps: dict[str, list[StagnatieStepRow]] = defaultdict(list)
        for s in (
            await self._s.execute(
                sa.select(StagnatieStepRow).where(col(StagnatieStepRow.case_id).in_([r.id for r in rows]))
            )
        ).scalars():
            steps[s.case_id].append(s)
        return [_case(r, steps[r.id]) for r in rows]

    async def get_case(self, household_id: str, case_id: str, *, lock: bool = False) -> Case | None:
        """One case of a household (None for another household's)."""
        stmt = sa.select(StagnatieCaseRow).where(
            col(StagnatieCaseRow.id) == case_id, col(StagnatieCaseRow.household_id) == household_id
        )
        if lock:
            stmt = stmt.with_for_update()
        found = await self._with_steps(list((await self._s.execute(stmt)).scalars()))
        return found[0] if found else None

    async def list_cases(self, household_id: str) -> list[Case]:
        """A household's cases, oldest first."""
        stmt = (
            sa.select(StagnatieCaseRow)
            .where(col(StagnatieCaseRow.household_id) == household_id)
            .order_by(col(StagnatieCaseRow.opened_at), col(StagnatieCaseRow.id))
        )
        return await self._with_steps(list((await self._s.execute(stmt)).scalars()))

    async def open_cases(self) -> list[Case]:
        """Every open case (the deadline scheduler)."""
        stmt = sa.select(StagnatieCaseRow).where(col(StagnatieCaseRow.status) == CaseStatus.OPEN.value)
        return await self._with_steps(list((await self._s.execute(stmt)).scalars()))

    async def _household_ids(self, gemeente: str) -> list[str]:
        key = gemeente_key(gemeente)
        rows = (await self._s.execute(sa.select(col(HouseholdRow.id), col(HouseholdRow.gemeente)))).all()
        return [hid for hid, name in rows if gemeente_key(name) == key]

    async def cases_in_gemeente(self, gemeente: str) -> list[Case]:
        """Every case of the gemeente's households (monitoring)."""
        ids = await self._household_ids(gemeente)
        if not ids:
            return []
        stmt = sa.select(StagnatieCaseRow).where(col(StagnatieCaseRow.household_id).in_(ids))
        return await self._with_steps(list((await self._s.execute(stmt)).scalars()))

    async def phase_histories(self, gemeente: str) -> list[list[tuple[date, int]]]:
        """Per household of the gemeente, its phase changes as (day, phase) — anonymous (monitoring)."""
        ids = await self._household_ids(gemeente)
        if not ids:
            return []
        out: dict[str, list[tuple[date, int]]] = defaultdict(list)
        for hid, at, phase in (
            await self._s.execute(
                sa.select(col(PhaseChangeRow.household_id), col(PhaseChangeRow.at), col(PhaseChangeRow.to_phase))
                .where(col(PhaseChangeRow.household_id).in_(ids))
                .order_by(col(PhaseChangeRow.id))
            )
        ).all():
            at = datetime.fromisoformat(at) if isinstance(at, str) else at
            out[hid].append((at.date(), phase))
        return list(out.values())

    # -- escalation grants and the klant's exclusions ----------------------------------------
    async def add_grant(
        self, grant_id: str, household_id: str, grantee_id: str, sections: tuple[str, ...], at: datetime
    ) -> None:
        """Give the aanspreekpunt read access to `sections` until it is ended."""
        self._s.add(
            EscalatieGrantRow(
                id=grant_id,
                household_id=household_id,
                grantee_id=grantee_id,
                sections=",".join(sections),
                until=None,
                created_at=at,
            )
        )
        await self._s.flush()

    async def end_grant(self, grant_id: str, at: datetime) -> None:
        """End an escalation grant (afschalen): the next request no longer sees it."""
        await self._s.execute(
            sa.update(EscalatieGrantRow).where(col(EscalatieGrantRow.id) == grant_id).values(ended_at=at)
        )

    async def active_grants(self, household_id: str) -> list[tuple[str, str]]:
        """(grant id, grantee id) of the household's escalation grants in force."""
        rows = await self._s.execute(
            sa.select(col(EscalatieGrantRow.id), col(EscalatieGrantRow.grantee_id)).where(
                col(EscalatieGrantRow.household_id) == household_id, col(EscalatieGrantRow.ended_at).is_(None)
            )
        )
        return [(r[0], r[1]) for r in rows.all()]

    async def set_grant_sections(self, grant_id: str, sections: tuple[str, ...]) -> None:
        """Narrow or widen a grant in force (the klant changed the exclusions)."""
        await self._s.execute(
            sa.update(EscalatieGrantRow)
            .where(col(EscalatieGrantRow.id) == grant_id)
            .values(sections=",".join(sections))
        )

    async def exclusions(self, household_id: str, klant_id: str | None = None) -> tuple[str, ...]:
        """Sections kept from the aanspreekpunt: by one klant, or (None) by any klant of the household — a klant
        who has since left included: removing someone must not undo what they chose to keep back."""
        query = sa.select(col(AanspreekpuntUitsluitingRow.sections)).where(
            col(AanspreekpuntUitsluitingRow.household_id) == household_id
        )
        if klant_id is not None:
            query = query.where(col(AanspreekpuntUitsluitingRow.set_by) == klant_id)
        kept = {s for (sections,) in (await self._s.execute(query)).all() for s in sections.split(",") if s}
        return tuple(k for k in SECTION_KEYS if k in kept)

    async def set_exclusions(self, household_id: str, sections: tuple[str, ...], by: str, at: datetime) -> None:
        """Replace one klant's exclusion list (the others' lists stay as they are)."""
        await self._s.execute(
            sa.delete(AanspreekpuntUitsluitingRow).where(
                col(AanspreekpuntUitsluitingRow.household_id) == household_id,
                col(AanspreekpuntUitsluitingRow.set_by) == by,
            )
        )
        if sections:
            self._s.add(
                AanspreekpuntUitsluitingRow(
                    household_id=household_id, sections=",".join(sections), set_by=by, set_at=at
                )
            )
        await self._s.flush()

    # -- reminders ----------------------------------------------------------------------------
    async def mark_reminded(self, case_id: str, step: int, deadline: str, due: date, at: datetime) -> bool:
        """Record the overdue notice of one deadline; False when it was already sent (notify once)."""
        exists = await self._s.get(StagnatieReminderRow, (case_id, step, deadline, due))
        if exists is not None:
            return False
        self._s.add(StagnatieReminderRow(case_id=case_id, step=step, deadline=deadline, due=due, notified_at=at))
        await self._s.flush()
        return True

    # -- safety signals -----------------------------------------------------------------------
    async def add_signal(self, s: Signaal) -> None:
        """Store a new signal."""
        self._s.add(
            VeiligheidSignaalRow(
                id=s.id,
                household_id=s.household_id,
                soort=s.soort.value,
                toelichting=s.toelichting,
                phase=s.phase,
                raised_by=s.raised_by,
                raised_at=s.raised_at,
                status=s.status.value,
            )
        )
        await self._s.flush()

    async def save_signal(self, s: Signaal) -> None:
        """Write a signal's resolution."""
        await self._s.execute(
            sa.update(VeiligheidSignaalRow)
            .where(col(VeiligheidSignaalRow.id) == s.id)
            .values(
                status=s.status.value,
                resolved_by=s.resolved_by,
                resolved_at=s.resolved_at,
                afwegingen=json.dumps(s.afwegingen, ensure_ascii=False) if s.afwegingen else None,
                besluit=s.besluit.value if s.besluit else None,
            )
        )

    async def get_signal(self, household_id: str, signal_id: str) -> Signaal | None:
        """One signal of a household."""
        row = (
            await self._s.execute(
                sa.select(VeiligheidSignaalRow).where(
                    col(VeiligheidSignaalRow.id) == signal_id, col(VeiligheidSignaalRow.household_id) == household_id
                )
            )
        ).scalar_one_or_none()
        return _signal(row) if row else None

    async def list_signals(self, household_id: str) -> list[Signaal]:
        """A household's signals, newest first."""
        rows = (
            await self._s.execute(
                sa.select(VeiligheidSignaalRow)
                .where(col(VeiligheidSignaalRow.household_id) == household_id)
                .order_by(col(VeiligheidSignaalRow.raised_at).desc(), col(VeiligheidSignaalRow.id))
            )
        ).scalars()
        return [_signal(r) for r in rows]

    async def open_signals(self, household_id: str) -> int:
        """How many signals of the household are open."""
        return (
            await self._s.execute(
                sa.select(sa.func.count())
                .select_from(VeiligheidSignaalRow)
                .where(
                    col(VeiligheidSignaalRow.household_id) == household_id,
                    col(VeiligheidSignaalRow.status) == SignaalStatus.OPEN.value,
                )
            )
        ).scalar_one()
