"""The key repository (issue 15): households' signing keys (secret sealed) and pinned public keys, by row.

Two nodes may make a household's key at once: `add_household_key` inserts with ON CONFLICT DO NOTHING, so
exactly one row wins and the loser reads it back. Nothing here sees a key in the clear but public keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.key_ports import HouseholdKey, SealedSecret
from .results import rows_changed
from .tables import HouseholdRow
from .tables_keys import HouseholdKeyRow, PublicKeyRow
from .tables_mail import MailKeyRow
from .tables_stagnatie import AanspreekpuntRow


def _household_key(row: HouseholdKeyRow) -> HouseholdKey:
    return HouseholdKey(
        row.household_code,
        row.fingerprint,
        row.public_armored,
        SealedSecret(bytes(row.sealed_secret), row.kek_id),
        row.created_at,
    )


class KeyRepository:
    """Household keys and pinned public keys, on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _insert(self, table: type[HouseholdKeyRow] | type[PublicKeyRow]) -> postgresql.Insert | sqlite.Insert:
        insert = postgresql.insert if self._s.get_bind().dialect.name == "postgresql" else sqlite.insert
        return insert(table)

    async def household_key(self, code: str) -> HouseholdKey | None:
        """The household's signing key, if one was stored."""
        row = await self._s.get(HouseholdKeyRow, code)
        return _household_key(row) if row is not None else None

    async def add_household_key(self, key: HouseholdKey) -> bool:
        """Insert the household's key unless it has one (conflict-safe); True when this row was kept."""
        stmt = (
            self._insert(HouseholdKeyRow)
            .values(
                household_code=key.household_code,
                fingerprint=key.fingerprint,
                public_armored=key.public_armored,
                sealed_secret=key.sealed.blob,
                kek_id=key.sealed.kek_id,
                created_at=key.created_at,
            )
            .on_conflict_do_nothing(index_elements=["household_code"])
        )
        return rows_changed(await self._s.execute(stmt)) > 0

    async def household_keys(self, *, lock: bool = False) -> list[HouseholdKey]:
        """Every household key (locked for update with `lock`, for a rotation in one transaction)."""
        stmt = sa.select(HouseholdKeyRow).order_by(col(HouseholdKeyRow.household_code))
        if lock:
            stmt = stmt.with_for_update()
        return [_household_key(r) for r in (await self._s.execute(stmt)).scalars()]

    async def kek_counts(self) -> dict[str, int]:
        """How many household keys are sealed under each KEK id (one grouped count)."""
        stmt = sa.select(col(HouseholdKeyRow.kek_id), sa.func.count()).group_by(col(HouseholdKeyRow.kek_id))
        return {str(k): int(n) for k, n in (await self._s.execute(stmt)).all()}

    async def reseal(self, code: str, fingerprint: str, sealed: SealedSecret) -> bool:
        """Replace a household key's sealed secret (same key, new KEK); False when the row is not that key."""
        result = await self._s.execute(
            sa.update(HouseholdKeyRow)
            .where(col(HouseholdKeyRow.household_code) == code, col(HouseholdKeyRow.fingerprint) == fingerprint)
            .values(sealed_secret=sealed.blob, kek_id=sealed.kek_id)
        )
        return rows_changed(result) > 0

    async def public_key(self, fingerprint: str) -> str | None:
        """The armored public key stored for a pinned fingerprint."""
        row = await self._s.get(PublicKeyRow, fingerprint.upper())
        return row.armored if row is not None else None

    async def public_keys(self, fingerprints: Iterable[str]) -> dict[str, str]:
        """The armored public keys stored for pinned fingerprints (upper case), in one query: a wave's check
        compares them with what the node's home last imported."""
        wanted = sorted({f.upper() for f in fingerprints})
        if not wanted:
            return {}
        stmt = sa.select(col(PublicKeyRow.fingerprint), col(PublicKeyRow.armored)).where(
            col(PublicKeyRow.fingerprint).in_(wanted)
        )
        return {str(f): str(a) for f, a in (await self._s.execute(stmt)).all()}

    async def put_public_key(self, fingerprint: str, armored: str, at: datetime) -> None:
        """Store (or refresh, e.g. with a revocation merged in) the armored public key of a fingerprint."""
        stmt = self._insert(PublicKeyRow).values(fingerprint=fingerprint.upper(), armored=armored, stored_at=at)
        fresh = {"armored": stmt.excluded.armored, "stored_at": stmt.excluded.stored_at}
        stmt = stmt.on_conflict_do_update(index_elements=["fingerprint"], set_=fresh)
        await self._s.execute(stmt)

    async def codes_without_key(self, limit: int = 1000) -> list[str]:
        """Codes of households without a stored signing key (made before 0020, or never used to sign)."""
        stmt = (
            sa.select(col(HouseholdRow.code))
            .where(~sa.exists().where(col(HouseholdKeyRow.household_code) == col(HouseholdRow.code)))
            .order_by(col(HouseholdRow.code))
            .limit(limit)
        )
        return [str(c) for c in (await self._s.execute(stmt)).scalars()]

    async def pinned_without_armored(self, limit: int = 1000) -> list[str]:
        """Pinned fingerprints (betrokkenen, aanspreekpunten) without a stored public key (rows from before 0020)."""
        pinned = sa.union(
            sa.select(col(MailKeyRow.fingerprint).label("fpr")),
            sa.select(col(AanspreekpuntRow.fingerprint).label("fpr")),
        ).subquery()
        stmt = (
            sa.select(pinned.c.fpr)
            .where(~sa.exists().where(col(PublicKeyRow.fingerprint) == sa.func.upper(pinned.c.fpr)))
            .order_by(pinned.c.fpr)
            .limit(limit)
        )
        return [str(f).upper() for f in (await self._s.execute(stmt)).scalars()]
