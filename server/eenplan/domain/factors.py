"""Second factors: the pure rules for passkeys, TOTP and recovery codes (formats, limits, steps, views).

Everything secret is kept as little as possible: recovery codes only as SHA-256 hashes of their
normalised form, WebAuthn challenges and TOTP set-ups under the hash of the id handed out. A TOTP
code is accepted for the current 30-second step and one step either side, and never for a step
at or before the last one used (a code works once, and an older one never after a newer one).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from .errors import ValidationFailed
from .names import check_name

if TYPE_CHECKING:
    from .ports import UnitOfWork

#: the kinds of factor a person can add (`FactorInfo.kind`, the `what` of a notice)
PASSKEY = "passkey"
TOTP = "totp"
RECOVERY_CODES = "recovery-codes"

#: at most this many passkeys per person (a phone, a laptop, a security key or two, …)
MAX_PASSKEYS = 10
MAX_LABEL_CHARS = 60
#: a WebAuthn challenge may be answered once, within this time
CHALLENGE_TTL = timedelta(minutes=5)
#: a TOTP set-up (secret shown, not yet confirmed with a code) lives this long
TOTP_SETUP_TTL = timedelta(minutes=10)
#: the size of the JSON a browser sends back from navigator.credentials.create()/get()
MAX_CREDENTIAL_JSON_CHARS = 64 * 1024

# TOTP parameters (RFC 6238 as every authenticator app implements it)
TOTP_ALGORITHM = "SHA1"
TOTP_DIGITS = 6
TOTP_PERIOD_SECONDS = 30
#: steps accepted either side of the current one (clock drift of the phone)
TOTP_WINDOW = 1
_TOTP_CODE = re.compile(r"^[0-9]{6}$")

# Recovery codes: 10 codes of 4 groups of 4 from an alphabet without look-alikes (0/O, 1/I/L, 5/S, 8/B)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "2345679ACDEFGHJKMNPQRTUVWXYZ"
RECOVERY_GROUPS = 4
RECOVERY_GROUP_CHARS = 4
_RECOVERY_LENGTH = RECOVERY_GROUPS * RECOVERY_GROUP_CHARS
_SEPARATORS = re.compile(r"[\s\-_.]+")


@dataclass(frozen=True)
class FactorInfo:
    """One passkey or authenticator app as the person sees it on their account page (no secrets)."""

    id: str
    kind: str
    label: str
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class FactorSummary:
    """What second factors a person has: their passkeys, the TOTP app, how many recovery codes are left."""

    passkeys: tuple[FactorInfo, ...] = ()
    totp: FactorInfo | None = None
    recovery_codes_left: int = 0

    @property
    def has_factor(self) -> bool:
        """Whether the person can complete a second factor with a passkey or an app (recovery codes aside)."""
        return bool(self.passkeys) or self.totp is not None

    @property
    def can_pass_second_step(self) -> bool:
        """Whether the person has any way through a second step (a passkey, an app, or a recovery code left)."""
        return self.has_factor or self.recovery_codes_left > 0


@dataclass(frozen=True)
class TotpSetup:
    """A TOTP set-up to show once: the secret (base32), the otpauth:// URI, and that URI as an SVG QR code."""

    setup_id: str
    secret: str
    uri: str
    qr_svg: str = field(repr=False)

    def __repr__(self) -> str:
        return f"TotpSetup(setup_id=<{len(self.setup_id)} chars>, secret=<hidden>)"


@dataclass(frozen=True)
class StoredPasskey:
    """A registered WebAuthn credential (credential id base64url; the COSE public key as bytes)."""

    id: str
    person_id: str
    credential_id: str
    public_key: bytes = field(repr=False)
    sign_count: int
    transports: tuple[str, ...]
    label: str
    created_at: datetime
    last_used_at: datetime | None = None

    def info(self) -> FactorInfo:
        """The person's view of this passkey."""
        return FactorInfo(self.id, PASSKEY, self.label, self.created_at, self.last_used_at)


@dataclass(frozen=True)
class StoredTotp:
    """A confirmed authenticator app: its secret (as stored: sealed) and the last time step a code was accepted for."""

    id: str
    person_id: str
    secret: str = field(repr=False)
    created_at: datetime
    last_step: int | None = None
    last_used_at: datetime | None = None

    def info(self) -> FactorInfo:
        """The person's view of this authenticator app."""
        return FactorInfo(self.id, TOTP, "authenticator-app", self.created_at, self.last_used_at)


@dataclass(frozen=True)
class StoredChallenge:
    """A WebAuthn challenge taken from storage by its single use (person_id None: discoverable sign-in)."""

    challenge: bytes = field(repr=False)
    person_id: str | None
    purpose: str


class ChallengePurpose:
    """What a WebAuthn challenge was issued for; an answer counts only for that."""

    REGISTER = "register"
    AUTHENTICATE = "authenticate"


class FactorNotices(Protocol):
    """Tells a person by mail, in the caller's transaction, that a factor was added or removed (no content)."""

    async def factor_changed(self, uow: UnitOfWork, person_id: str, what: str, added: bool) -> None: ...


def check_label(value: object, field_name: str = "label") -> str:
    """The trimmed label of a passkey ("Telefoon", "Laptop werk"), 1–60 characters of a name's rules."""
    return check_name(value, field_name, max_chars=MAX_LABEL_CHARS)


# -- TOTP ----------------------------------------------------------------------------------------------------


def totp_step(now: datetime) -> int:
    """The RFC 6238 time step `now` falls in."""
    return int(now.timestamp()) // TOTP_PERIOD_SECONDS


def totp_candidate_steps(now: datetime, last_step: int | None) -> list[int]:
    """The steps a code may belong to at `now`: current first, then ±1; none at or before `last_step`."""
    current = totp_step(now)
    steps = [current, *(current + d for k in range(1, TOTP_WINDOW + 1) for d in (-k, k))]
    return [s for s in steps if last_step is None or s > last_step]


def normalise_totp_code(value: object) -> str:
    """The six digits of a code as typed ("123 456" too); ValidationFailed naming `code` otherwise."""
    code = _SEPARATORS.sub("", value) if isinstance(value, str) else ""
    if not _TOTP_CODE.match(code):
        raise ValidationFailed.one("code", "must be the 6 digits the app shows")
    return code


# -- recovery codes ------------------------------------------------------------------------------------------


def new_recovery_codes() -> list[str]:
    """A fresh set of recovery codes as shown to the person once ("XXXX-XXXX-XXXX-XXXX", ~77 bits each)."""
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.add(raw)
    return [format_recovery_code(raw) for raw in sorted(codes)]


def format_recovery_code(raw: str) -> str:
    """A normalised code in groups of four, joined by dashes."""
    return "-".join(raw[i : i + RECOVERY_GROUP_CHARS] for i in range(0, len(raw), RECOVERY_GROUP_CHARS))


def normalise_recovery_code(value: object) -> str:
    """A code as typed (any case, spaces or dashes) in its one stored spelling; ValidationFailed if malformed."""
    raw = _SEPARATORS.sub("", value).upper() if isinstance(value, str) and len(value) <= 64 else ""
    if len(raw) != _RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in raw):
        raise ValidationFailed.one("code", f"must be a recovery code of {_RECOVERY_LENGTH} letters and digits")
    return raw


def recovery_code_hash(value: str) -> str:
    """The hex SHA-256 of a code's normalised form: all storage keeps of it."""
    return hashlib.sha256(normalise_recovery_code(value).encode()).hexdigest()
