"""Repositories for consent, overmacht and the access log."""

from __future__ import annotations

import builtins
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.access import Grant, Level
from ..domain.audit import GENESIS, AccessEvent, Channel, Event
from ..domain.consent import Approval, Consent, ConsentMethod, ConsentStatus
from ..domain.overmacht import Besluit, Overmacht
from ..settings.auth import REVOCATION_KEPT_SECONDS
from .grant_rows import GRANTS, GrantColumns, grant_of
from .log_chain import InsertRows, LockHead, MoveHead, Step, arun
from .tables_access import (
    MONITORING_SCOPE,
    AccessLogHeadRow,
    AccessLogRow,
    ConsentApprovalRow,
    ConsentRow,
    OvermachtRow,
    TokenRevocationRow,
)


def _consent(row: ConsentRow, approvals: list[ConsentApprovalRow]) -> Consent:
    return Consent(
        id=row.id,
        household_id=row.household_id,
        requested_by=row.requested_by,
        grantee_id=row.grantee_id,
        sections=tuple(s for s in row.sections.split(",") if s),
        level=Level(row.level),
        purpose=row.purpose,
        until=row.until,
        about_id=row.about_id,
        status=ConsentStatus(row.status),
        created_at=row.created_at,
        decided_at=row.decided_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        approvals=tuple(
            Approval(
                a.betrokkene_id,
                a.approved,
                ConsentMethod(a.method) if a.method else None,
                a.at,
                a.confirmed_at,
                a.recorded_by,
                a.form_date,
                a.form_reference,
            )
            for a in approvals
        ),
        required=None if row.required is None else frozenset(i for i in row.required.split(",") if i),
    )


def _ids(ids: frozenset[str] | None) -> str | None:
    return None if ids is None else ",".join(sorted(ids))


def _overmacht(row: OvermachtRow) -> Overmacht:
    return Overmacht(
        id=row.id,
        household_id=row.household_id,
        professional_id=row.professional_id,
        recipient_id=row.recipient_id,
        answers=json.loads(row.answers),
        besluit=Besluit(row.besluit),
        sections=tuple(s for s in row.sections.split(",") if s),
        until=row.until,
        created_at=row.created_at,
    )


