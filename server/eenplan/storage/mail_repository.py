"""The mail repository: pinned keys, named groups and the transactional outbox.

Claiming differs per database: PostgreSQL takes due rows with
`FOR UPDATE SKIP LOCKED` so several workers never take the same row; SQLite
(one process) claims with a conditional UPDATE, which its write lock makes
atomic. A claim is a lease (`claimed_until`): a crashed worker's rows are
taken again after the lease ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.mailgroup import MailGroup, OutboxItem, OutboxKind, OutboxStatus, PinnedKey
from .results import rows_changed
from .tables_mail import MailGroupMemberRow, MailGroupRow, MailKeyRow, OutboxRow


def _key(row: MailKeyRow) -> PinnedKey:
    return PinnedKey(
        household_id=row.household_id,
        betrokkene_id=row.betrokkene_id,
        fingerprint=row.fingerprint,
        algorithm=row.algorithm,
        expires_at=row.expires_at,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        expiry_warned_at=row.expiry_warned_at,
    )


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        household_id=row.household_id,
        recipient_id=row.recipient_id,
        kind=OutboxKind(row.kind),
        dedupe_key=row.dedupe_key,
        version=row.version,
        group_id=row.group_id,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_error=row.last_error,
        message_id=row.message_id,
        sent_at=row.sent_at,
        payload=row.payload,
    )


class MailRepository:
    """Keys, groups and outbox rows of every household."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @property
    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    # -- keys ---------------------------------------------------------------------------------
    async def get_key(self, household_id: str, betrokkene_id: str) -> PinnedKey | None:
        """The key pinned for a betrokkene, if any."""
        row = await self._s.get(MailKeyRow, (household_id, betrokkene_id))
        return _key(row) if row else None

    async def put_key(self, key: PinnedKey) -> None:
        """Pin (or replace) a betrokkene's key; a new key resets the expiry warning."""
        await self._s.execute(
            sa.delete(MailKeyRow).where(
                col(MailKeyRow.household_id) == key.household_id, col(MailKeyRow.betrokkene_id) == key.betrokkene_id
            )
        )
        self._s.add(
            MailKeyRow(
                household_id=key.household_id,
                betrokkene_id=key.betrokkene_id,
                fingerprint=key.fingerprint,
                algorithm=key.algorithm,
                expires_at=key.expires_at,
                uploaded_at=key.uploaded_at,
                uploaded_by=key.uploaded_by,
                expiry_warned_at=None,
            )
        )
        await self._s.flush()

    async def delete_key(self, household_id: str, betrokkene_id: str) -> bool:
        """Unpin a betrokkene's key; whether there was one."""
        result = await self._s.execute(
            sa.delete(MailKeyRow).where(
                col(MailKeyRow.household_id) == household_id, col(MailKeyRow.betrokkene_id) == betrokkene_id
            )
        )
        return rows_changed(result) > 0

    async def list_keys(self, household_id: str) -> list[PinnedKey]:
        """Every key pinned in a household."""
        rows = await self._s.execute(sa.select(MailKeyRow).where(col(MailKeyRow.household_id) == household_id))
        return [_key(r) for r in rows.scalars()]

    async def keys_expiring_before(self, moment: datetime, limit: int = 100) -> list[PinnedKey]:
        """Keys (any household) that expire before `moment` and were not warned about yet."""
        stmt = (
            sa.select(MailKeyRow)
            .where(
                col(MailKeyRow.expires_at).is_not(None),
                col(MailKeyRow.expires_at) < moment,
                col(MailKeyRow.expiry_warned_at).is_(None),
            )
            .limit(limit)
        )
        return [_key(r) for r in (await self._s.execute(stmt)).scalars()]

    async def mark_key_warned(self, household_id: str, betrokkene_id: str, at: datetime) -> None:
        """Remember that the expiry warning for this key was queued (once per key)."""
        await self._s.execute(
            sa.update(MailKeyRow)
            .where(col(MailKeyRow.household_id) == household_id, col(MailKeyRow.betrokkene_id) == betrokkene_id)
            .values(expiry_warned_at=at)
        )

    # -- groups -------------------------------------------------------------------------------
    async def _members(self, group_ids: list[str]) -> dict[str, list[str]]:
        if not group_ids:
            return {}
        rows = await self._s.execute(
            sa.select(col(MailGroupMemberRow.group_id), col(MailGroupMemberRow.betrokkene_id)).where(
                col(MailGroupMemberRow.group_id).in_(group_ids)
            )
        )
        out: dict[str, list[str]] = {g: [] for g in group_ids}
        for gid, bid in rows:
            out[gid].append(bid)
        return out

    async def list_groups(self, household_id: str) -> list[MailGroup]:
        """The household's named groups with their members."""
        rows = list(
            (
                await self._s.execute(
                    sa.select(MailGroupRow)
                    .where(col(MailGroupRow.household_id) == household_id)
                    .order_by(col(MailGroupRow.slug))
                )
            ).scalars()
        )
        members = await self._members([r.id for r in rows])
        return [
            MailGroup(
                r.id, r.household_id, r.slug, r.name, bool(r.plan_updates), tuple(sorted(members[r.id])), r.created_at
            )
            for r in rows
        ]

    async def get_group(self, household_id: str, group_id: str) -> MailGroup | None:
        """One named group of the household."""
        return next((g for g in await self.list_groups(household_id) if g.id == group_id), None)

    async def add_group(self, group: MailGroup) -> None:
        """Store a named group and its members."""
        self._s.add(
            MailGroupRow(
                id=group.id,
                household_id=group.household_id,
                slug=group.slug,
                name=group.name,
                plan_updates=group.plan_updates,
                created_at=group.created_at,
            )
        )
        await self._s.flush()
        for bid in group.members:
            self._s.add(MailGroupMemberRow(group_id=group.id, betrokkene_id=bid))
        await self._s.flush()

    async def delete_group(self, household_id: str, group_id: str) -> bool:
        """Remove a named group; whether it existed."""
        found = await self._s.get(MailGroupRow, group_id)
        if found is None or found.household_id != household_id:
            return False
        await self._s.execute(sa.delete(MailGroupMemberRow).where(col(MailGroupMemberRow.group_id) == group_id))
        result = await self._s.execute(
            sa.delete(MailGroupRow).where(
                col(MailGroupRow.id) == group_id, col(MailGroupRow.household_id) == household_id
            )
        )
        return rows_changed(result) > 0

    async def set_plan_group(self, household_id: str, group_id: str | None) -> None:
        """Make `group_id` (or, with None, the default group) the one that receives plan updates."""
        await self._s.execute(
            sa.update(MailGroupRow)
            .where(col(MailGroupRow.household_id) == household_id)
            .values(plan_updates=col(MailGroupRow.id) == group_id if group_id else False)
        )

    # -- outbox -------------------------------------------------------------------------------
    async def enqueue(self, item: OutboxItem) -> bool:
        """Queue a row in the caller's transaction; False when the same (recipient, kind, key) is queued."""
        values = dict(
            id=item.id,
            household_id=item.household_id,
            recipient_id=item.recipient_id,
            kind=item.kind.value,
            dedupe_key=item.dedupe_key,
            version=item.version,
            group_id=item.group_id,
            payload=item.payload,
            status=item.status.value,
            attempts=item.attempts,
            next_attempt_at=item.next_attempt_at,
            created_at=item.created_at,
        )
        insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        stmt = insert(OutboxRow).values(**values).on_conflict_do_nothing()
        result = await self._s.execute(stmt)
        return rows_changed(result) > 0

    async def claim(
        self, now: datetime, lease_until: datetime, token: str, limit: int, max_attempts: int
    ) -> list[OutboxItem]:
        """Take up to `limit` due rows under a lease for the claim `token`. Claiming costs no attempt (only
        `begin` does); a free row already tried `max_attempts` times becomes a dead letter."""
        t = OutboxRow
        free = sa.or_(col(t.claimed_until).is_(None), col(t.claimed_until) < now)
        await self._s.execute(
            sa.update(t)
            .where(col(t.status) == OutboxStatus.QUEUED.value, col(t.attempts) >= max_attempts, free)
            .values(
                status=OutboxStatus.DEAD.value,
                claimed_until=None,
                last_error=sa.func.coalesce(col(t.last_error), "worker stopped mid-send"),
            )
        )
        due = (
            sa.select(col(t.id))
            .where(col(t.status) == OutboxStatus.QUEUED.value, col(t.next_attempt_at) <= now, free)
            .order_by(col(t.next_attempt_at), col(t.created_at))
            .limit(limit)
        )
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            sa.update(t)
            .where(col(t.id).in_(due.scalar_subquery()), col(t.status) == OutboxStatus.QUEUED.value, free)
            .values(claimed_until=lease_until, claimed_by=token)
            .returning(*sa.inspect(t).local_table.columns)
        )
        rows = (await self._s.execute(stmt)).all()
        return sorted((_item(r) for r in rows), key=lambda i: (i.household_id, i.version or 0, i.created_at))

    def _held(self, item_id: str, token: str) -> Any:
        """The row, only while the claim `token` still holds it."""
        return sa.and_(
            col(OutboxRow.id) == item_id,
            col(OutboxRow.claimed_by) == token,
            col(OutboxRow.status) == OutboxStatus.QUEUED.value,
        )

    async def renew(self, token: str, lease_until: datetime) -> int:
        """Extend the lease of every row the claim `token` still holds; how many."""
        result = await self._s.execute(
            sa.update(OutboxRow)
            .where(col(OutboxRow.claimed_by) == token, col(OutboxRow.status) == OutboxStatus.QUEUED.value)
            .values(claimed_until=lease_until)
        )
        return rows_changed(result)

    async def release(self, token: str) -> int:
        """Give back the rows the claim `token` did not get to (a stopping worker), due at once."""
        result = await self._s.execute(
            sa.update(OutboxRow)
            .where(col(OutboxRow.claimed_by) == token, col(OutboxRow.status) == OutboxStatus.QUEUED.value)
            .values(claimed_until=None, claimed_by=None)
        )
        return rows_changed(result)

    async def begin(self, item_id: str, token: str) -> bool:
        """SMTP is about to be tried for this row: count the attempt; False if the claim was lost."""
        result = await self._s.execute(
            sa.update(OutboxRow).where(self._held(item_id, token)).values(attempts=col(OutboxRow.attempts) + 1)
        )
        return rows_changed(result) > 0

    async def mark_sent(
        self, item_id: str, token: str, at: datetime, message_id: str, view_hash: str | None = None
    ) -> bool:
        """The relay answered 250: never send this row again; only its claimant marks it (False otherwise)."""
        result = await self._s.execute(
            sa.update(OutboxRow)
            .where(self._held(item_id, token))
            .values(
                status=OutboxStatus.SENT.value,
                sent_at=at,
                message_id=message_id,
                view_hash=view_hash,
                claimed_until=None,
                last_error=None,
            )
        )
        return rows_changed(result) > 0

    async def mark_retry(self, item_id: str, token: str, next_at: datetime, error: str, count: bool) -> bool:
        """A temporary failure: release the lease and try again at `next_at`; `count` adds the attempt a
        failure before SMTP (which `begin` did not count) costs."""
        values: dict[str, Any] = dict(next_attempt_at=next_at, claimed_until=None, claimed_by=None)
        values["last_error"] = error[:300]
        if count:
            values["attempts"] = col(OutboxRow.attempts) + 1
        result = await self._s.execute(sa.update(OutboxRow).where(self._held(item_id, token)).values(**values))
        return rows_changed(result) > 0

    async def mark_final(self, item_id: str, token: str, status: OutboxStatus, error: str | None) -> bool:
        """Dead letter or skipped: the row is done without a delivery (by its claimant only)."""
        result = await self._s.execute(
            sa.update(OutboxRow)
            .where(self._held(item_id, token))
            .values(status=status.value, claimed_until=None, last_error=(error or "")[:300] or None)
        )
        return rows_changed(result) > 0

    async def list_outbox(self, household_id: str, status: OutboxStatus | None, limit: int) -> list[OutboxItem]:
        """A household's outbox rows, newest first, optionally of one status."""
        stmt = sa.select(OutboxRow).where(col(OutboxRow.household_id) == household_id)
        if status is not None:
            stmt = stmt.where(col(OutboxRow.status) == status.value)
        stmt = stmt.order_by(col(OutboxRow.created_at).desc(), col(OutboxRow.id)).limit(limit)
        return [_item(r) for r in (await self._s.execute(stmt)).scalars()]

    async def requeue(self, household_id: str, item_id: str, now: datetime) -> bool:
        """Give a dead letter a fresh set of attempts."""
        result = await self._s.execute(
            sa.update(OutboxRow)
            .where(
                col(OutboxRow.id) == item_id,
                col(OutboxRow.household_id) == household_id,
                col(OutboxRow.status) == OutboxStatus.DEAD.value,
            )
            .values(
                status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=now, claimed_until=None, claimed_by=None
            )
        )
        return rows_changed(result) > 0

    async def last_sent(self, household_id: str, recipient_id: str, before: int) -> tuple[int, str | None] | None:
        """The newest plan version below `before` this recipient was sent, and the hash of the view it showed."""
        t = OutboxRow
        stmt = (
            sa.select(col(t.version), col(t.view_hash))
            .where(
                col(t.household_id) == household_id,
                col(t.recipient_id) == recipient_id,
                col(t.kind) == OutboxKind.PLAN_UPDATE.value,
                col(t.status) == OutboxStatus.SENT.value,
                col(t.version) < before,
            )
            .order_by(col(t.version).desc())
            .limit(1)
        )
        row = (await self._s.execute(stmt)).first()
        return None if row is None or row[0] is None else (int(row[0]), row[1])

    async def last_sent_among(self, household_id: str, before: Mapping[str, int]) -> dict[str, tuple[int, str | None]]:
        """`last_sent` for several recipients at once (recipient → the version its row is for), one statement
        per distinct version (an outbox wave has one); recipients never sent a plan update are left out."""
        t = OutboxRow
        sent_updates = (
            col(t.household_id) == household_id,
            col(t.kind) == OutboxKind.PLAN_UPDATE.value,
            col(t.status) == OutboxStatus.SENT.value,
        )
        by_bound: dict[int, list[str]] = {}
        for recipient_id, bound in before.items():
            by_bound.setdefault(bound, []).append(recipient_id)
        found: dict[str, tuple[int, str | None]] = {}
        for bound, recipients in by_bound.items():
            newest = (
                sa.select(col(t.recipient_id).label("recipient_id"), sa.func.max(col(t.version)).label("version"))
                .where(*sent_updates, col(t.recipient_id).in_(recipients), col(t.version) < bound)
                .group_by(col(t.recipient_id))
                .subquery()
            )
            stmt = (
                sa.select(col(t.recipient_id), col(t.version), col(t.view_hash))
                .join(
                    newest,
                    sa.and_(col(t.recipient_id) == newest.c.recipient_id, col(t.version) == newest.c.version),
                )
                .where(*sent_updates)
            )
            for recipient_id, version, view_hash in (await self._s.execute(stmt)).all():
                if version is not None:
                    found[recipient_id] = (int(version), view_hash)
        return found

    async def last_sent_version(self, household_id: str, recipient_id: str, before: int) -> int | None:
        """The newest plan version below `before` that this recipient was sent."""
        found = await self.last_sent(household_id, recipient_id, before)
        return found[0] if found else None
