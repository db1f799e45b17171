"""Signing in a person: e-mail magic links, OpenID Connect (professionals) and passkeys.

Each ends in a new server-side session of the person (services.sessions) that reaches every household
where their address belongs to an active betrokkene. Every attempt is rate-limited per client IP before
any database work, and per target (the address in one spelling, the link, the state) before any work
about a person. Answers never tell a stranger whether an address, household or link exists, neither by
their content nor by their timing. Sign-ins, refusals and choices go to the security log
(`eenplan.security`: ids and counts only).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Coroutine
from typing import Any

from ..domain.betrokkene import Betrokkene, Kind
from ..domain.errors import Forbidden, NotFound
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import (
    MAGIC_LINK_TTL,
    OIDC_STATE_TTL,
    IssuedSession,
    Membership,
    OidcRequest,
    SignInMethod,
    looks_like_secret,
    new_secret,
    safe_next,
    secret_hash,
    shows_mfa,
)
from ..domain.signin import IdentityProvider, SignInFailed, SignInLimits, SignInLinkSender
from ..logsafe import describe_error
from .common import retry_on_conflict
from .contact_changes import ContactChanges
from .sessions import SessionService

log = logging.getLogger("eenplan.signin")
security = logging.getLogger("eenplan.security")

#: One message for every refused OIDC sign-in, so a refusal tells nothing about households or people.
NOT_A_BETROKKENE = "this account cannot sign in here"
LINK_FAILED = "this sign-in link is not valid (any more); ask for a new one"
PASSKEY_FAILED = "this passkey does not sign anyone in (any more)"
#: OIDC `amr`/`acr` values that show multi-factor authentication at the provider (EENPLAN_OIDC_MFA_VALUES)
DEFAULT_MFA_VALUES = frozenset({"mfa", "hwk", "swk", "otp", "sms", "fpt", "face", "iris", "pop", "fido"})


class SignInService:
    """Magic links and OIDC sign-in, each ending in a new session."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sessions: SessionService,
        limits: SignInLimits,
        links: SignInLinkSender,
        public_url: str,
        identity_provider: IdentityProvider | None,
        mfa_values: frozenset[str] = DEFAULT_MFA_VALUES,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sessions = sessions
        self._limits = limits
        self._links = links
        self._public_url = public_url.rstrip("/")
        self._idp = identity_provider
        self._mfa_values = mfa_values
        self._pending: set[asyncio.Task[None]] = set()
        #: changes of sign-in addresses (BetrokkeneService hands them over; the confirmation route uses it)
        self.contacts = ContactChanges(uow, clock, limits, links, public_url)

    @property
    def link_sender(self) -> SignInLinkSender:
        """Where sign-in links and notices about sign-in data go (the outbox, or the console)."""
        return self._links

    async def _limit(self, action: str, client_ip: str, target: str) -> None:
        await self._limits.check(action, client_ip, target, self._clock().timestamp())

    # -- magic links ---------------------------------------------------------------------------------------

    async def request_link(self, *, email: str, client_ip: str, next_path: str | None = None) -> None:
        """Accept a request for a single-use sign-in link to `email`; the link is made and sent in the background.

        The person gives only their address: the link signs in the *person*, who then reaches every
        household where the address belongs to an active betrokkene. Only what is the same for every
        address happens before the answer (the rate limits); looking the address up, creating the link and
        sending it follow in a task tracked by this service (`settle` awaits them; shutdown does), so the
        answer time tells nothing about who exists. `next_path` (a local path) is where the link returns to.
        """
        email = email.strip().lower()
        await self._limits.check_ip("link", client_ip, self._clock().timestamp())  # a flood stops before the lookup
        await self._limit("link", client_ip, email)
        self._spawn(self._issue_link(email, safe_next(next_path)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work, name="eenplan-signin-link")
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("sign-in link not issued: %s", describe_error(error))

    async def settle(self) -> None:
        """Wait until every accepted link request has been looked up and handed to the sender."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _issue_link(self, email: str, next_path: str | None) -> None:
        """Create and send one link for the address, if it belongs to an active betrokkene anywhere.

        The mail goes through the mailgroup of the first household the address belongs to (encrypted
        when that betrokkene has a pinned key): one link per request, however many households."""
        now = self._clock()
        expires_at = now + MAGIC_LINK_TTL
        async with self._uow(write=True) as uow:
            people = await uow.persons.reached_by_email(email)
            if not people:
                return
            token = new_secret()
            await uow.auth.add_link(secret_hash(token), email, next_path, now, expires_at)
            await uow.commit()
        await self._links.send_link(people[0], f"{self._public_url}/auth/magic-link/{token}", expires_at)
        security.info("sign-in link issued betrokkene=%s households=%d", people[0].id, len(people))

    async def _members(self, uow: UnitOfWork, people: list[Betrokkene]) -> list[Membership]:
        """The memberships a sign-in as these betrokkenen gives (an address someone else added: not personal)."""
        return [Membership(b.household_id, b.id, await uow.auth.address_added_by(b.id)) for b in people]

    async def redeem_link(self, token: str, client_ip: str, user_agent: str = "") -> IssuedSession:
        """Exchange an unused, unexpired link for a new session of the person; a second redemption fails,
        even concurrently. The session reaches every household where the address belongs to an active
        betrokkene at this moment."""
        await self._limit("redeem", client_ip, secret_hash(token)[:32])
        if not looks_like_secret(token):
            security.info("sign-in failed method=magic-link reason=malformed")
            raise SignInFailed(LINK_FAILED)

        async def attempt() -> IssuedSession:
            async with self._uow(write=True) as uow:
                now = self._clock()
                owner = await uow.auth.use_link(secret_hash(token), now)
                if owner is None:
                    raise SignInFailed(LINK_FAILED)
                email, next_path = owner
                people = await uow.persons.reached_by_email(email)
                if not people:  # removed, or the address changed, since the link went out
                    raise SignInFailed(LINK_FAILED)
                person_id = await uow.persons.person_for(email, now)
                issued = await self._sessions.start(
                    uow,
                    person_id,
                    SignInMethod.MAGIC_LINK,
                    await self._members(uow, people),
                    professional=any(b.kind is Kind.PROFESSIONAL for b in people),
                    user_agent=user_agent,
                    next_path=next_path,
                )
                await uow.commit()
                return issued

        try:
            issued = await retry_on_conflict(attempt)
        except SignInFailed:
            security.info("sign-in failed method=magic-link reason=unknown-used-or-expired")
            raise
        security.info("signed in person=%s method=magic-link households=%d", issued.person_id, len(issued.households))
        return issued

    async def start_passkey_session(self, person_id: str, client_ip: str, user_agent: str = "") -> IssuedSession:
        """A new session for a person whose passkey the factors service just verified (multi-factor by itself;
        the attempt was counted against the limits there)."""

        async def attempt() -> IssuedSession:
            async with self._uow(write=True) as uow:
                email = await uow.persons.email_of(person_id)
                people = await uow.persons.reached_by_email(email) if email else []
                if not people:
                    raise SignInFailed(PASSKEY_FAILED)
                issued = await self._sessions.start(
                    uow,
                    person_id,
                    SignInMethod.PASSKEY,
                    await self._members(uow, people),
                    professional=any(b.kind is Kind.PROFESSIONAL for b in people),
                    second_factor=True,
                    user_agent=user_agent,
                )
                await uow.commit()
                return issued

        issued = await retry_on_conflict(attempt)
        security.info("signed in person=%s method=passkey households=%d", person_id, len(issued.households))
        return issued

    # -- OpenID Connect ------------------------------------------------------------------------------------

    @property
    def secure_cookies(self) -> bool:
        """Whether browser cookies must be Secure (the public URL is https)."""
        return self._public_url.startswith("https://")

    @property
    def oidc_enabled(self) -> bool:
        """Whether an OpenID Connect provider is configured."""
        return self._idp is not None

    async def start_oidc(self, client_ip: str, next_path: str | None = None) -> tuple[str, str]:
        """(authorization URL, state) for a professional signing in with their organisation's account.

        The nonce and PKCE verifier stay on the server, bound to the state for ten minutes; the state
        is also set in a cookie by the web layer so the callback must come back to the same browser.
        """
        if self._idp is None:
            raise NotFound("OpenID Connect sign-in is not configured")
        # per client IP only: a constant target would be one bucket for the whole deployment (five starts would
        # lock every professional out); the state made here is limited per target at the callback
        await self._limits.count_ip("oidc-login", client_ip, self._clock().timestamp())
        state, nonce, verifier = new_secret(), new_secret(), new_secret()
        now = self._clock()
        async with self._uow(write=True) as uow:
            await uow.auth.add_oidc_request(
                secret_hash(state), OidcRequest(safe_next(next_path), nonce, verifier, now + OIDC_STATE_TTL), now
            )
            await uow.commit()
        return await self._idp.authorization_url(state=state, nonce=nonce, code_verifier=verifier), state

    async def finish_oidc(
        self,
        *,
        code: str,
        state: str,
        browser_state: str | None,
        issuer: str | None,
        client_ip: str,
        user_agent: str = "",
    ) -> IssuedSession:
        """Complete the code flow: consume the state, redeem the code, and start a session of the person.

        The provider account reaches every household where it is pinned, and every household where its
        verified address belongs to an active professional betrokkene not pinned to another account
        (pinned at this first sign-in). An `amr`/`acr` showing MFA counts as the second factor.
        """
        if self._idp is None:
            raise NotFound("OpenID Connect sign-in is not configured")
        await self._limit("oidc-callback", client_ip, secret_hash(state)[:32])
        if not looks_like_secret(state) or not browser_state or not hmac.compare_digest(state, browser_state):
            raise SignInFailed("the sign-in could not be completed; start again")
        if issuer is not None and issuer != self._idp.issuer:  # RFC 9207 mix-up defence
            raise SignInFailed("the sign-in could not be completed; start again")
        async with self._uow(write=True) as uow:
            request = await uow.auth.use_oidc_request(secret_hash(state), self._clock())
            await uow.commit()
        if request is None:
            raise SignInFailed("the sign-in could not be completed; start again")
        identity = await self._idp.redeem(code=code, code_verifier=request.code_verifier, nonce=request.nonce)
        email = (identity.email or "").strip().lower()
        if not email or not identity.email_verified:
            security.info("sign-in refused method=oidc reason=no-verified-email")
            raise Forbidden(NOT_A_BETROKKENE)
        mfa = shows_mfa(list(identity.amr), identity.acr, self._mfa_values)

        async def attempt() -> IssuedSession:
            async with self._uow(write=True) as uow:
                now = self._clock()
                account = (identity.issuer, identity.subject)
                members: dict[str, Membership] = {}
                kinds: list[Kind] = []
                for b in await uow.persons.pinned_to(*account):
                    members[b.id] = Membership(b.household_id, b.id, await uow.auth.address_added_by(b.id), True)
                    kinds.append(b.kind)
                for b in await uow.persons.reached_by_email(email):
                    if b.kind is not Kind.PROFESSIONAL or b.id in members:
                        continue
                    pinned = await uow.auth.pinned_identity(b.id)
                    if pinned is None:
                        await uow.auth.pin_identity(b.id, *account, now)
                    elif pinned != account:
                        log.warning("oidc: provider account differs from the pinned one betrokkene=%s", b.id)
                        continue
                    members[b.id] = Membership(b.household_id, b.id, await uow.auth.address_added_by(b.id), True)
                    kinds.append(b.kind)
                if not members:
                    raise Forbidden(NOT_A_BETROKKENE)
                issued = await self._sessions.start(
                    uow,
                    await uow.persons.person_for(email, now),
                    SignInMethod.OIDC,
                    list(members.values()),
                    professional=Kind.PROFESSIONAL in kinds,
                    second_factor=mfa,
                    user_agent=user_agent,
                    next_path=request.next_path,
                )
                await uow.commit()
                return issued

        try:
            issued = await retry_on_conflict(attempt)
        except Forbidden:
            security.info("sign-in refused method=oidc reason=not-a-betrokkene")
            raise
        security.info(
            "signed in person=%s method=oidc mfa=%s households=%d", issued.person_id, mfa, len(issued.households)
        )
        return issued
