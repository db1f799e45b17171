"""Sign-in: the ports the sign-in service needs, its errors, and the attempt limiter (pure).

Ports: `SignInLinkSender` delivers a magic link, `IdentityProvider` runs the
OpenID Connect code flow against the organisation's provider, `SignInStore`
keeps sessions, links, OIDC requests and pinned OIDC identities.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .betrokkene import Betrokkene
from .cluster_ports import AttemptCounter, Limit
from .contact_changes import ContactNoticeSender, PendingContactChange
from .errors import EenplanError, Unauthenticated
from .sessions import Membership, OidcRequest, SignInSession


class RateLimited(EenplanError):
    """Too many sign-in attempts; try again later."""

    kind = "rate-limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many sign-in attempts; try again later")
        self.retry_after = max(1, retry_after)


class SignInFailed(Unauthenticated):
    """A sign-in secret (link, state, code) is unknown, used or expired — deliberately not saying which."""

    kind = "sign-in-failed"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a validated ID token (and userinfo) says about the person who signed in at the provider."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    #: the ID token's `amr` (list of methods) and `acr`: whether the provider did multi-factor authentication
    amr: tuple[str, ...] = ()
    acr: str | None = None


class SignInLinkSender(ContactNoticeSender, Protocol):
    """Delivers a magic sign-in link to one betrokkene, and notices about their sign-in data.

    With SMTP configured the link goes out through the mailgroup's outbox (encrypted when the betrokkene
    has a pinned key, otherwise a signed notice holding only the link); without SMTP it is printed.
    """

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None: ...


class IdentityProvider(Protocol):
    """An OpenID Connect provider as a relying party sees it (authorization code flow with PKCE)."""

    issuer: str

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str: ...
    async def redeem(self, *, code: str, code_verifier: str, nonce: str) -> VerifiedIdentity: ...


class SignInStore(Protocol):
    """Storage of magic links, OIDC requests, pinned identities and contact changes (hashes only)."""

    async def add_link(
        self, token_hash: str, email: str, next_path: str | None, now: datetime, expires_at: datetime
    ) -> None: ...
    async def use_link(self, token_hash: str, now: datetime) -> tuple[str, str | None] | None: ...
    async def add_oidc_request(self, state_hash: str, request: OidcRequest, now: datetime) -> None: ...
    async def use_oidc_request(self, state_hash: str, now: datetime) -> OidcRequest | None: ...
    async def pinned_identity(self, betrokkene_id: str) -> tuple[str, str] | None: ...
    async def pin_identity(self, betrokkene_id: str, issuer: str, subject: str, now: datetime) -> None: ...
    async def email_unconfirmed(self, betrokkene_id: str) -> bool: ...
    async def address_added_by(self, betrokkene_id: str) -> str | None: ...
    async def set_address_added_by(self, betrokkene_id: str, added_by: str | None, now: datetime) -> None: ...
    async def void_links(self, betrokkene_id: str, now: datetime) -> None: ...
    async def add_contact_change(
        self, token_hash: str, change: PendingContactChange, now: datetime, expires_at: datetime
    ) -> None: ...
    async def close_contact_changes(self, betrokkene_id: str, field: str, now: datetime, outcome: str) -> None: ...
    async def use_contact_change(self, token_hash: str, now: datetime) -> PendingContactChange | None: ...
    async def purge(self, now: datetime) -> None: ...


class SessionLookupReader(Protocol):
    """The pages' hot path: the same session lookup as `PersonStore.lookup`, without a unit of work."""

    async def session(
        self, token_hash: str, household_id: str | None
    ) -> tuple[SignInSession, list[Membership]] | None: ...


class PersonStore(Protocol):
    """People (one verified sign-in address each) and their sessions across households (person_repository)."""

    async def person_for(self, email: str, now: datetime) -> str: ...
    async def person_id(self, email: str) -> str | None: ...
    async def email_of(self, person_id: str) -> str | None: ...
    async def reached_by_email(self, email: str) -> list[Betrokkene]: ...
    async def pinned_to(self, issuer: str, subject: str) -> list[Betrokkene]: ...
    async def add_session(
        self,
        token_hash: str,
        person_id: str,
        method: str,
        members: list[Membership],
        *,
        now: datetime,
        expires_at: datetime,
        second_factor: bool,
        professional: bool,
        user_agent: str,
    ) -> None: ...
    async def add_member(self, token_hash: str, member: Membership) -> None: ...
    async def lookup(
        self, token_hash: str, household_id: str | None
    ) -> tuple[SignInSession, list[Membership]] | None: ...
    async def touch(self, token_hash: str, now: datetime, older_than: datetime) -> None: ...
    async def revoke(self, token_hash: str, now: datetime) -> bool: ...
    async def revoke_all(self, person_id: str, now: datetime) -> int: ...
    async def sessions_of(self, person_id: str, now: datetime) -> list[tuple[str, Any]]: ...
    async def session_row(self, token_hash: str) -> Any: ...
    async def members(self, token_hash: str) -> list[Membership]: ...
    async def keep_member(self, token_hash: str, household_id: str, betrokkene_id: str) -> bool: ...
    async def mark_second_factor(self, token_hash: str, now: datetime) -> None: ...
    async def household_entries(self, betrokkene_ids: list[str]) -> list[tuple[str, str, str, str, str, str, str]]: ...
    async def purge(self, now: datetime) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    at: float


