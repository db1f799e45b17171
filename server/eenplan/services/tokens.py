"""Bearer tokens for the API: signed JWTs naming one betrokkene of one household, and their revocation.

joserfc with an explicit algorithm allow-list (HS256 only), a bounded token
size, required claims (iss, aud, sub/hh or scope/gemeente, exp, jti) and no
`crit` header at all (we never set one). A token can be revoked by its `jti`
(the id returned when it is issued): the revocation list is checked on every
request (`authenticate`), so a revoked token fails at the next request on
every node; the signature check itself is remembered per token.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from ..domain.access import Principal
from ..domain.betrokkene import Role
from ..domain.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from ..domain.ports import Clock, RevocationList, UnitOfWorkFactory
from ..settings.auth import MAX_TOKEN_SECONDS, REVOCATION_KEPT_SECONDS
from .common import Need, authorised, require_need

security = logging.getLogger("eenplan.security")

ISSUER = "eenplan"
AUDIENCE = "eenplan-api"
MONITORING_AUDIENCE = "eenplan-monitoring"  # never accepted as a household token, nor vice versa
MAX_TOKEN_BYTES = 2048
MAX_MONITORING_DAYS = MAX_TOKEN_SECONDS // 86_400  # 366
ALGORITHMS = ["HS256"]
JTI = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class IssuedToken:
    """A new token with the id that revokes it and when it expires by itself."""

    token: str
    jti: str
    expires_at: datetime


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class TokenService:
    """Issues, verifies and revokes API tokens with the deployment's signing key."""

    def __init__(
        self,
        key: bytes,
        ttl_seconds: int,
        cache_size: int = 1024,
        *,
        uow: UnitOfWorkFactory | None = None,
        revocations: RevocationList | None = None,
        clock: Clock | None = None,
    ) -> None:
        if len(key) < 32:
            raise ValueError("signing key too short")
        self._key = OctKey.import_key(key)
        self._ttl = ttl_seconds
        self._verified: OrderedDict[str, tuple[Principal, int, str]] = OrderedDict()
        self._cache_size = cache_size
        self._uow = uow
        self._revocations = revocations
        self._clock = clock or (lambda: datetime.now(UTC))

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key, algorithms=ALGORITHMS)

    def _decode(self, token: str, what: str, **required: Any) -> dict[str, Any]:
        """The claims of a well-formed, correctly signed, unexpired token with every required claim."""
        if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise Unauthenticated("malformed bearer token")
        try:
            decoded = jwt.decode(token, self._key, algorithms=ALGORITHMS)
            if "crit" in decoded.header or decoded.header.get("alg") != "HS256":
                raise Unauthenticated(f"invalid {what}")
            registry = jwt.JWTClaimsRegistry(leeway=0, exp={"essential": True}, jti={"essential": True})
            for name, value in required.items():  # (added one by one: typed, unlike a ** of a dict)
                registry.options[name] = {"essential": True} if value is None else {"essential": True, "value": value}
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated(f"invalid or expired {what}") from None
        claims = decoded.claims
        if not isinstance(claims["jti"], str) or not JTI.fullmatch(claims["jti"]):
            raise Unauthenticated(f"invalid {what}")
        return claims

    def issue_token(self, principal: Principal, ttl_seconds: int | None = None) -> IssuedToken:
        """A new token for the betrokkene, valid for the configured lifetime, with its id (`jti`)."""
        lifetime = ttl_seconds or self._ttl
        if not 0 < lifetime <= MAX_TOKEN_SECONDS:
            raise ValueError(f"an API token lives at most {MAX_TOKEN_SECONDS} s")
        now = int(time.time())
        exp, jti = now + lifetime, secrets.token_urlsafe(16)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": principal.betrokkene_id,
            "hh": principal.household_id,
            "iat": now,
            "exp": exp,
            "jti": jti,
        }
        if principal.issued_by and principal.issued_by != principal.betrokkene_id:
            claims["iby"] = principal.issued_by  # issued by someone else: may not speak for the person
        elif principal.second_factor:
            claims["sf"] = True  # the person's own credential, obtained with a second factor
        return IssuedToken(self._sign(claims), jti, _utc(exp))

    async def issue_for(self, principal: Principal, household_id: str, betrokkene_id: str) -> IssuedToken:
        """A regisseur issues an API token for an active betrokkene of the household (e.g. a machine client);
        it carries who issued it, so it never speaks for the person (`Need.PERSONAL`).

        Never for the gemeentelijk aanspreekpunt: its acts at step 4 are the gemeente's decisions, and a
        token in someone else's hands would record them in the gemeente's name.
        """
        assert self._uow is not None, "TokenService needs a unit of work to issue for a betrokkene"
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="act for another betrokkene"
        ) as caller:
            # a credential someone else issued never issues one in turn: the new token would act in the
            # household on its holder's word, named as issued by whoever issued hers
            require_need(caller, Need.PERSONAL, "issue API tokens")
            found = await caller.uow.betrokkenen.get(household_id, betrokkene_id)
            if found is None or not found.active:
                raise NotFound("betrokkene not found")
            if found.id == principal.betrokkene_id:
                raise Forbidden(
                    "no API token is issued for yourself: it would outlive your sign-in (and signing out "
                    "everywhere); sign in to act as yourself, and issue tokens for machine clients of others"
                )
            if found.role is Role.AANSPREEKPUNT:
                raise Forbidden(
                    "no API token is issued for the gemeentelijk aanspreekpunt: the gemeente acts only "
                    "through its own sign-in"
                )
        # Whoever really holds the caller's credential issues it: a credential that is itself not personal
        # (issued by someone else, or a session through an address someone else added) passes that on,
        # so a token issued "for oneself" can never turn such a credential into a personal one.
        issuer = principal.issued_by or principal.betrokkene_id
        return self.issue_token(Principal(found.id, household_id, issued_by=issuer))

    def issue(self, principal: Principal, ttl_seconds: int | None = None) -> str:
        """A new token for the betrokkene (just the token; `issue_token` also gives its id)."""
        return self.issue_token(principal, ttl_seconds).token

    def _verified_claims(self, token: str) -> tuple[Principal, str]:
        now = int(time.time())
        cached = self._verified.get(token)
        if cached and cached[1] > now:
            return cached[0], cached[2]
        claims = self._decode(token, "bearer token", iss=ISSUER, aud=AUDIENCE, sub=None, hh=None, iat=None)
        if not isinstance(claims["sub"], str) or not isinstance(claims["hh"], str):
            raise Unauthenticated("invalid bearer token")
        if not _lives_at_most(claims, MAX_TOKEN_SECONDS):  # would outlive the revocations kept for it
            raise Unauthenticated("invalid bearer token")
        issued_by = claims.get("iby")
        principal = Principal(
            claims["sub"],
            claims["hh"],
            issued_by if isinstance(issued_by, str) else None,
            claims.get("sf") is True and not isinstance(issued_by, str),
        )
        self._verified[token] = (principal, int(claims["exp"]), claims["jti"])
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal, claims["jti"]

    def verify(self, token: str) -> Principal:
        """The principal a token's signature and claims name, or Unauthenticated (revocation: `authenticate`)."""
        return self._verified_claims(token)[0]

    async def authenticate(self, token: str, *, deferred: bool = False) -> Principal:
        """The principal of a valid token that was not revoked; membership is checked by the services.
        `deferred`: for a request that only reads and logs, and calls `settle` before it answers: the
        revocation check may then be left to its log append (one query less on PostgreSQL)."""
        principal, jti = self._verified_claims(token)
        if self._revocations is not None and await self._revocations.revoked(
            jti, principal.household_id, member=principal.betrokkene_id, deferred=deferred
        ):
            raise Unauthenticated("this bearer token was revoked")
        return principal

    async def settle(self, *, check: bool = True) -> bool:
        """Whether a `deferred` authentication of this request still holds (False: do the request again
        without deferring); ends the deferral (`check` False: without asking, for a request that failed)."""
        return self._revocations is None or await self._revocations.settle(check=check)

    def issue_monitoring(self, gemeente: str, ttl_seconds: int) -> str:
        """A monitoring token (scope `mon`) for one gemeente, or "*" for all: aggregate figures only."""
        return self.issue_monitoring_token(gemeente, ttl_seconds).token

    def issue_monitoring_token(self, gemeente: str, ttl_seconds: int) -> IssuedToken:
        """A monitoring token with its id (`jti`, for `eenplan monitoring-revoke`)."""
        if not 0 < ttl_seconds <= MAX_MONITORING_DAYS * 86_400:
            raise ValueError(f"a monitoring token lives at most {MAX_MONITORING_DAYS} days")
        now = int(time.time())
        exp, jti = now + ttl_seconds, secrets.token_urlsafe(16)
        claims = {
            "iss": ISSUER,
            "aud": MONITORING_AUDIENCE,
            "sub": "monitoring",
            "scope": "mon",
            "gemeente": gemeente,
            "iat": now,
            "exp": exp,
            "jti": jti,
        }
        return IssuedToken(self._sign(claims), jti, _utc(exp))

    def _monitoring_claims(self, token: str) -> tuple[str, str]:
        claims = self._decode(
            token, "monitoring token", iss=ISSUER, aud=MONITORING_AUDIENCE, scope="mon", gemeente=None, iat=None
        )
        if not isinstance(claims["gemeente"], str) or not claims["gemeente"]:
            raise Unauthenticated("invalid monitoring token")
        if not _lives_at_most(claims, MAX_MONITORING_DAYS * 86_400):  # would outlive its revocation
            raise Unauthenticated("invalid monitoring token")
        return claims["gemeente"], claims["jti"]

    def verify_monitoring(self, token: str) -> str:
        """The gemeente a validly signed monitoring token covers, or Unauthenticated."""
        return self._monitoring_claims(token)[0]

    async def authenticate_monitoring(self, token: str) -> str:
        """The gemeente of a valid monitoring token that was not revoked."""
        gemeente, jti = self._monitoring_claims(token)
        if self._revocations is not None and await self._revocations.revoked(jti, None):
            raise Unauthenticated("this monitoring token was revoked")
        return gemeente

    async def revoke(self, principal: Principal, household_id: str, jti: str) -> None:
        """A regisseur ends an API token of their household by its id, from the next request on."""
        assert self._uow is not None, "TokenService needs a unit of work to revoke"
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="revoke API tokens"
        ) as caller:
            require_need(caller, Need.PERSONAL, "revoke API tokens")  # the revocation names her
            uow, actor = caller.uow, caller.actor
            if not JTI.fullmatch(jti):
                raise ValidationFailed.one("jti", "is not a token id")
            now = self._clock()
            # kept as long as any token can live (not this node's lifetime: another node, or this one before a
            # change of EENPLAN_TOKEN_TTL_SECONDS, may have issued it for longer), and then a margin for clocks
            kept_until = now + timedelta(seconds=REVOCATION_KEPT_SECONDS)
            await uow.token_revocations.revoke(jti, household_id, actor.betrokkene_id, now, kept_until)
            await uow.commit()
        # ids only; the journal keeps it when a restored database does not (deploy/README.md, "Restore")
        security.info("token revoked jti=%s household=%s by=%s", jti, household_id, actor.betrokkene_id)

    async def revoke_monitoring(self, jti: str) -> None:
        """The operator ends a monitoring token by its id (`eenplan monitoring-revoke`)."""
        assert self._uow is not None, "TokenService needs a unit of work to revoke"
        if not JTI.fullmatch(jti):
            raise ValidationFailed.one("jti", "is not a token id")
        async with self._uow(write=True) as uow:
            now = self._clock()
            kept_until = now + timedelta(seconds=REVOCATION_KEPT_SECONDS)  # (MAX_MONITORING_DAYS: the same bound)
            await uow.token_revocations.revoke(jti, None, None, now, kept_until)
            await uow.commit()
        security.info("token revoked jti=%s monitoring", jti)


def _lives_at_most(claims: dict[str, Any], seconds: int) -> bool:
    """Whether a token's claimed lifetime (exp − iat) is at most `seconds`."""
    iat, exp = claims["iat"], claims["exp"]
    numbers = (int, float)
    return isinstance(iat, numbers) and isinstance(exp, numbers) and 0 <= exp - iat <= seconds