class ConsentRepository:
    """Consent requests, their answers, and overmacht records."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, c: Consent) -> None:
        """Store a new request."""
        self._s.add(
            ConsentRow(
                id=c.id,
                household_id=c.household_id,
                requested_by=c.requested_by,
                grantee_id=c.grantee_id,
                about_id=c.about_id,
                sections=",".join(c.sections),
                level=int(c.level),
                purpose=c.purpose,
                until=c.until,
                status=c.status.value,
                created_at=c.created_at,
                required=_ids(c.required),
            )
        )
        await self._s.flush()

    async def list(self, household_id: str, *, consent_id: str | None = None, lock: bool = False) -> list[Consent]:
        """The household's consents (or one), newest first, with their answers."""
        stmt = sa.select(ConsentRow).where(col(ConsentRow.household_id) == household_id)
        if consent_id is not None:
            stmt = stmt.where(col(ConsentRow.id) == consent_id)
        if lock:
            stmt = stmt.with_for_update()
        rows = list(
            (await self._s.execute(stmt.order_by(col(ConsentRow.created_at).desc(), col(ConsentRow.id)))).scalars()
        )
        if not rows:
            return []
        answers: dict[str, list[ConsentApprovalRow]] = defaultdict(list)
        approvals = sa.select(ConsentApprovalRow).where(col(ConsentApprovalRow.consent_id).in_([r.id for r in rows]))
        for a in (await self._s.execute(approvals)).scalars():
            answers[a.consent_id].append(a)
        return [_consent(r, answers[r.id]) for r in rows]

    async def answer(self, consent_id: str, approval: Approval) -> None:
        """Record (or replace) one klant's answer."""
        await self._s.execute(
            sa.delete(ConsentApprovalRow).where(
                col(ConsentApprovalRow.consent_id) == consent_id,
                col(ConsentApprovalRow.betrokkene_id) == approval.betrokkene_id,
            )
        )
        self._s.add(
            ConsentApprovalRow(
                consent_id=consent_id,
                betrokkene_id=approval.betrokkene_id,
                approved=approval.approved,
                method=approval.method.value if approval.method else None,
                at=approval.at,
                confirmed_at=approval.confirmed_at,
                recorded_by=approval.recorded_by,
                form_date=approval.form_date,
                form_reference=approval.form_reference,
            )
        )
        await self._s.flush()

    async def set_status(
        self, consent_id: str, status: ConsentStatus, at: datetime, by: str | None = None, *, until: date | None = None
    ) -> None:
        """Move a consent to a new status (revocation records who and when; `until`: its last day, shortened)."""
        values: dict[str, Any] = {"status": status.value}
        if until is not None:
            values["until"] = until
        if status is ConsentStatus.REVOKED:
            values.update(revoked_at=at, revoked_by=by)
        else:
            values["decided_at"] = at
        await self._s.execute(sa.update(ConsentRow).where(col(ConsentRow.id) == consent_id).values(**values))

    async def reopen(self, consent_id: str, required: frozenset[str]) -> None:
        """Back to 'aangevraagd' with no answers and a new set of who must consent (people changed)."""
        await self._s.execute(sa.delete(ConsentApprovalRow).where(col(ConsentApprovalRow.consent_id) == consent_id))
        await self._s.execute(
            sa.update(ConsentRow)
            .where(col(ConsentRow.id) == consent_id)
            .values(status=ConsentStatus.REQUESTED.value, decided_at=None, required=_ids(required))
        )

    async def add_overmacht(self, o: Overmacht) -> None:
        """Store an overmacht record (both decisions to share and not to share)."""
        self._s.add(
            OvermachtRow(
                id=o.id,
                household_id=o.household_id,
                professional_id=o.professional_id,
                recipient_id=o.recipient_id,
                answers=json.dumps(o.answers, ensure_ascii=False),
                besluit=o.besluit.value,
                sections=",".join(o.sections),
                until=o.until,
                created_at=o.created_at,
            )
        )
        await self._s.flush()

    async def overmacht(self, household_id: str) -> builtins.list[Overmacht]:
        """The household's overmacht records, newest first."""
        stmt = (
            sa.select(OvermachtRow)
            .where(col(OvermachtRow.household_id) == household_id)
            .order_by(col(OvermachtRow.created_at).desc())
        )
        return [_overmacht(r) for r in (await self._s.execute(stmt)).scalars()]

    async def grants(self, household_id: str, betrokkene_id: str, today: date) -> builtins.list[Grant]:
        """Every grant in force today for one betrokkene (consents, overmacht decisions to share, escalations):
        the statement and decoder the hot read uses (`grant_rows`), so both loaders always agree."""
        rows = await self._s.execute(GRANTS, {"hh": household_id, "bid": betrokkene_id, "today": today})
        return [grant_of(GrantColumns(*row)) for row in rows]


class TokenRevocationRepository:
    """Revoked API and monitoring tokens by `jti`; checked on every request by `PlanReader.revoked`."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def revoke(
        self, jti: str, household_id: str | None, by: str | None, at: datetime, expires_at: datetime
    ) -> None:
        """List a token id as revoked for a household (None: a monitoring token); again is harmless.
        Entries whose tokens have expired anyway are dropped on the way: past their expiry *and* revoked longer
        ago than any token can live (rows written before that bound was kept may name a shorter expiry)."""
        oldest_kept = at - timedelta(seconds=REVOCATION_KEPT_SECONDS)
        await self._s.execute(
            sa.delete(TokenRevocationRow).where(
                col(TokenRevocationRow.expires_at) < at, col(TokenRevocationRow.revoked_at) < oldest_kept
            )
        )
        scope = household_id if household_id is not None else MONITORING_SCOPE
        found = await self._s.get(TokenRevocationRow, (jti, scope))
        if found is None:
            self._s.add(TokenRevocationRow(jti=jti, scope=scope, revoked_by=by, revoked_at=at, expires_at=expires_at))
            await self._s.flush()


#: the access_log columns in the order every append path writes them
LOG_COLUMNS = (
    "household_id",
    "seq",
    "at",
    "event",
    "actor_id",
    "on_behalf_of",
    "sections",
    "channel",
    "ground",
    "emergency",
    "detail",
    "prev_hash",
    "hash",
)


def log_values(household_id: str, seq: int, prev: str, digest: str, e: AccessEvent) -> tuple[object, ...]:
    """One access_log row's values, in LOG_COLUMNS order (shared by the ORM, SQLite and asyncpg appends)."""
    return (
        household_id,
        seq,
        e.at,
        e.event.value,
        e.actor_id,
        e.on_behalf_of,
        ",".join(e.sections),
        e.channel.value,
        e.ground,
        e.emergency,
        e.detail,
        prev,
        digest,
    )


