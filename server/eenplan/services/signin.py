"""Signing in: e-mail magic links (klant, netwerk, anyone with an address) and OpenID Connect (professionals).

Both end in a new server-side session (services.sessions). Every attempt is
rate-limited per client IP before any database work, and per target (the
household resolved to its id, the address in one spelling) before any work
about a person. Answers never tell a stranger whether an address, household
or link exists, neither by their content nor by their timing.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Coroutine
from typing import Any

from ..domain.betrokkene import Kind
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.sessions import (
    MAGIC_LINK_TTL,
    OIDC_STATE_TTL,
    IssuedSession,
    OidcRequest,
    SignInMethod,
    looks_like_secret,
    new_secret,
    secret_hash,
)
from ..domain.signin import IdentityProvider, SignInFailed, SignInLimits, SignInLinkSender
from ..logsafe import describe_error
from .common import retry_on_conflict
from .contact_changes import ContactChanges
from .sessions import SessionService

log = logging.getLogger("eenplan.signin")

#: One message for every refused OIDC sign-in, so a refusal tells nothing about households or people.
NOT_A_BETROKKENE = "this account cannot sign in to this household"
LINK_FAILED = "this sign-in link is not valid (any more); ask for a new one"


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
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sessions = sessions
        self._limits = limits
        self._links = links
        self._public_url = public_url.rstrip("/")
        self._idp = identity_provider
        self._pending: set[asyncio.Task[None]] = set()
        #: changes of sign-in addresses (BetrokkeneService hands them over; the confirmation route uses it)
        self.contacts = ContactChanges(uow, clock, limits, links, public_url)

    def _limit(self, action: str, client_ip: str, target: str) -> None:
        self._limits.check(action, client_ip, target, self._clock().timestamp())

    # -- magic links ---------------------------------------------------------------------------------------

    async def request_link(
        self, *, household_id: str | None, household_code: str | None, email: str, client_ip: str
    ) -> None:
        """Accept a request for a single-use sign-in link; the links are made and sent in the background.

        Only what is the same for every address happens before the answer: the input check, resolving
        the household (so its id and its code, in any case, count as one target) and the rate limits.
        Looking the address up, creating links and sending them follow in a task tracked by this
        service (`settle` awaits them; shutdown does), so the answer time tells nothing about who
        exists (issue 10, item 6). Returns the same way whether or not anyone matched.
        """
        if bool(household_id) == bool(household_code):
            raise ValidationFailed.one("household_id", "give exactly one of household_id and household_code")
        email = email.strip().lower()
        self._limits.check_ip("link", client_ip, self._clock().timestamp())  # a flood stops before the lookup
        if household_code is not None:
            async with self._uow() as uow:
                found = await uow.households.find_by_code(household_code.strip().upper())
            target = found.id if found else f"code:{household_code.strip().upper()}"
            household_id = found.id if found else None
        else:
            household_id = target = (household_id or "").strip().lower()
        self._limit("link", client_ip, f"{target}|{email}")
        self._spawn(self._issue_links(household_id, email))

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

    async def _issue_links(self, household_id: str | None, email: str) -> None:
        """Create and send a link for each active betrokkene of the household who signs in with `email`."""
        if not household_id:
            return
        now = self._clock()
        expires_at = now + MAGIC_LINK_TTL
        outgoing = []
        async with self._uow(write=True) as uow:
            for person in await uow.auth.active_by_email(household_id, email):
                token = new_secret()
                await uow.auth.add_link(secret_hash(token), person.id, person.household_id, now, expires_at)
                outgoing.append((person, f"{self._public_url}/auth/magic-link/{token}"))
            await uow.commit()
        for person, url in outgoing:
            await self._links.send_link(person, url, expires_at)
            log.info("sign-in link issued betrokkene=%s", person.id)

    async def redeem_link(self, token: str, client_ip: str) -> IssuedSession:
        """Exchange an unused, unexpired link for a new session; a second redemption fails, even concurrently."""
        self._limit("redeem", client_ip, secret_hash(token)[:32])
        if not looks_like_secret(token):
            raise SignInFailed(LINK_FAILED)

        async def attempt() -> IssuedSession:
            async with self._uow(write=True) as uow:
                owner = await uow.auth.use_link(secret_hash(token), self._clock())
                if owner is None:
                    raise SignInFailed(LINK_FAILED)
                betrokkene_id, household_id = owner
                if await uow.betrokkenen.membership(household_id, betrokkene_id) is None:
                    raise SignInFailed(LINK_FAILED)
                if await uow.auth.email_unconfirmed(betrokkene_id):  # the address changed since the link went out
                    raise SignInFailed(LINK_FAILED)
                adder = await uow.auth.address_added_by(betrokkene_id)  # someone else added it: not personal
                issued = await self._sessions.start(
                    uow, betrokkene_id, household_id, SignInMethod.MAGIC_LINK, issued_by=adder
                )
                await uow.commit()
                return issued

        issued = await retry_on_conflict(attempt)
        log.info("signed in betrokkene=%s method=magic-link", issued.betrokkene_id)
        return issued

    # -- OpenID Connect ------------------------------------------------------------------------------------

    @property
    def secure_cookies(self) -> bool:
        """Whether browser cookies of the sign-in flow must be Secure (the public URL is https)."""
        return self._public_url.startswith("https://")

    @property
    def oidc_enabled(self) -> bool:
        """Whether an OpenID Connect provider is configured."""
        return self._idp is not None

    async def start_oidc(self, household_id: str, client_ip: str) -> tuple[str, str]:
        """(authorization URL, state) for a professional signing in to `household_id`.

        The nonce and PKCE verifier stay on the server, bound to the state for
        ten minutes; the state is also set in a cookie by the web layer so the
        callback must come back to the same browser.
        """
        if self._idp is None:
            raise NotFound("OpenID Connect sign-in is not configured")
        if not household_id or len(household_id) > 36:
            raise ValidationFailed.one("household", "is required (the household's id)")
        self._limit("oidc-login", client_ip, household_id)
        state, nonce, verifier = new_secret(), new_secret(), new_secret()
        now = self._clock()
        async with self._uow(write=True) as uow:
            await uow.auth.add_oidc_request(
                secret_hash(state), OidcRequest(household_id, nonce, verifier, now + OIDC_STATE_TTL), now
            )
            await uow.commit()
        return await self._idp.authorization_url(state=state, nonce=nonce, code_verifier=verifier), state

    async def finish_oidc(
        self, *, code: str, state: str, browser_state: str | None, issuer: str | None, client_ip: str
    ) -> IssuedSession:
        """Complete the code flow: consume the state, redeem the code, map the verified address to a session."""
        if self._idp is None:
            raise NotFound("OpenID Connect sign-in is not configured")
        self._limit("oidc-callback", client_ip, secret_hash(state)[:32])
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
        email = identity.email
        if not email or not identity.email_verified:
            log.info("oidc sign-in refused: no verified e-mail")
            raise Forbidden(NOT_A_BETROKKENE)

        async def attempt() -> IssuedSession:
            async with self._uow(write=True) as uow:
                people = [
                    b
                    for b in await uow.auth.active_by_email(request.household_id, email)
                    if b.kind is Kind.PROFESSIONAL
                ]
                if len(people) != 1:
                    raise Forbidden(NOT_A_BETROKKENE)
                person = people[0]
                pinned = await uow.auth.pinned_identity(person.id)
                if pinned is None:
                    await uow.auth.pin_identity(person.id, identity.issuer, identity.subject, self._clock())
                elif pinned != (identity.issuer, identity.subject):
                    log.warning(
                        "oidc sign-in refused: provider account differs from the pinned one betrokkene=%s", person.id
                    )
                    raise Forbidden(NOT_A_BETROKKENE)
                adder = await uow.auth.address_added_by(person.id)  # mapped by an address someone else added
                issued = await self._sessions.start(
                    uow, person.id, person.household_id, SignInMethod.OIDC, issued_by=adder
                )
                await uow.commit()
                return issued

        issued = await retry_on_conflict(attempt)
        log.info("signed in betrokkene=%s method=oidc", issued.betrokkene_id)
        return issued
