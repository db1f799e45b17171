"""Bearer tokens for the API: signed JWTs naming one betrokkene of one household.

authlib's JOSE implementation with an explicit algorithm allow-list (HS256
only), a bounded token size, required claims and expiry; unknown `crit`
headers are refused by authlib.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections import OrderedDict

import authlib.deprecate

# authlib.jose is the product card's choice; its move to joserfc is announced for 2.0, not done.
warnings.filterwarnings("ignore", message="authlib.jose module is deprecated",
                        category=authlib.deprecate.AuthlibDeprecationWarning)
from authlib.jose import JsonWebToken  # noqa: E402
from authlib.jose.errors import JoseError  # noqa: E402

from ..domain.access import Principal
from ..domain.errors import Unauthenticated

ISSUER = "eenplan"
AUDIENCE = "eenplan-api"
MONITORING_AUDIENCE = "eenplan-monitoring"  # never accepted as a household token, nor vice versa
MAX_TOKEN_BYTES = 2048
_jwt = JsonWebToken(["HS256"])


class TokenService:
    """Issues and verifies API tokens with the deployment's signing key."""

    def __init__(self, key: bytes, ttl_seconds: int, cache_size: int = 1024) -> None:
        if len(key) < 32:
            raise ValueError("signing key too short")
        self._key = key
        self._ttl = ttl_seconds
        self._verified: OrderedDict[str, tuple[Principal, int]] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, principal: Principal, ttl_seconds: int | None = None) -> str:
        """A new token for the betrokkene, valid for the configured lifetime."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": principal.betrokkene_id, "hh": principal.household_id,
                  "iat": now, "exp": now + (ttl_seconds or self._ttl), "jti": secrets.token_urlsafe(16)}
        if principal.issued_by and principal.issued_by != principal.betrokkene_id:
            claims["iby"] = principal.issued_by  # issued by someone else: may not speak for the person
        return _jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key).decode()

    def verify(self, token: str) -> Principal:
        """The principal a token names, or Unauthenticated. Membership is checked by the services."""
        now = int(time.time())
        cached = self._verified.get(token)
        if cached and cached[1] > now:
            return cached[0]
        if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise Unauthenticated("malformed bearer token")
        try:
            claims = _jwt.decode(token, self._key, claims_options={
                "iss": {"essential": True, "value": ISSUER}, "aud": {"essential": True, "value": AUDIENCE},
                "sub": {"essential": True}, "hh": {"essential": True}, "exp": {"essential": True}})
            claims.validate(now=now, leeway=0)
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated("invalid or expired bearer token") from None
        if not isinstance(claims["sub"], str) or not isinstance(claims["hh"], str):
            raise Unauthenticated("invalid bearer token")
        issued_by = claims.get("iby")
        principal = Principal(claims["sub"], claims["hh"], issued_by if isinstance(issued_by, str) else None)
        self._verified[token] = (principal, int(claims["exp"]))
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    def issue_monitoring(self, gemeente: str, ttl_seconds: int) -> str:
        """A monitoring token (scope `mon`) for one gemeente, or "*" for all: aggregate figures only."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": MONITORING_AUDIENCE, "sub": "monitoring", "scope": "mon",
                  "gemeente": gemeente, "iat": now, "exp": now + ttl_seconds, "jti": secrets.token_urlsafe(16)}
        return _jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key).decode()

    def verify_monitoring(self, token: str) -> str:
        """The gemeente a valid monitoring token covers, or Unauthenticated."""
        if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise Unauthenticated("malformed bearer token")
        try:
            claims = _jwt.decode(token, self._key, claims_options={
                "iss": {"essential": True, "value": ISSUER}, "aud": {"essential": True, "value": MONITORING_AUDIENCE},
                "scope": {"essential": True, "value": "mon"}, "gemeente": {"essential": True},
                "exp": {"essential": True}})
            claims.validate(now=int(time.time()), leeway=0)
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated("invalid or expired monitoring token") from None
        if not isinstance(claims["gemeente"], str) or not claims["gemeente"]:
            raise Unauthenticated("invalid monitoring token")
        return claims["gemeente"]
