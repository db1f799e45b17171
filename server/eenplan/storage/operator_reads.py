"""What the operator's commands read and change directly (`eenplan outbox retry`, `eenplan keys status`).

Ids, kinds, counts, fingerprints and KEK ids only: nothing of a person (no name, address, plan content) leaves this
module. Each function opens one short transaction on an engine the command made for itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from ..domain.mailgroup import EXPIRY_WARNING_DAYS, OutboxStatus
from .engine import WRITE_OPTION, is_sqlite
from .outbox_wake import CHANNEL
from .tables import BetrokkeneRow, HouseholdRow
from .tables_keys import HouseholdKeyRow
from .tables_mail import MailKeyRow, OutboxRow


async def requeue_dead(
    engine: AsyncEngine, now: datetime, *, household_id: str | None = None, row_id: str | None = None
) -> dict[str, int]:
    """Give dead letters a fresh set of attempts (all, one household's, or one row), in one transaction; the
    number re-queued by kind. On PostgreSQL the workers are woken (NOTIFY) after the commit."""
    t = OutboxRow
    where = [col(t.status) == OutboxStatus.DEAD.value]
    if household_id is not None:
        where.append(col(t.household_id) == household_id)
    if row_id is not None:
        where.append(col(t.id) == row_id)
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            counted = await conn.execute(sa.select(col(t.kind), sa.func.count()).where(*where).group_by(col(t.kind)))
            counts = {str(kind): int(n) for kind, n in counted.all()}
            if counts:
                await conn.execute(
                    sa.update(t)
                    .where(*where)
                    .values(
                        status=OutboxStatus.QUEUED.value,
                        attempts=0,
                        next_attempt_at=now,
                        claimed_until=None,
                        claimed_by=None,
                    )
                )
        if counts and not is_sqlite(str(engine.url)):
            await conn.execute(sa.text(f"NOTIFY {CHANNEL}"))
            await conn.commit()
    return counts


@dataclass(frozen=True)
class KeyStatus:
    """One household's keys as the operator sees them: ids, a fingerprint, a KEK id and counts, never a name."""

    household_id: str
    fingerprint: str | None  # the signing key's, None while no node has made one
    kek_id: str | None
    created_at: datetime | None
    active: int  # betrokkenen not removed
    with_email: int
    pinned: int  # active betrokkenen with a pinned key
    expiring: int  # of those, expiring within EXPIRY_WARNING_DAYS
    expired: int


async def key_status(engine: AsyncEngine, now: datetime) -> list[KeyStatus]:
    """Every household's signing key (fingerprint, KEK id, made when) and counts of its betrokkenen and their
    pinned keys by expiry, in one read-only transaction (two statements, ordered by household id)."""
    h, k, b, m = HouseholdRow, HouseholdKeyRow, BetrokkeneRow, MailKeyRow
    keys = (
        sa.select(col(h.id), col(k.fingerprint), col(k.kek_id), col(k.created_at))
        .select_from(h)
        .outerjoin(k, col(k.household_code) == col(h.code))
        .order_by(col(h.id))
    )
    soon = now + timedelta(days=EXPIRY_WARNING_DAYS)
    active = col(b.removed_at).is_(None)
    expires = col(m.expires_at)
    people = (
        sa.select(
            col(b.household_id),
            sa.func.count(),
            sa.func.count(col(b.email)),
            sa.func.count(col(m.fingerprint)),
            sa.func.count(col(m.fingerprint)).filter(expires.is_not(None), expires > now, expires <= soon),
            sa.func.count(col(m.fingerprint)).filter(expires.is_not(None), expires <= now),
        )
        .select_from(b)
        .outerjoin(m, sa.and_(col(m.household_id) == col(b.household_id), col(m.betrokkene_id) == col(b.id)))
        .where(active)
        .group_by(col(b.household_id))
    )
    async with engine.connect() as conn:
        key_rows = (await conn.execute(keys)).all()
        counts = {str(row[0]): [int(v or 0) for v in row[1:]] for row in (await conn.execute(people)).all()}
    found: list[KeyStatus] = []
    for household_id, fingerprint, kek, created in key_rows:
        active_n, email_n, pinned_n, expiring_n, expired_n = counts.get(str(household_id), [0, 0, 0, 0, 0])
        found.append(
            KeyStatus(str(household_id), fingerprint, kek, created, active_n, email_n, pinned_n, expiring_n, expired_n)
        )
    return found


def kek_generation(kek_id: str | None, current: str, previous: str | None) -> str:
    """Which configured KEK a row is sealed under: "current", "previous", "UNKNOWN" (this node cannot open it)."""
    if kek_id is None:
        return "-"
    if kek_id == current:
        return "current"
    return "previous" if previous is not None and kek_id == previous else "UNKNOWN"
