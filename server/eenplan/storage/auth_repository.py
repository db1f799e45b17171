"""The sign-in store: magic links, OIDC requests, pinned identities and contact changes (hashes only).

Sessions are people's and live in `person_repository`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlmodel import col

from ..domain.contact_changes import PendingContactChange, Step
from ..domain.sessions import OidcRequest
from .results import rows_changed
from .tables import BetrokkeneRow
from .tables_auth import (
    ContactChangeRow,
    MagicLinkRow,
    OidcIdentityRow,
    OidcRequestRow,
    SignInAddressOriginRow,
)


class AuthRepository:
    """Sign-in state. Single use is enforced with conditional UPDATEs, so concurrent redemptions have one winner."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_link(
        self, token_hash: str, email: str, next_path: str | None, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new magic link for an address under the hash of its token."""
        self._s.add(
            MagicLinkRow(token_hash=token_hash, email=email, next_path=next_path, created_at=now, expires_at=expires_at)
        )
        await self._s.flush()

    async def use_link(self, token_hash: str, now: datetime) -> tuple[str, str | None] | None:
        """Mark an unused, unexpired link used and return (email, next path); None if this call lost."""
        result = await self._s.execute(
            sa.update(MagicLinkRow)
            .where(
                col(MagicLinkRow.token_hash) == token_hash,
                col(MagicLinkRow.used_at).is_(None),
                col(MagicLinkRow.expires_at) > now,
            )
            .values(used_at=now)
        )
        if rows_changed(result) != 1:
            return None
        row = (
            await self._s.execute(
                sa.select(col(MagicLinkRow.email), col(MagicLinkRow.next_path)).where(
                    col(MagicLinkRow.token_hash) == token_hash
                )
            )
        ).one()
        return row[0], row[1]

    async def add_oidc_request(self, state_hash: str, request: OidcRequest, now: datetime) -> None:
        """Store the nonce and PKCE verifier of an authorization request under the hash of its state."""
        self._s.add(
            OidcRequestRow(
                state_hash=state_hash,
                next_path=request.next_path,
                nonce=request.nonce,
                code_verifier=request.code_verifier,
                created_at=now,
                expires_at=request.expires_at,
            )
        )
        await self._s.flush()

    async def use_oidc_request(self, state_hash: str, now: datetime) -> OidcRequest | None:
        """Consume an unused, unexpired authorization request; None if unknown, used, expired or lost a race."""
        result = await self._s.execute(
            sa.update(OidcRequestRow)
            .where(
                col(OidcRequestRow.state_hash) == state_hash,
                col(OidcRequestRow.used_at).is_(None),
                col(OidcRequestRow.expires_at) > now,
            )
            .values(used_at=now)
        )
        if rows_changed(result) != 1:
            return None
        row = (
            await self._s.execute(sa.select(OidcRequestRow).where(col(OidcRequestRow.state_hash) == state_hash))
        ).scalar_one()
        return OidcRequest(row.next_path, row.nonce, row.code_verifier, row.expires_at)

    async def pinned_identity(self, betrokkene_id: str) -> tuple[str, str] | None:
        """(issuer, subject) pinned to a betrokkene, if it ever signed in with OIDC."""
        row = await self._s.get(OidcIdentityRow, betrokkene_id)
        return (row.issuer, row.subject) if row else None

    async def pin_identity(self, betrokkene_id: str, issuer: str, subject: str, now: datetime) -> None:
        """Pin a provider account to a betrokkene (a second pin for the same betrokkene is a conflict)."""
        self._s.add(OidcIdentityRow(betrokkene_id=betrokkene_id, issuer=issuer, subject=subject, created_at=now))
        await self._s.flush()

    async def email_unconfirmed(self, betrokkene_id: str) -> bool:
        """Whether the betrokkene's address was added by someone else and its owner has not confirmed it."""
        stmt = sa.select(sa.exists().where(*_unconfirmed(betrokkene_id)))
        return bool((await self._s.execute(stmt)).scalar())

    async def address_added_by(self, betrokkene_id: str) -> str | None:
        """Who added the betrokkene's sign-in address, when someone else added it where there was none."""
        row = await self._s.get(SignInAddressOriginRow, betrokkene_id)
        return row.added_by if row else None

    async def set_address_added_by(self, betrokkene_id: str, added_by: str | None, now: datetime) -> None:
        """Record who added the betrokkene's sign-in address (None: the person's own, nothing recorded)."""
        await self._s.execute(
            sa.delete(SignInAddressOriginRow).where(col(SignInAddressOriginRow.betrokkene_id) == betrokkene_id)
        )
        if added_by is not None:
            self._s.add(SignInAddressOriginRow(betrokkene_id=betrokkene_id, added_by=added_by, created_at=now))
            await self._s.flush()

    async def void_links(self, betrokkene_id: str, now: datetime) -> None:
        """Use up the unused sign-in links to the betrokkene's current address (it is changing: links sent to
        it before the change stop, in every household; the person asks for a new one)."""
        address = sa.select(sa.func.lower(col(BetrokkeneRow.email))).where(col(BetrokkeneRow.id) == betrokkene_id)
        await self._s.execute(
            sa.update(MagicLinkRow)
            .where(col(MagicLinkRow.email) == address.scalar_subquery(), col(MagicLinkRow.used_at).is_(None))
            .values(used_at=now)
        )

    async def add_contact_change(
        self, token_hash: str, change: PendingContactChange, now: datetime, expires_at: datetime
    ) -> None:
        """Store a pending change under the hash of its confirmation token."""
        self._s.add(
            ContactChangeRow(
                token_hash=token_hash,
                betrokkene_id=change.betrokkene_id,
                household_id=change.household_id,
                field=change.field,
                step=change.step.value,
                old_value=change.old_value,
                new_value=change.new_value,
                requested_by=change.requested_by,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self._s.flush()

    async def close_contact_changes(self, betrokkene_id: str, field: str, now: datetime, outcome: str) -> None:
        """Close every open change of this field of the betrokkene (a newer change replaces them)."""
        await self._s.execute(
            sa.update(ContactChangeRow)
            .where(
                col(ContactChangeRow.betrokkene_id) == betrokkene_id,
                col(ContactChangeRow.field) == field,
                col(ContactChangeRow.closed_at).is_(None),
            )
            .values(closed_at=now, outcome=outcome)
        )

    async def use_contact_change(self, token_hash: str, now: datetime) -> PendingContactChange | None:
        """Close an open, unexpired change as confirmed and return it; None if unknown, closed, expired or lost."""
        result = await self._s.execute(
            sa.update(ContactChangeRow)
            .where(
                col(ContactChangeRow.token_hash) == token_hash,
                col(ContactChangeRow.closed_at).is_(None),
                col(ContactChangeRow.expires_at) > now,
            )
            .values(closed_at=now, outcome="confirmed")
        )
        if rows_changed(result) != 1:
            return None
        row = (
            await self._s.execute(sa.select(ContactChangeRow).where(col(ContactChangeRow.token_hash) == token_hash))
        ).scalar_one()
        return PendingContactChange(
            row.betrokkene_id,
            row.household_id,
            row.field,
            Step(row.step),
            row.old_value,
            row.new_value,
            row.requested_by,
        )

    async def purge(self, now: datetime) -> None:
        """Delete sessions, links and authorization requests past their absolute end (kept no longer than needed)."""
        await self._s.execute(sa.delete(MagicLinkRow).where(col(MagicLinkRow.expires_at) < now))
        await self._s.execute(sa.delete(OidcRequestRow).where(col(OidcRequestRow.expires_at) < now))
        # an unconfirmed address stays blocked by its open row, so only closed or expired approvals go
        await self._s.execute(
            sa.delete(ContactChangeRow).where(
                col(ContactChangeRow.expires_at) < now,
                sa.or_(col(ContactChangeRow.closed_at).is_not(None), col(ContactChangeRow.step) == Step.APPROVE.value),
            )
        )


def _unconfirmed(betrokkene_id: str | Mapped[str]) -> tuple[sa.ColumnElement[bool], ...]:
    """An open 'confirm' change: the betrokkene's address was added by someone else, not yet confirmed."""
    return (
        col(ContactChangeRow.betrokkene_id) == betrokkene_id,
        col(ContactChangeRow.field) == "email",
        col(ContactChangeRow.step) == Step.CONFIRM.value,
        col(ContactChangeRow.closed_at).is_(None),
    )