class AttemptLimiter:
    """Token buckets per key (client IP, target): `capacity` attempts, refilled over `window` seconds.

    Kept in memory, so the limits hold per server process. At most `max_keys`
    buckets are kept; the least recently used go first (a full bucket is the
    same as no bucket, so forgetting one only ever loosens a limit briefly).
    """

    def __init__(self, capacity: int, window_seconds: float, max_keys: int = 50_000) -> None:
        if capacity < 1 or window_seconds <= 0:
            raise ValueError("a limiter needs a positive capacity and window")
        self.capacity = float(capacity)
        self.rate = capacity / window_seconds
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._max_keys = max_keys

    def wait_needed(self, key: str, now: float) -> float:
        """Seconds until `key` has an attempt available (0 when it has one now); takes nothing."""
        bucket = self._refilled(key, now)
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def take(self, key: str, now: float) -> None:
        """Use one attempt of `key` (callers check `wait_needed` first for every key involved)."""
        bucket = self._refilled(key, now)
        bucket.tokens -= 1
        self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
        bucket.at = now
        return bucket


class MemoryCounter:
    """The in-memory `AttemptCounter` (one node, SQLite): an `AttemptLimiter` per limit, in this process.

    Sound only while one process serves: with several nodes each would count alone (N nodes, N × the limit);
    those share `storage.shared_limits.DatabaseCounter` instead."""

    def __init__(self, limiters: dict[str, AttemptLimiter] | None = None) -> None:
        self._limiters: dict[str, AttemptLimiter] = dict(limiters or {})

    def limiter(self, limit: Limit) -> AttemptLimiter:
        """The in-memory buckets of `limit` (made on first use)."""
        found = self._limiters.get(limit.name)
        if found is None:
            found = self._limiters[limit.name] = AttemptLimiter(limit.capacity, limit.window_seconds)
        return found

    async def wait_needed(self, limit: Limit, key: str, now: float) -> float:
        """Seconds until `key` has an attempt of `limit`; takes nothing."""
        return self.limiter(limit).wait_needed(key, now)

    async def take(self, wants: Sequence[tuple[Limit, str]], now: float) -> float:
        """Take one attempt from every (limit, key), all or none; 0.0 when taken, else the wait."""
        wait = max((self.limiter(limit).wait_needed(key, now) for limit, key in wants), default=0.0)
        if wait > 0:
            return wait
        for limit, key in wants:
            self.limiter(limit).take(key, now)
        return 0.0


@dataclass
class SignInLimits:
    """The sign-in attempt limits: one bucket per client IP, one per target (address, link, state).

    `per_ip` and `per_target` give the limits' shapes (and are the buckets themselves in memory); `shared`,
    when set, is where several nodes count together (the database), so N nodes refuse at the limit of one.
    """

    per_ip: AttemptLimiter
    per_target: AttemptLimiter
    shared: AttemptCounter | None = None

    def __post_init__(self) -> None:
        self.ip_limit = Limit("signin-ip", int(self.per_ip.capacity), self.per_ip.capacity / self.per_ip.rate)
        self.target_limit = Limit(
            "signin-target", int(self.per_target.capacity), self.per_target.capacity / self.per_target.rate
        )
        self.counter: AttemptCounter = self.shared or MemoryCounter(
            {self.ip_limit.name: self.per_ip, self.target_limit.name: self.per_target}
        )

    async def check_ip(self, action: str, ip: str, now: float) -> None:
        """Raise RateLimited when `ip` has no attempt of `action` left (counts nothing; `check` counts)."""
        wait = await self.counter.wait_needed(self.ip_limit, f"{action}|ip|{ip}", now)
        if wait > 0:
            raise RateLimited(math.ceil(wait))

    async def count_ip(self, action: str, ip: str, now: float) -> None:
        """Count one attempt of `action` from `ip` (no target: e.g. an anonymous passkey challenge), or raise
        RateLimited without counting it."""
        await self._take(((self.ip_limit, f"{action}|ip|{ip}"),), now)

    async def check(self, action: str, ip: str, target: str, now: float) -> None:
        """Count one attempt of `action` from `ip` at `target`, or raise RateLimited without counting it."""
        await self._take(((self.ip_limit, f"{action}|ip|{ip}"), (self.target_limit, f"{action}|t|{target}")), now)

    async def check_target(self, action: str, target: str, now: float) -> None:
        """Count one attempt of `action` at `target` (no client IP known), or raise RateLimited."""
        await self._take(((self.target_limit, f"{action}|t|{target}"),), now)

    async def _take(self, wants: Sequence[tuple[Limit, str]], now: float) -> None:
        wait = await self.counter.take(wants, now)
        if wait > 0:
            raise RateLimited(math.ceil(wait))
