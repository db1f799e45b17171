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
from enum import StrEnum

#: 32 random bytes → 43 URL-safe base64 characters (256 bits; ASVS asks for at least 128).
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")

#: A magic link is valid for at most this long (issue 11: "at most 10 minutes").
MAGIC_LINK_TTL = timedelta(minutes=10)
#: The server-side half of an OIDC authorization request (state, nonce, PKCE verifier) lives this long.
OIDC_STATE_TTL = timedelta(minutes=10)
#: Last-seen is written at most this often per session, so a busy session is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)
#: A return address kept through sign-in is a local path of at most this many characters.
MAX_NEXT = 300
#: A household the session does not reach is asked for as this betrokkene, who is nobody: the services then
#: answer exactly as for a household that does not exist (404).
NOBODY = "-"


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
    PASSKEY = "passkey"


class SecondFactorPolicy(StrEnum):
    """Who must complete a second factor before any plan content (EENPLAN_SECOND_FACTOR)."""

    PROFESSIONALS = "professionals"
    EVERYONE = "everyone"
    OFF = "off"

    def requires(self, professional: bool) -> bool:
        """Whether a person (a professional in some household they reach, or not) must complete one."""
        return self is SecondFactorPolicy.EVERYONE or (self is SecondFactorPolicy.PROFESSIONALS and professional)


def safe_next(path: str | None) -> str | None:
    """A return address kept through sign-in, only when it is a local path (never another site's URL)."""
    if not path or len(path) > MAX_NEXT or not path.startswith("/") or path.startswith("//"):
        return None
    if "\\" in path or any(not 0x21 <= ord(c) <= 0x7E for c in path):  # printable ASCII (URLs are %-encoded)
        return None
    return path


def shows_mfa(amr: object, acr: object, accepted: frozenset[str]) -> bool:
    """Whether an OIDC ID token's `amr` list or `acr` value names an accepted multi-factor method."""
    methods = {m for m in amr if isinstance(m, str)} if isinstance(amr, list) else set()
    if isinstance(acr, str):
        methods.add(acr)
    return bool(methods & accepted)


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
    """A stored person session as the lookup returns it (the token itself is never stored)."""

    person_id: str
    method: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    second_factor: bool
    #: whether the person is a professional in a household the session reaches (the policy asks)
    professional: bool
    #: the person's sign-in address (read with the session: the pages show it)
    email: str = ""


@dataclass(frozen=True)
class Membership:
    """One betrokkene a session is in one household; `issued_by` as Principal.issued_by."""

    household_id: str
    betrokkene_id: str
    issued_by: str | None = None
    via_pin: bool = False


def is_live(session: SignInSession, now: datetime, policy: SessionPolicy) -> bool:
    """Whether a session may still be used at `now`: before its absolute end and not idle too long."""
    return now < session.expires_at and now < session.last_seen_at + policy.idle


def needs_touch(session: SignInSession, now: datetime, policy: SessionPolicy) -> bool:
    """Whether last-seen is old enough to be written again (at most once per `touch_every`)."""
    return now - session.last_seen_at >= policy.touch_every


@dataclass(frozen=True)
class PersonSessionView:
    """A live session as the pages see it: who, how, and what is still to do before plan content."""

    person_id: str
    email: str
    method: str
    second_factor: bool
    needs_second_factor: bool
    choices_pending: bool
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    """One of the person's live sessions, for "your sessions" (no token, no address)."""

    created_at: datetime
    last_seen_at: datetime
    method: str
    user_agent: str
    second_factor: bool
    current: bool


@dataclass(frozen=True)
class IssuedSession:
    """A new session as handed to the person who signed in: the token is shown here only."""

    token: str
    person_id: str
    expires_at: datetime
    idle_timeout_seconds: int
    households: tuple[str, ...] = ()
    next_path: str | None = None
    second_factor: bool = False

    def as_dict(self) -> dict[str, object]:
        """The JSON body of a successful sign-in (API clients send the session as a bearer token)."""
        return {
            "session": self.token,
            "token_type": "Bearer",
            "expires_at": self.expires_at.isoformat(),
            "idle_timeout_seconds": self.idle_timeout_seconds,
            "households": list(self.households),
            "second_factor": self.second_factor,
        }


@dataclass(frozen=True)
class HouseholdEntry:
    """One household a session reaches, as the person is there (for the household list)."""

    household_id: str
    name: str
    gemeente: str
    betrokkene_id: str
    betrokkene_name: str
    kind: str
    role: str
    role_label: str
    #: False while the address belongs to several betrokkenen here and the person has not chosen
    chosen: bool = True


@dataclass(frozen=True)
class Choice:
    """A household where the person must say who they are: (betrokkene id, name, role label) to choose from."""

    household_id: str
    household_name: str
    options: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class OidcRequest:
    """The server-side half of one OIDC authorization request, bound to its `state`."""

    next_path: str | None
    nonce: str
    code_verifier: str
    expires_at: datetime
