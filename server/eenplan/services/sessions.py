"""Server-side sign-in sessions of people: start one at sign-in, recognise it on each request, end it.

A session token is an opaque 256-bit secret, sent by API clients as `Authorization: Bearer <token>` and
by browsers in a cookie (the web layer); the database keeps only its hash. A session belongs to a person
(one verified sign-in address) and reaches, as one betrokkene each, the households where that address
belongs to an active betrokkene. Each request asks for one household: a household the session does not
(or no longer) reach answers as one that does not exist. Last-seen is written at most once a minute.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ..domain.access import Principal
from ..domain.errors import (
    ChoiceRequired,
    SecondFactorRequired,
    StorageUnavailable,
    TemporaryFailure,
    Unauthenticated,
    ValidationFailed,
)
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import (
    NOBODY,
    IssuedSession,
    Membership,
    PersonSessionView,
    SecondFactorPolicy,
    SessionInfo,
    SessionPolicy,
    SignInSession,
    is_live,
    looks_like_secret,
    needs_touch,
    new_secret,
    secret_hash,
)
from ..domain.signin import SessionLookupReader

log = logging.getLogger("eenplan.signin")
security = logging.getLogger("eenplan.security")

PURGE_EVERY = timedelta(minutes=10)


class SessionService:
    """Sessions of people, with the deployment's idle timeout, absolute lifetime and second-factor policy."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        policy: SessionPolicy,
        second_factor: SecondFactorPolicy = SecondFactorPolicy.PROFESSIONALS,
        lookup: SessionLookupReader | None = None,
    ) -> None:
        self._uow = uow
        self._lookup = lookup  # the hot path's reader (no unit of work); None: through a unit of work
        self._clock = clock
        self.policy = policy
        self.second_factor = second_factor
        self._last_purge: datetime | None = None

    async def start(
        self,
        uow: UnitOfWork,
        person_id: str,
        method: str,
        members: list[Membership],
        *,
        professional: bool,
        second_factor: bool = False,
        user_agent: str = "",
        next_path: str | None = None,
        expires_at: datetime | None = None,
    ) -> IssuedSession:
        """A brand-new session in the caller's transaction (a new token at every sign-in; never reused).

        `members`: the betrokkene the person is in each household (several for one household: they choose);
        a member's `issued_by` marks a membership through an address someone else added (never personal).
        """
        now = self._clock()
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            await uow.auth.purge(now)
            await uow.persons.purge(now)
            self._last_purge = now
        token = new_secret()
        expires_at = expires_at or now + self.policy.absolute  # a rotated session keeps its absolute end
        await uow.persons.add_session(
            secret_hash(token),
            person_id,
            method,
            members,
            now=now,
            expires_at=expires_at,
            second_factor=second_factor,
            professional=professional,
            user_agent=user_agent,
        )
        households = tuple(sorted({m.household_id for m in members}))
        return IssuedSession(
            token,
            person_id,
            expires_at,
            int(self.policy.idle.total_seconds()),
            households,
            next_path,
            second_factor,
        )

    async def _live(
        self, token: str, household_id: str | None, uow: UnitOfWork | None = None
    ) -> tuple[str, SignInSession, list[Membership]]:
        """The hash, the live session and its memberships (in one household, or all); Unauthenticated else.
        In the caller's unit of work when given (one transaction for a page's reads)."""
        if not looks_like_secret(token):
            raise Unauthenticated("malformed bearer token")
        token_hash = secret_hash(token)
        if uow is not None:
            found = await uow.persons.lookup(token_hash, household_id)
        else:
            found = await self._lookup_outside(token_hash, household_id)
        now = self._clock()
        if found is None or not is_live(found[0], now, self.policy):
            raise Unauthenticated("invalid or expired session")
        session, members = found
        if needs_touch(session, now, self.policy):
            if uow is None:
                await self._touch(token_hash)
            else:  # not while the caller's connection is held: a full pool would wait for itself
                uow.after_close(lambda: self._touch(token_hash))
        return token_hash, session, members

    async def _lookup_outside(
        self, token_hash: str, household_id: str | None
    ) -> tuple[SignInSession, list[Membership]] | None:
        """The lookup without the caller's unit of work: on the hot path, or (none, or it met a lock and may not
        wait) in a unit of work of its own, whose connection waits for the lock."""
        if self._lookup is not None:
            try:
                return await self._lookup.session(token_hash, household_id)
            except StorageUnavailable:
                raise
            except TemporaryFailure:
                pass
        async with self._uow(waits=True) as own:
            return await own.persons.lookup(token_hash, household_id)

    def _needs_second_factor(self, session: SignInSession) -> bool:
        return not session.second_factor and self.second_factor.requires(session.professional)

    async def principal_for(self, token: str, household_id: str) -> Principal:
        """The betrokkene a live session is in `household_id` (one indexed query).

        Raises Unauthenticated (no live session), SecondFactorRequired (the policy asks for a second
        factor the person has not completed) or ChoiceRequired (the address belongs to several
        betrokkenen of this household and the person has not said who they are). A household the
        session does not reach gives a principal nobody is, which the services answer with 404.
        """
        _, session, members = await self._live(token, household_id)
        return self.principal_in(session, members, household_id)

    def principal_in(self, session: SignInSession, members: list[Membership], household_id: str) -> Principal:
        """`principal_for`'s answer from a lookup already made (of one household or of all): the same rules."""
        if self._needs_second_factor(session):
            raise SecondFactorRequired("confirm your sign-in with a second factor first")
        mine = [m for m in members if m.household_id == household_id]
        if len(mine) > 1:
            raise ChoiceRequired("say who you are in this household first")
        if not mine:
            return Principal(NOBODY, household_id)
        m = mine[0]
        return Principal(m.betrokkene_id, household_id, m.issued_by, session.second_factor)

    async def check_live(self, token: str) -> None:
        """Unauthenticated unless the token is a live session (one indexed query; no household, no 2FA check)."""
        await self._live(token, "")

    async def person_session(self, token: str) -> PersonSessionView:
        """The live session as the pages see it (who, how, what is still to do); Unauthenticated if not live."""
        return (await self.person_session_with_members(token))[0]

    async def person_session_with_members(
        self, token: str
    ) -> tuple[PersonSessionView, SignInSession, list[Membership]]:
        """`person_session` with the lookup it came from, so a page asks `principal_in` for a household
        without a second query (one lookup per page request)."""
        _, session, members = await self._live(token, None)
        per_household: dict[str, int] = {}
        for m in members:
            per_household[m.household_id] = per_household.get(m.household_id, 0) + 1
        view = PersonSessionView(
            session.person_id,
            session.email,
            session.method,
            session.second_factor,
            self._needs_second_factor(session),
            any(n > 1 for n in per_household.values()),
            session.created_at,
            session.expires_at,
        )
        return view, session, members

    async def members(self, token: str, uow: UnitOfWork | None = None) -> tuple[SignInSession, list[Membership]]:
        """The live session and every membership that still counts (for the household list and choices);
        SecondFactorRequired first where the policy asks for one (a caseload's names are not for one factor)."""
        _, session, members = await self._live(token, None, uow)
        if self._needs_second_factor(session):
            raise SecondFactorRequired("confirm your sign-in with a second factor first")
        return session, members

    async def complete_second_factor(self, token: str, method: str) -> IssuedSession:
        """The person proved a second factor: a new token replaces this one (rotation), marked as such.

        The old token ends at once, so a token seen before the second factor never carries it.
        """
        token_hash, session, _ = await self._live(token, None)
        now = self._clock()
        async with self._uow(write=True) as uow:
            row = await uow.persons.session_row(token_hash)
            members = await uow.persons.members(token_hash)
            if row is None or not await uow.persons.revoke(token_hash, now):
                raise Unauthenticated("invalid or expired session")
            issued = await self.start(
                uow,
                session.person_id,
                row.method,
                members,
                professional=session.professional,
                second_factor=True,
                user_agent=row.user_agent,
                expires_at=row.expires_at,
            )
            await uow.commit()
        security.info("second factor completed person=%s method=%s", session.person_id, method)
        return issued

    async def join(self, token: str, household_id: str, betrokkene_id: str) -> None:
        """The person opened a household from this session: the session reaches it as its new betrokkene
        (no separate token that would outlive the session)."""
        token_hash, session, _ = await self._live(token, None)
        async with self._uow(write=True) as uow:
            await uow.persons.add_member(token_hash, Membership(household_id, betrokkene_id))
            await uow.commit()
        security.info("session joined a household it opened person=%s", session.person_id)

    async def sign_out(self, token: str) -> None:
        """End the session of this token at once (API tokens, which are JWTs, cannot be signed out)."""
        if not looks_like_secret(token):
            raise ValidationFailed.one(
                "Authorization", "only a sign-in session can be signed out; API tokens end at their expiry"
            )
        async with self._uow(write=True) as uow:
            row = await uow.persons.session_row(secret_hash(token))
            ended = await uow.persons.revoke(secret_hash(token), self._clock())
            await uow.commit()
        if ended and row is not None:
            security.info("signed out person=%s", row.person_id)

    async def sign_out_everywhere(self, token: str) -> int:
        """End every session of the person this live session belongs to (this one too); how many ended."""
        _, session, _ = await self._live(token, None)
        async with self._uow(write=True) as uow:
            ended = await uow.persons.revoke_all(session.person_id, self._clock())
            await uow.commit()
        security.info("signed out everywhere person=%s sessions=%d", session.person_id, ended)
        return ended

    async def sessions_of(self, token: str) -> list[SessionInfo]:
        """The person's live sessions, this one marked (for "your sessions"; no tokens, no addresses)."""
        token_hash, session, _ = await self._live(token, None)
        now = self._clock()
        async with self._uow() as uow:  # the rows are read while their transaction is open
            rows = await uow.persons.sessions_of(session.person_id, now)
            return [
                SessionInfo(
                    r.created_at,
                    r.last_seen_at,
                    r.method,
                    r.user_agent,
                    second_factor=r.second_factor_at is not None,
                    current=h == token_hash,
                )
                for h, r in rows
                if now < r.last_seen_at + self.policy.idle
            ]

    async def _touch(self, token_hash: str) -> None:
        now = self._clock()
        try:
            async with self._uow(write=True) as uow:
                await uow.persons.touch(token_hash, now, now - self.policy.touch_every)
                await uow.commit()
        except TemporaryFailure:
            # A busy database only delays the last-seen update to the next request; the session stays valid.
            log.info("session last-seen update postponed: database busy")
