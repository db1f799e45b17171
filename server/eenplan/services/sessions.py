"""Server-side sign-in sessions: start one at sign-in, recognise it on each request, end it at sign-out.

A session token is an opaque 256-bit secret presented as `Authorization:
Bearer <token>`; the database keeps only its hash. A session is recognised
with one primary-key query that also checks the betrokkene is not removed,
so removing a betrokkene ends all their sessions on their next request.
Last-seen is written at most once a minute per session.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ..domain.access import Principal
from ..domain.errors import TemporaryFailure, Unauthenticated, ValidationFailed
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import (
    IssuedSession,
    SessionPolicy,
    is_live,
    looks_like_secret,
    needs_touch,
    new_secret,
    secret_hash,
)

log = logging.getLogger("eenplan.signin")

PURGE_EVERY = timedelta(minutes=10)


class SessionService:
    """Sessions of betrokkenen, with the deployment's idle timeout and absolute lifetime."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: SessionPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy
        self._last_purge: datetime | None = None

    async def start(
        self, uow: UnitOfWork, betrokkene_id: str, household_id: str, method: str, issued_by: str | None = None
    ) -> IssuedSession:
        """A brand-new session in the caller's transaction (a new token at every sign-in; never reused).

        `issued_by`: the session came through an address someone else added; it is then, like a
        token a regisseur issued, not the person's own (it never speaks for them: require_personal).
        """
        now = self._clock()
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            await uow.auth.purge(now)
            self._last_purge = now
        token = new_secret()
        expires_at = now + self.policy.absolute
        await uow.auth.add_session(secret_hash(token), betrokkene_id, household_id, method, now, expires_at, issued_by)
        return IssuedSession(token, betrokkene_id, household_id, expires_at, int(self.policy.idle.total_seconds()))

    async def authenticate(self, token: str) -> Principal:
        """The betrokkene a live session token belongs to, or Unauthenticated (one indexed query)."""
        if not looks_like_secret(token):
            raise Unauthenticated("malformed bearer token")
        token_hash = secret_hash(token)
        async with self._uow() as uow:
            session = await uow.auth.live_session(token_hash)
        now = self._clock()
        if session is None or not is_live(session, now, self.policy):
            raise Unauthenticated("invalid or expired session")
        if needs_touch(session, now, self.policy):
            await self._touch(token_hash)
        return Principal(session.betrokkene_id, session.household_id, session.issued_by)

    async def _touch(self, token_hash: str) -> None:
        now = self._clock()
        try:
            async with self._uow(write=True) as uow:
                await uow.auth.touch_session(token_hash, now, now - self.policy.touch_every)
                await uow.commit()
        except TemporaryFailure:
            # A busy database only delays the last-seen update to the next request; the session stays valid.
            log.info("session last-seen update postponed: database busy")

    async def sign_out(self, token: str) -> None:
        """End the session of this token at once (API tokens, which are JWTs, cannot be signed out)."""
        if not looks_like_secret(token):
            raise ValidationFailed.one(
                "Authorization", "only a sign-in session can be signed out; API tokens end at their expiry"
            )
        async with self._uow(write=True) as uow:
            await uow.auth.revoke_session(secret_hash(token), self._clock())
            await uow.commit()
