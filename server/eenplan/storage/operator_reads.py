"""What the operator's commands read and change directly (`eenplan outbox retry`, `eenplan keys status`).

Ids, kinds, counts, fingerprints and KEK ids only: nothing of a person (no name, address, plan content) leaves this
module. Each function opens one short transaction on an engine the command made for itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from ..domain.mailgroup import EXPIRY_WARNING_DAYS, OutboxKind, OutboxStatus
from ..domain.sessions import MAGIC_LINK_TTL
from .engine import WRITE_OPTION, is_sqlite
from .outbox_wake import CHANNEL
from .tables import BetrokkeneRow, HouseholdRow
from .tables_keys import HouseholdKeyRow
from .tables_mail import MailKeyRow, OutboxRow
from .tables_overleg import OverlegRow

#: why `requeue_dead` leaves a dead letter out (it is marked skipped, with this reason)
SUPERSEDED = "superseded"  # a plan update whose recipient was sent (or will be sent) a newer version
EXPIRED = "expired"  # a sign-in link older than its lifetime
PAST = "past"  # an invite or reminder for an overleg that has ended
_CHUNK = 500


@dataclass(frozen=True)
class Requeued:
    """What `requeue_dead` did: rows queued again by kind, and rows left out by (kind, reason)."""

    queued: dict[str, int]
    skipped: dict[tuple[str, str], int]


async def requeue_dead(
    engine: AsyncEngine, now: datetime, *, household_id: str | None = None, row_id: str | None = None
) -> Requeued:
    """Give dead letters a fresh set of attempts (all, one household's, or one row), in one transaction — except
    mail people would see stale (`_stale`): those are marked skipped with the reason. On PostgreSQL the workers
    are woken (NOTIFY) after the commit."""
    t = OutboxRow
    where = [col(t.status) == OutboxStatus.DEAD.value]
    if household_id is not None:
        where.append(col(t.household_id) == household_id)
    if row_id is not None:
        where.append(col(t.id) == row_id)
    queued: dict[str, int] = {}
    skipped: dict[tuple[str, str], int] = {}
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            found = (
                await conn.execute(
                    sa.select(
                        col(t.id),
                        col(t.household_id),
                        col(t.recipient_id),
                        col(t.kind),
                        col(t.version),
                        col(t.dedupe_key),
                        col(t.created_at),
                    ).where(*where)
                )
            ).all()
            rows: list[_Dead] = [tuple(r) for r in found]  # type: ignore[misc]
            stale = await _stale(conn, rows, now)
            again = [str(r[0]) for r in rows if str(r[0]) not in stale]
            for r in rows:
                reason = stale.get(str(r[0]))
                if reason is None:
                    queued[str(r[3])] = queued.get(str(r[3]), 0) + 1
                else:
                    skipped[(str(r[3]), reason)] = skipped.get((str(r[3]), reason), 0) + 1
            fresh = {"status": OutboxStatus.QUEUED.value, "attempts": 0, "next_attempt_at": now}
            for ids in _chunks(again):
                await conn.execute(
                    sa.update(t).where(*where, col(t.id).in_(ids)).values(**fresh, claimed_until=None, claimed_by=None)
                )
            for reason in {SUPERSEDED, EXPIRED, PAST}:
                for ids in _chunks([i for i, why in stale.items() if why == reason]):
                    await conn.execute(
                        sa.update(t)
                        .where(*where, col(t.id).in_(ids))
                        .values(status=OutboxStatus.SKIPPED.value, last_error=f"not queued again: {reason}")
                    )
        if queued and not is_sqlite(str(engine.url)):
            await conn.execute(sa.text(f"NOTIFY {CHANNEL}"))
            await conn.commit()
    return Requeued(queued, skipped)


#: a dead letter as `_stale` reads it: id, household, recipient, kind, version, dedupe key, created at
_Dead = tuple[str, str, str, str, int | None, str, datetime | None]


async def _stale(conn: AsyncConnection, rows: Sequence[_Dead], now: datetime) -> dict[str, str]:
    """Dead letters that must not go out any more, by row id → reason: a plan update older than a version its
    recipient was sent or has queued (or another of these dead letters), a sign-in link past `MAGIC_LINK_TTL`, an
    invite or reminder (dedupe key `overleg:<id>:…`) of an overleg that has ended."""
    t, o = OutboxRow, OverlegRow
    stale: dict[str, str] = {}
    updates = [r for r in rows if r[3] == OutboxKind.PLAN_UPDATE.value and r[4] is not None]
    if updates:
        newest: dict[tuple[str, str], int] = {}
        for r in updates:
            key = (str(r[1]), str(r[2]))
            newest[key] = max(newest.get(key, 0), r[4] or 0)
        for households in _chunks(sorted({h for h, _ in newest})):
            going = (
                sa.select(col(t.household_id), col(t.recipient_id), sa.func.max(col(t.version)))
                .where(
                    col(t.household_id).in_(households),
                    col(t.kind) == OutboxKind.PLAN_UPDATE.value,
                    col(t.status).in_([OutboxStatus.SENT.value, OutboxStatus.QUEUED.value]),
                )
                .group_by(col(t.household_id), col(t.recipient_id))
            )
            for h, rcpt, version in (await conn.execute(going)).all():
                key = (str(h), str(rcpt))
                if key in newest and version is not None:
                    newest[key] = max(newest[key], int(version))
        for r in updates:
            if (r[4] or 0) < newest[(str(r[1]), str(r[2]))]:
                stale[str(r[0])] = SUPERSEDED
    for r in rows:
        if r[3] == OutboxKind.SIGNIN_LINK.value and r[6] is not None and r[6] < now - MAGIC_LINK_TTL:
            stale[str(r[0])] = EXPIRED
    invites = {str(r[0]): str(r[5]).split(":")[1] for r in rows if r[3] == OutboxKind.INVITE.value and _overleg(r[5])}
    ended: set[str] = set()
    for ids in _chunks(sorted(set(invites.values()))):
        found = await conn.execute(sa.select(col(o.id)).where(col(o.id).in_(ids), col(o.end_at) < now))
        ended |= {str(oid) for (oid,) in found.all()}
    stale.update({rid: PAST for rid, oid in invites.items() if oid in ended})
    return stale


async def household_id_for(engine: AsyncEngine, id_or_code: str) -> str | None:
    """The id of the household named by its id or its code (what an operator has at hand), or None."""
    h = HouseholdRow
    stmt = sa.select(col(h.id)).where(sa.or_(col(h.id) == id_or_code, col(h.code) == id_or_code.upper()))
    async with engine.connect() as conn:
        found = (await conn.execute(stmt)).scalars().first()
    return None if found is None else str(found)


def _overleg(dedupe_key: object) -> bool:
    """Whether an invite's dedupe key names its overleg (`overleg:<id>:…`, as every invite and reminder has)."""
    parts = str(dedupe_key).split(":")
    return len(parts) >= 3 and parts[0] == "overleg" and bool(parts[1])


def _chunks(items: list[str]) -> list[list[str]]:
    """`items` in lists of at most `_CHUNK` (SQLite binds at most 32766 values in one statement)."""
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


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
