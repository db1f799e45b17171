"""Sign-in sessions and one-time sign-in secrets: the pure rules (formats, lifetimes, liveness).

A session token is 256 random bits, shown to its holder once; only its
SHA-256 hash is stored, so a copy of the database signs nobody in. The same
holds for magic-link tokens and OIDC `state` values. Lifetimes follow OWASP
ASVS level 3: an inactivity timeout, an absolute lifetime, a new token at every
sign-in, and no way to extend a session past its absolute end.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: 32 random bytes → 43 URL-safe base64 characters (256 bits; ASVS asks for at least 128).
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")

#: A magic link is valid for at most this long (issue 3: "at most 15 minutes").
MAGIC_LINK_TTL = timedelta(minutes=15)
#: The server-side half of an OIDC authorization request (state, nonce, PKCE verifier) lives this long.
OIDC_STATE_TTL = timedelta(minutes=10)
#: Last-seen is written at most this often per session, so a busy session is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


def new_secret() -> str:
    """A fresh 256-bit URL-safe secret for a session, magic link or OIDC state/nonce/verifier."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def secret_hash(secret: str) -> str:
    """The hex SHA-256 of a secret: what the database keeps instead of the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_secret(value: str) -> bool:
    """Whether a value has the exact shape of our secrets (checked before any database lookup)."""
    return bool(_TOKEN_SHAPE.match(value))


class SignInMethod:
    """How a session was started (recorded with the session, never shown to others)."""

    MAGIC_LINK = "magic-link"
    OIDC = "oidc"


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: idle timeout and absolute lifetime."""

    idle: timedelta
    absolute: timedelta
    touch_every: timedelta = TOUCH_EVERY

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute < self.idle:
            raise ValueError("a session needs a positive idle timeout no longer than its absolute lifetime")


@dataclass(frozen=True)
class SignInSession:
    """A stored session as the lookup returns it (the token itself is never stored)."""

    betrokkene_id: str
    household_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    #: set when the session was obtained through an address someone else added: it cannot speak for the person
    issued_by: str | None = None


def is_live(session: SignInSession, now: datetime, policy: SessionPolicy) -> bool:
    """Whether a session may still be used at `now`: before its absolute end and not idle too long."""
    return now < session.expires_at and now < session.last_seen_at + policy.idle


def needs_touch(session: SignInSession, now: datetime, policy: SessionPolicy) -> bool:
    """Whether last-seen is old enough to be written again (at most once per `touch_every`)."""
    return now - session.last_seen_at >= policy.touch_every


@dataclass(frozen=True)
class IssuedSession:
    """A new session as handed to the person who signed in: the token is shown here only."""

    token: str
    betrokkene_id: str
    household_id: str
    expires_at: datetime
    idle_timeout_seconds: int

    def as_dict(self) -> dict[str, object]:
        """The JSON body of a successful sign-in."""
        return {
            "session": self.token,
            "token_type": "Bearer",
            "expires_at": self.expires_at.isoformat(),
            "idle_timeout_seconds": self.idle_timeout_seconds,
            "betrokkene_id": self.betrokkene_id,
            "household_id": self.household_id,
        }


@dataclass(frozen=True)
class OidcRequest:
    """The server-side half of one OIDC authorization request, bound to its `state`."""

    household_id: str
    nonce: str
    code_verifier: str
    expires_at: datetime
