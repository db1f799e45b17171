"""The second-factor store: passkeys, TOTP apps, recovery codes, WebAuthn challenges and TOTP set-ups.

Every single use is a conditional UPDATE (as `AuthRepository.use_link`), so two concurrent uses of one
challenge, set-up, recovery code, TOTP step or passkey signature count have exactly one winner.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.factors import StoredChallenge, StoredPasskey, StoredTotp
from .results import rows_changed
from .tables_factors import PasskeyRow, RecoveryCodeRow, TotpFactorRow, TotpSetupRow, WebAuthnChallengeRow


def _passkey(row: PasskeyRow) -> StoredPasskey:
    return StoredPasskey(
        id=row.id,
        person_id=row.person_id,
        credential_id=row.credential_id,
        public_key=bytes(row.public_key),
        sign_count=row.sign_count,
        transports=tuple(t for t in row.transports.split(",") if t),
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class FactorRepository:
    """Second factors of people, inside one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- passkeys ---------------------------------------------------------------------------------------------

    async def passkeys(self, person_id: str) -> list[StoredPasskey]:
        """The person's passkeys, oldest first."""
        stmt = (
            sa.select(PasskeyRow)
            .where(col(PasskeyRow.person_id) == person_id)
            .order_by(col(PasskeyRow.created_at), col(PasskeyRow.id))
        )
        return [_passkey(row) for row in (await self._s.execute(stmt)).scalars()]

    async def passkey_by_credential(self, credential_id: str) -> StoredPasskey | None:
        """The passkey with this WebAuthn credential id (base64url), whoever it belongs to."""
        stmt = sa.select(PasskeyRow).where(col(PasskeyRow.credential_id) == credential_id)
        row = (await self._s.execute(stmt)).scalars().first()
        return _passkey(row) if row else None

    async def add_passkey(self, passkey: StoredPasskey) -> None:
        """Store a newly registered passkey."""
        self._s.add(
            PasskeyRow(
                id=passkey.id,
                person_id=passkey.person_id,
                credential_id=passkey.credential_id,
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
                transports=",".join(passkey.transports),
                label=passkey.label,
                created_at=passkey.created_at,
                last_used_at=passkey.last_used_at,
            )
        )
        await self._s.flush()

    async def use_passkey(self, passkey_id: str, seen_sign_count: int, new_sign_count: int, now: datetime) -> bool:
        """Record a use with its new signature count, if nobody recorded one since `seen_sign_count` was read."""
        result = await self._s.execute(
            sa.update(PasskeyRow)
            .where(col(PasskeyRow.id) == passkey_id, col(PasskeyRow.sign_count) == seen_sign_count)
            .values(sign_count=new_sign_count, last_used_at=now)
        )
        return rows_changed(result) == 1

    async def remove_passkey(self, person_id: str, passkey_id: str) -> bool:
        """Delete one of the person's passkeys; False when the person has no passkey with that id."""
        result = await self._s.execute(
            sa.delete(PasskeyRow).where(col(PasskeyRow.id) == passkey_id, col(PasskeyRow.person_id) == person_id)
        )
        return rows_changed(result) == 1

    # -- TOTP -------------------------------------------------------------------------------------------------

    async def totp(self, person_id: str) -> StoredTotp | None:
        """The person's confirmed authenticator app, if any."""
        stmt = sa.select(TotpFactorRow).where(col(TotpFactorRow.person_id) == person_id)
        row = (await self._s.execute(stmt)).scalars().first()
        if row is None:
            return None
        return StoredTotp(row.id, row.person_id, row.secret, row.created_at, row.last_step, row.last_used_at)

    async def set_totp(self, totp: StoredTotp) -> None:
        """Make `totp` the person's authenticator app, replacing an earlier one."""
        await self._s.execute(sa.delete(TotpFactorRow).where(col(TotpFactorRow.person_id) == totp.person_id))
        self._s.add(
            TotpFactorRow(
                id=totp.id,
                person_id=totp.person_id,
                secret=totp.secret,
                created_at=totp.created_at,
                last_step=totp.last_step,
                last_used_at=totp.last_used_at,
            )
        )
        await self._s.flush()

    async def use_totp_step(self, person_id: str, step: int, now: datetime) -> bool:
        """Record a code accepted for `step`; False when a code for this or a later step was accepted already."""
        result = await self._s.execute(
            sa.update(TotpFactorRow)
            .where(
                col(TotpFactorRow.person_id) == person_id,
                sa.or_(col(TotpFactorRow.last_step).is_(None), col(TotpFactorRow.last_step) < step),
            )
            .values(last_step=step, last_used_at=now)
        )
        return rows_changed(result) == 1

    async def remove_totp(self, person_id: str, totp_id: str) -> bool:
        """Delete the person's authenticator app with this id; False when there is none."""
        result = await self._s.execute(
            sa.delete(TotpFactorRow).where(col(TotpFactorRow.id) == totp_id, col(TotpFactorRow.person_id) == person_id)
        )
        return rows_changed(result) == 1

    async def add_totp_setup(
        self, id_hash: str, person_id: str, secret: str, now: datetime, expires_at: datetime
    ) -> None:
        """Keep a shown TOTP secret until it is confirmed with a code (or expires)."""
        self._s.add(
            TotpSetupRow(id_hash=id_hash, person_id=person_id, secret=secret, created_at=now, expires_at=expires_at)
        )
        await self._s.flush()

    async def totp_setup(self, id_hash: str, person_id: str, now: datetime) -> str | None:
        """The secret of the person's open, unexpired set-up with this id hash."""
        stmt = sa.select(col(TotpSetupRow.secret)).where(
            col(TotpSetupRow.id_hash) == id_hash,
            col(TotpSetupRow.person_id) == person_id,
            col(TotpSetupRow.used_at).is_(None),
            col(TotpSetupRow.expires_at) > now,
        )
        return (await self._s.execute(stmt)).scalars().first()

    async def close_totp_setup(self, id_hash: str, now: datetime) -> bool:
        """Mark a set-up confirmed; False when another confirmation got there first."""
        result = await self._s.execute(
            sa.update(TotpSetupRow)
            .where(col(TotpSetupRow.id_hash) == id_hash, col(TotpSetupRow.used_at).is_(None))
            .values(used_at=now)
        )
        return rows_changed(result) == 1

    # -- recovery codes ---------------------------------------------------------------------------------------

    async def replace_recovery_codes(self, person_id: str, code_hashes: list[str], now: datetime) -> None:
        """Void every earlier code of the person and keep these."""
        await self._s.execute(sa.delete(RecoveryCodeRow).where(col(RecoveryCodeRow.person_id) == person_id))
        self._s.add_all(RecoveryCodeRow(person_id=person_id, code_hash=h, created_at=now) for h in code_hashes)
        await self._s.flush()

    async def use_recovery_code(self, person_id: str, code_hash: str, now: datetime) -> bool:
        """Spend one unused code of the person; False when it is unknown or already spent."""
        result = await self._s.execute(
            sa.update(RecoveryCodeRow)
            .where(
                col(RecoveryCodeRow.person_id) == person_id,
                col(RecoveryCodeRow.code_hash) == code_hash,
                col(RecoveryCodeRow.used_at).is_(None),
            )
            .values(used_at=now)
        )
        return rows_changed(result) == 1

    async def recovery_codes_left(self, person_id: str) -> int:
        """How many unused recovery codes the person has."""
        stmt = sa.select(sa.func.count()).where(
            col(RecoveryCodeRow.person_id) == person_id, col(RecoveryCodeRow.used_at).is_(None)
        )
        return int((await self._s.execute(stmt)).scalar_one())

    # -- WebAuthn challenges ------------------------------------------------------------------------------------

    async def add_challenge(
        self,
        id_hash: str,
        challenge: bytes,
        person_id: str | None,
        purpose: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Keep a challenge handed to a browser under the hash of its id."""
        self._s.add(
            WebAuthnChallengeRow(
                id_hash=id_hash,
                person_id=person_id,
                purpose=purpose,
                challenge=challenge,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self._s.flush()

    async def use_challenge(self, id_hash: str, purpose: str, now: datetime) -> StoredChallenge | None:
        """Take an unused, unexpired challenge for `purpose` (once); None when this call lost or it never was."""
        result = await self._s.execute(
            sa.update(WebAuthnChallengeRow)
            .where(
                col(WebAuthnChallengeRow.id_hash) == id_hash,
                col(WebAuthnChallengeRow.purpose) == purpose,
                col(WebAuthnChallengeRow.used_at).is_(None),
                col(WebAuthnChallengeRow.expires_at) > now,
            )
            .values(used_at=now)
        )
        if rows_changed(result) != 1:
            return None
        stmt = sa.select(
            col(WebAuthnChallengeRow.challenge), col(WebAuthnChallengeRow.person_id), col(WebAuthnChallengeRow.purpose)
        ).where(col(WebAuthnChallengeRow.id_hash) == id_hash)
        row = (await self._s.execute(stmt)).one()
        return StoredChallenge(bytes(row[0]), row[1], row[2])

    async def purge(self, now: datetime) -> None:
        """Delete challenges and set-ups that can no longer be used."""
        await self._s.execute(sa.delete(WebAuthnChallengeRow).where(col(WebAuthnChallengeRow.expires_at) <= now))
        await self._s.execute(sa.delete(TotpSetupRow).where(col(TotpSetupRow.expires_at) <= now))

    async def has_any(self, person_id: str) -> bool:
        """Whether the person has a passkey, an authenticator app or an unused recovery code."""
        for table, extra in (
            (PasskeyRow, ()),
            (TotpFactorRow, ()),
            (RecoveryCodeRow, (col(RecoveryCodeRow.used_at).is_(None),)),
        ):
            stmt = sa.select(sa.exists().where(col(table.person_id) == person_id, *extra))
            if (await self._s.execute(stmt)).scalar():
                return True
        return False

    async def forget_person(self, person_id: str) -> None:
        """Delete every factor, set-up, recovery code and open challenge of a person (their address left them)."""
        for table in (PasskeyRow, TotpFactorRow, TotpSetupRow, RecoveryCodeRow, WebAuthnChallengeRow):
            await self._s.execute(sa.delete(table).where(col(table.person_id) == person_id))
