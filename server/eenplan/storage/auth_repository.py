"""The sign-in store: sessions, magic links, OIDC requests and pinned identities (hashes only)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.betrokkene import Betrokkene
from ..domain.sessions import OidcRequest, SignInSession
from .repositories import _betrokkene
from .tables import BetrokkeneRow
from .tables_auth import MagicLinkRow, OidcIdentityRow, OidcRequestRow, SignInSessionRow


class AuthRepository:
    """Sign-in state. Single use is enforced with conditional UPDATEs, so concurrent redemptions have one winner."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_session(self, token_hash: str, betrokkene_id: str, household_id: str, method: str,
                          now: datetime, expires_at: datetime) -> None:
        """Store a new session under the hash of its token."""
        self._s.add(SignInSessionRow(token_hash=token_hash, betrokkene_id=betrokkene_id, household_id=household_id,
                                     method=method, created_at=now, last_seen_at=now, expires_at=expires_at))
        await self._s.flush()

    async def live_session(self, token_hash: str) -> SignInSession | None:
        """The session for a token hash if it is not revoked and its betrokkene is not removed (one PK probe)."""
        stmt = (sa.select(SignInSessionRow.betrokkene_id, SignInSessionRow.household_id,
                          SignInSessionRow.created_at, SignInSessionRow.last_seen_at, SignInSessionRow.expires_at)
                .join(BetrokkeneRow, BetrokkeneRow.id == SignInSessionRow.betrokkene_id)
                .where(SignInSessionRow.token_hash == token_hash, SignInSessionRow.revoked_at.is_(None),
                       BetrokkeneRow.removed_at.is_(None)))
        row = (await self._s.execute(stmt)).first()
        return SignInSession(*row) if row else None

    async def touch_session(self, token_hash: str, now: datetime, older_than: datetime) -> None:
        """Record activity, unless another request already did so since `older_than`."""
        await self._s.execute(sa.update(SignInSessionRow)
                              .where(SignInSessionRow.token_hash == token_hash,
                                     SignInSessionRow.last_seen_at <= older_than)
                              .values(last_seen_at=now))

    async def revoke_session(self, token_hash: str, now: datetime) -> bool:
        """End a session; False when it was already ended (or never existed)."""
        result = await self._s.execute(sa.update(SignInSessionRow)
                                       .where(SignInSessionRow.token_hash == token_hash,
                                              SignInSessionRow.revoked_at.is_(None))
                                       .values(revoked_at=now))
        return result.rowcount == 1

    async def add_link(self, token_hash: str, betrokkene_id: str, household_id: str, now: datetime,
                       expires_at: datetime) -> None:
        """Store a new magic link under the hash of its token."""
        self._s.add(MagicLinkRow(token_hash=token_hash, betrokkene_id=betrokkene_id, household_id=household_id,
                                 created_at=now, expires_at=expires_at))
        await self._s.flush()

    async def use_link(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """Mark an unused, unexpired link used and return (betrokkene_id, household_id); None if this call lost."""
        result = await self._s.execute(sa.update(MagicLinkRow)
                                       .where(MagicLinkRow.token_hash == token_hash, MagicLinkRow.used_at.is_(None),
                                              MagicLinkRow.expires_at > now)
                                       .values(used_at=now))
        if result.rowcount != 1:
            return None
        row = (await self._s.execute(sa.select(MagicLinkRow.betrokkene_id, MagicLinkRow.household_id)
                                     .where(MagicLinkRow.token_hash == token_hash))).one()
        return row[0], row[1]

    async def add_oidc_request(self, state_hash: str, request: OidcRequest, now: datetime) -> None:
        """Store the nonce and PKCE verifier of an authorization request under the hash of its state."""
        self._s.add(OidcRequestRow(state_hash=state_hash, household_id=request.household_id, nonce=request.nonce,
                                   code_verifier=request.code_verifier, created_at=now,
                                   expires_at=request.expires_at))
        await self._s.flush()

    async def use_oidc_request(self, state_hash: str, now: datetime) -> OidcRequest | None:
        """Consume an unused, unexpired authorization request; None if unknown, used, expired or lost a race."""
        result = await self._s.execute(sa.update(OidcRequestRow)
                                       .where(OidcRequestRow.state_hash == state_hash,
                                              OidcRequestRow.used_at.is_(None), OidcRequestRow.expires_at > now)
                                       .values(used_at=now))
        if result.rowcount != 1:
            return None
        row = (await self._s.execute(sa.select(OidcRequestRow)
                                     .where(OidcRequestRow.state_hash == state_hash))).scalar_one()
        return OidcRequest(row.household_id, row.nonce, row.code_verifier, row.expires_at)

    async def pinned_identity(self, betrokkene_id: str) -> tuple[str, str] | None:
        """(issuer, subject) pinned to a betrokkene, if it ever signed in with OIDC."""
        row = await self._s.get(OidcIdentityRow, betrokkene_id)
        return (row.issuer, row.subject) if row else None

    async def pin_identity(self, betrokkene_id: str, issuer: str, subject: str, now: datetime) -> None:
        """Pin a provider account to a betrokkene (a second pin for the same betrokkene is a conflict)."""
        self._s.add(OidcIdentityRow(betrokkene_id=betrokkene_id, issuer=issuer, subject=subject, created_at=now))
        await self._s.flush()

    async def active_by_email(self, household_id: str, email: str) -> list[Betrokkene]:
        """The household's active betrokkenen with this e-mail address (compared case-insensitively)."""
        stmt = (sa.select(BetrokkeneRow)
                .where(BetrokkeneRow.household_id == household_id, BetrokkeneRow.removed_at.is_(None),
                       sa.func.lower(BetrokkeneRow.email) == email.lower())
                .order_by(BetrokkeneRow.created_at, BetrokkeneRow.id))
        return [_betrokkene(r) for r in (await self._s.execute(stmt)).scalars()]

    async def purge(self, now: datetime) -> None:
        """Delete sessions, links and authorization requests past their absolute end (kept no longer than needed)."""
        await self._s.execute(sa.delete(SignInSessionRow).where(SignInSessionRow.expires_at < now))
        await self._s.execute(sa.delete(MagicLinkRow).where(MagicLinkRow.expires_at < now))
        await self._s.execute(sa.delete(OidcRequestRow).where(OidcRequestRow.expires_at < now))