def _row(household_id: str, seq: int, prev: str, digest: str, e: AccessEvent) -> dict[str, Any]:
    return dict(zip(LOG_COLUMNS, log_values(household_id, seq, prev, digest, e), strict=True))


def row_event(row: Any) -> AccessEvent:
    """The domain event a stored row records."""
    return AccessEvent(
        event=Event(row.event),
        household_id=row.household_id,
        actor_id=row.actor_id,
        sections=tuple(s for s in row.sections.split(",") if s),
        channel=Channel(row.channel),
        ground=row.ground,
        at=row.at,
        on_behalf_of=row.on_behalf_of,
        emergency=row.emergency,
        detail=row.detail,
    )


class AccessLogRepository:
    """The append-only, hash-chained access log, within the unit of work's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def append(self, events: list[AccessEvent]) -> None:
        """Append events, extending each household's chain under a lock on its head row (`log_chain`)."""
        insert_head = pg_insert if self._s.get_bind().dialect.name == "postgresql" else sqlite_insert

        async def execute(step: Step) -> tuple[int, str] | None:
            if isinstance(step, LockHead):  # a first entry: give FOR UPDATE a row to lock
                await self._s.execute(
                    insert_head(AccessLogHeadRow)
                    .values(household_id=step.household_id, seq=0, hash=GENESIS)
                    .on_conflict_do_nothing()
                )
                head = (
                    await self._s.execute(
                        sa.select(col(AccessLogHeadRow.seq), col(AccessLogHeadRow.hash))
                        .where(col(AccessLogHeadRow.household_id) == step.household_id)
                        .with_for_update()
                    )
                ).first()
                return (head[0], head[1]) if head else None
            if isinstance(step, InsertRows):
                await self._s.execute(sa.insert(AccessLogRow), [_row(step.household_id, *r) for r in step.rows])
            elif isinstance(step, MoveHead):
                await self._s.execute(
                    sa.update(AccessLogHeadRow)
                    .where(col(AccessLogHeadRow.household_id) == step.household_id)
                    .values(seq=step.seq, hash=step.hash)
                )
            return None

        await arun(events, execute)

    async def entries(
        self, household_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[tuple[int, AccessEvent]]:
        """A page of the household's log, newest first."""
        stmt = sa.select(AccessLogRow).where(col(AccessLogRow.household_id) == household_id)
        if before is not None:
            stmt = stmt.where(col(AccessLogRow.seq) < before)
        rows = (await self._s.execute(stmt.order_by(col(AccessLogRow.seq).desc()).limit(limit))).scalars()
        return [(r.seq, row_event(r)) for r in rows]

    async def chain_page(
        self, household_id: str, after: int, limit: int, upto: int
    ) -> list[tuple[int, str, str, AccessEvent]]:
        """One page of a household's chain in order, (seq, prev_hash, hash, event) for after < seq <= upto:
        by key, so verifying a chain of any length holds one page at a time."""
        table = sa.inspect(AccessLogRow).local_table
        rows = await self._s.execute(
            sa.select(table)
            .where(table.c.household_id == household_id, table.c.seq > after, table.c.seq <= upto)
            .order_by(table.c.seq)
            .limit(limit)
        )
        return [(r.seq, r.prev_hash, r.hash, row_event(r)) for r in rows]

    async def head(self, household_id: str) -> tuple[int, str]:
        """(seq, hash) of the chain's last entry as recorded in its head row."""
        row = (
            await self._s.execute(
                sa.select(col(AccessLogHeadRow.seq), col(AccessLogHeadRow.hash)).where(
                    col(AccessLogHeadRow.household_id) == household_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    async def households(self) -> list[str]:
        """Every household that has a log."""
        return list((await self._s.execute(sa.select(col(AccessLogHeadRow.household_id)))).scalars())

    async def actor_details(
        self, household_id: str, actor_id: str, event: str, channel: str, prefix: str, *, limit: int = 200
    ) -> builtins.list[str]:
        """The details of one actor's latest entries of one event on one channel whose detail starts with
        `prefix`, newest first (e.g. which plan versions a person read on the web)."""
        table = sa.inspect(AccessLogRow).local_table
        rows = await self._s.execute(
            sa.select(table.c.detail)
            .where(
                table.c.household_id == household_id,
                table.c.actor_id == actor_id,
                table.c.on_behalf_of.is_(None),
                table.c.event == event,
                table.c.channel == channel,
                table.c.detail.startswith(prefix, autoescape=True),
            )
            .order_by(table.c.seq.desc())
            .limit(limit)
        )
        return [str(r[0]) for r in rows]
