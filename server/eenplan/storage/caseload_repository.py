"""The caseload's reads: the facts of many households in one fixed set of queries (never one per household).

Every statement takes the whole list of household ids (`IN (...)`), so a caseload of 10 or 200 households
costs the same twelve queries (the plan's deadline events with what meets them is one: `PlanDeadlineRepository.facts`);
only what the caseload shows is selected (no agenda, signal text or payload).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.betrokkene import MailChoice, is_regisseur
from ..domain.caseload import HouseholdFacts, OverlegFact, key_unusable
from ..domain.consent import ConsentStatus
from ..domain.household import Phase
from ..domain.mailgroup import OutboxStatus
from ..domain.overleg import OverlegStatus, OverlegType
from ..domain.plan_deadlines import PlanProgress
from ..domain.stagnatie import Case, CaseStatus
from ..domain.veiligheid import SignaalStatus
from .plan_deadline_repository import PlanDeadlineRepository
from .stagnatie_repository import StagnatieRepository
from .tables import BetrokkeneRow, HouseholdRow, PhaseChangeRow
from .tables_access import ConsentRow
from .tables_inbound import AddressBounceRow
from .tables_mail import MailKeyRow, OutboxRow
from .tables_overleg import DatePollRow, OverlegRow
from .tables_stagnatie import StagnatieCaseRow, VeiligheidSignaalRow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class CaseloadRepository:
    """Batched reads for the regisseur's caseload, inside a unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def regisseur_households(self, memberships: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Of these (household id, betrokkene id) pairs, those where the betrokkene is an active regisseur."""
        if not memberships:
            return []
        wanted = set(memberships)
        stmt = sa.select(col(BetrokkeneRow.household_id), col(BetrokkeneRow.id), col(BetrokkeneRow.role)).where(
            col(BetrokkeneRow.id).in_([b for _, b in memberships]), col(BetrokkeneRow.removed_at).is_(None)
        )
        return [(h, b) for h, b, role in (await self._s.execute(stmt)).all() if (h, b) in wanted and is_regisseur(role)]

    async def facts(self, household_ids: list[str], now: datetime) -> list[HouseholdFacts]:
        """What the caseload shows of each household (ids it does not find are left out)."""
        if not household_ids:
            return []
        ids = sorted(set(household_ids))
        households = (
            await self._s.execute(
                sa.select(
                    col(HouseholdRow.id), col(HouseholdRow.name), col(HouseholdRow.code), col(HouseholdRow.phase)
                ).where(col(HouseholdRow.id).in_(ids))
            )
        ).all()
        phase3 = await self._entered_phase3(ids)
        overleggen = await self._overleggen(ids)
        polls = await self._poll_initiated(ids)
        cases = await self._open_cases(ids)
        signals = await self._count(VeiligheidSignaalRow, VeiligheidSignaalRow.status, SignaalStatus.OPEN.value, ids)
        consents = await self._count(ConsentRow, ConsentRow.status, ConsentStatus.REQUESTED.value, ids)
        dead = await self._count(OutboxRow, OutboxRow.status, OutboxStatus.DEAD.value, ids)
        missing, bounced = await self._mail_problems(ids, now)
        plan = await PlanDeadlineRepository(self._s).facts(ids)
        return [
            HouseholdFacts(
                household_id=h,
                name=name,
                code=code,
                phase=Phase(phase),
                entered_phase3_on=phase3.get(h),
                overleggen=tuple(overleggen[h]),
                poll_initiated_on=polls.get(h),
                cases=tuple(cases[h]),
                open_signals=signals.get(h, 0),
                consent_waiting=consents.get(h, 0),
                keys_missing=missing.get(h, 0),
                bounced_addresses=bounced.get(h, 0),
                dead_letters=dead.get(h, 0),
                plan_events=tuple(plan[h][0]) if h in plan else (),
                plan_progress=plan[h][1] if h in plan else PlanProgress(),
            )
            for h, name, code, phase in households
        ]

    async def _entered_phase3(self, ids: list[str]) -> dict[str, date]:
        stmt = sa.select(col(PhaseChangeRow.household_id), col(PhaseChangeRow.at)).where(
            col(PhaseChangeRow.household_id).in_(ids), col(PhaseChangeRow.to_phase) == int(Phase.STARTOVERLEG)
        )
        out: dict[str, date] = {}
        for h, at in (await self._s.execute(stmt)).all():
            day = _aware(at).astimezone(AMSTERDAM).date()
            out[h] = max(out.get(h, day), day)  # the latest move into phase 3 (a reopened trajectory)
        return out

    async def _overleggen(self, ids: list[str]) -> dict[str, list[OverlegFact]]:
        stmt = sa.select(
            col(OverlegRow.household_id),
            col(OverlegRow.id),
            col(OverlegRow.type),
            col(OverlegRow.status),
            col(OverlegRow.start_at),
            col(OverlegRow.initiated_on),
        ).where(col(OverlegRow.household_id).in_(ids), col(OverlegRow.status) != OverlegStatus.CANCELLED.value)
        out: dict[str, list[OverlegFact]] = defaultdict(list)
        for h, oid, kind, status, start, initiated in (await self._s.execute(stmt)).all():
            out[h].append(OverlegFact(oid, OverlegType(kind), OverlegStatus(status), _aware(start), initiated))
        return out

    async def _poll_initiated(self, ids: list[str]) -> dict[str, date]:
        stmt = sa.select(col(DatePollRow.household_id), col(DatePollRow.initiated_on)).where(
            col(DatePollRow.household_id).in_(ids),
            col(DatePollRow.type) == OverlegType.STARTOVERLEG.value,
            col(DatePollRow.initiated_on).is_not(None),
        )
        out: dict[str, date] = {}
        for h, initiated in (await self._s.execute(stmt)).all():
            if initiated is not None:
                out[h] = max(out.get(h, initiated), initiated)
        return out

    async def _open_cases(self, ids: list[str]) -> dict[str, list[Case]]:
        stmt = sa.select(StagnatieCaseRow).where(
            col(StagnatieCaseRow.household_id).in_(ids), col(StagnatieCaseRow.status) == CaseStatus.OPEN.value
        )
        rows = list((await self._s.execute(stmt)).scalars())
        out: dict[str, list[Case]] = defaultdict(list)
        for case in await StagnatieRepository(self._s)._with_steps(rows):  # one more query: all their steps
            out[case.household_id].append(case)
        return out

    async def _count(self, table: type, status_column: object, value: str, ids: list[str]) -> dict[str, int]:
        household = col(table.household_id)  # type: ignore[attr-defined]
        stmt = (
            sa.select(household, sa.func.count())
            .select_from(table)
            .where(household.in_(ids), col(status_column) == value)
            .group_by(household)
        )
        return {h: int(n) for h, n in (await self._s.execute(stmt)).all()}

    async def _mail_problems(self, ids: list[str], now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """Per household: active betrokkenen without a usable key, and addresses whose mail stopped (bounces)."""
        stmt = (
            sa.select(
                col(BetrokkeneRow.household_id),
                col(BetrokkeneRow.id),
                col(BetrokkeneRow.email),
                col(BetrokkeneRow.mail_choice),
                col(MailKeyRow.fingerprint),
                col(MailKeyRow.expires_at),
            )
            .outerjoin(
                MailKeyRow,
                sa.and_(
                    col(MailKeyRow.household_id) == col(BetrokkeneRow.household_id),
                    col(MailKeyRow.betrokkene_id) == col(BetrokkeneRow.id),
                ),
            )
            .where(col(BetrokkeneRow.household_id).in_(ids), col(BetrokkeneRow.removed_at).is_(None))
        )
        missing: dict[str, int] = defaultdict(int)
        emails: dict[str, str | None] = {}
        for h, bid, email, choice, fingerprint, expires in (await self._s.execute(stmt)).all():
            emails[bid] = email
            expires_at = _aware(expires) if expires is not None else None
            if key_unusable(email, choice == MailChoice.MELDINGEN.value, fingerprint is not None, expires_at, now):
                missing[h] += 1
        bounces = sa.select(
            col(AddressBounceRow.household_id), col(AddressBounceRow.betrokkene_id), col(AddressBounceRow.address)
        ).where(col(AddressBounceRow.household_id).in_(ids), col(AddressBounceRow.disabled_at).is_not(None))
        bounced: dict[str, int] = defaultdict(int)
        for h, bid, address in (await self._s.execute(bounces)).all():
            email = emails.get(bid)
            if email is not None and email.lower() == address.lower():  # BounceRecord.disables: that very address
                bounced[h] += 1
        return dict(missing), dict(bounced)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def reads(uow: object) -> CaseloadRepository:
    """The caseload's store over an open unit of work (wired by bootstrap as the service's `CaseloadReads`)."""
    return CaseloadRepository(uow.session)  # type: ignore[attr-defined]
