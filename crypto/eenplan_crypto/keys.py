"""Pure key validation: parse gpg's colon listing and decide whether a key may be pinned.

Kept free of I/O so the policy (which algorithms, what counts as expired) is
easy to read and to test. The policy: exactly one primary key; primary and
every usable encryption key are RSA >= 3072 bits or Curve25519/Curve448; at
least one encryption-capable (sub)key that is neither expired nor revoked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from eenplan.domain.errors import ValidationFailed

from .errors import UnusableKey

MIN_RSA_BITS = 3072
_GOOD_CURVES = frozenset({"ed25519", "cv25519", "curve25519", "ed448", "cv448", "x448", "x25519"})
_RSA = frozenset({1, 2, 3})
_ECC_OK = frozenset({18, 22, 25, 26, 27, 28})  # ECDH, EdDSA, and RFC 9580 X25519/X448/Ed25519/Ed448
_ALGO_NAMES = {
    1: "RSA",
    2: "RSA",
    3: "RSA",
    16: "ElGamal",
    17: "DSA",
    18: "ECDH",
    19: "ECDSA",
    20: "ElGamal",
    22: "EdDSA",
    25: "X25519",
    26: "X448",
    27: "Ed25519",
    28: "Ed448",
}
_FPR_RE = re.compile(r"^[0-9A-F]{40}$")
_ESCAPE_RE = re.compile(r"\\x([0-9a-fA-F]{2})")


@dataclass(frozen=True)
class KeyInfo:
    """What the server knows about a pinned public key; `fingerprint` is the pin."""

    fingerprint: str
    uids: tuple[str, ...]
    algorithm: str
    bits: int
    created: datetime
    expires: datetime | None
    encryption_algorithm: str


@dataclass
class _Key:
    type: str
    validity: str
    algo: int
    bits: int
    created: datetime | None
    expires: datetime | None
    cap: str
    curve: str
    fingerprint: str = ""


@dataclass
class ParsedKey:
    """One primary key with its subkeys and user ids, as listed by gpg."""

    primary: _Key
    subkeys: list[_Key] = field(default_factory=list)
    uids: list[tuple[str, str]] = field(default_factory=list)  # (validity, uid)


def normalize_fingerprint(value: str, field_name: str = "fingerprint") -> str:
    """Return a fingerprint as 40 upper-case hex digits; accepts an optional 0x prefix and spaces."""
    if not isinstance(value, str):
        raise ValidationFailed.one(field_name, "must be a text fingerprint")
    text = value.strip().replace(" ", "").upper()
    if text.startswith("0X"):
        text = text[2:]
    if not _FPR_RE.match(text):
        raise ValidationFailed.one(field_name, "must be a full 40-hex-digit OpenPGP fingerprint")
    return text


def _when(value: str) -> datetime | None:
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:  # ISO form, e.g. 20200101T000000
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _field(parts: list[str], index: int) -> str:
    return parts[index] if index < len(parts) else ""


def parse_colons(text: str) -> list[ParsedKey]:
    """Parse `gpg --with-colons --fixed-list-mode` output into keys (pub/sec, sub/ssb, uid, fpr)."""
    keys: list[ParsedKey] = []
    last: _Key | None = None
    for line in text.splitlines():
        parts = line.split(":")
        rtype = parts[0]
        if rtype in ("pub", "sec", "sub", "ssb"):
            algo = _field(parts, 3)
            bits = _field(parts, 2)
            key = _Key(
                type=rtype,
                validity=_field(parts, 1),
                algo=int(algo) if algo.isdigit() else 0,
                bits=int(bits) if bits.isdigit() else 0,
                created=_when(_field(parts, 5)),
                expires=_when(_field(parts, 6)),
                cap=_field(parts, 11),
                curve=_field(parts, 16).lower(),
            )
            if rtype in ("pub", "sec"):
                keys.append(ParsedKey(primary=key))
            elif keys:
                keys[-1].subkeys.append(key)
            last = key
        elif rtype == "fpr" and last is not None and not last.fingerprint:
            last.fingerprint = _field(parts, 9).upper()
        elif rtype == "uid" and keys:
            uid = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), _field(parts, 9))
            keys[-1].uids.append((_field(parts, 1), uid))
    return keys


def _algo_label(key: _Key) -> str:
    if key.algo in _RSA:
        return f"rsa{key.bits}"
    return key.curve or _ALGO_NAMES.get(key.algo, f"algorithm {key.algo}").lower()


def _strength_problem(key: _Key, what: str) -> str | None:
    if key.algo in _RSA:
        if key.bits >= MIN_RSA_BITS:
            return None
        return f"{what} is RSA {key.bits} bits; at least {MIN_RSA_BITS} bits is required"
    if key.algo in _ECC_OK and (key.algo >= 25 or key.curve in _GOOD_CURVES):
        return None
    name = _ALGO_NAMES.get(key.algo, f"algorithm {key.algo}")
    if key.curve:
        name = f"{name} ({key.curve})"
    return (
        f"{what} uses {name}, which is not accepted; use Curve25519 (ed25519/cv25519) "
        f"or RSA of at least {MIN_RSA_BITS} bits"
    )


def _unusable_reason(key: _Key, now: datetime) -> str | None:
    if key.validity == "r":
        return "revoked"
    if key.validity in ("i", "d"):
        return "invalid or disabled"
    if key.validity == "e" or (key.expires is not None and key.expires <= now):
        return "expired"
    return None


def _iso(value: datetime | None) -> str:
    return value.date().isoformat() if value else "unknown date"


def evaluate(keys: list[ParsedKey], now: datetime, field_name: str = "armored") -> KeyInfo:
    """Apply the pinning policy to one parsed key at time `now`; raise UnusableKey naming the problem."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not keys:
        raise UnusableKey("no OpenPGP public key found", field_name)
    if len(keys) > 1:
        raise UnusableKey(f"contains {len(keys)} keys; submit exactly one public key", field_name)
    parsed = keys[0]
    primary = parsed.primary
    if primary.type != "pub" or any(s.type == "ssb" for s in parsed.subkeys):
        raise UnusableKey("contains secret key material; submit only the public key", field_name)
    if not _FPR_RE.match(primary.fingerprint):
        raise UnusableKey("key has no version 4 fingerprint", field_name)
    reason = _unusable_reason(primary, now)
    if reason == "expired":
        raise UnusableKey(f"key expired on {_iso(primary.expires)}", field_name)
    if reason:
        raise UnusableKey(f"key is {reason}", field_name)
    problem = _strength_problem(primary, "primary key")
    if problem:
        raise UnusableKey(problem, field_name)
    uids = tuple(uid for validity, uid in parsed.uids if validity not in ("r", "e", "i"))
    if not uids:
        raise UnusableKey("key has no valid user id", field_name)

    candidates = [k for k in [primary, *parsed.subkeys] if "e" in k.cap]
    if not candidates:
        raise UnusableKey(
            "key has no encryption (sub)key (capability 'e'); it can sign but cannot receive encrypted mail", field_name
        )
    usable = [k for k in candidates if _unusable_reason(k, now) is None]
    if not usable:
        reasons = sorted({_unusable_reason(k, now) or "" for k in candidates})
        raise UnusableKey(f"every encryption subkey is {' or '.join(reasons)}", field_name)
    for key in usable:
        problem = _strength_problem(key, "encryption subkey")
        if problem:
            raise UnusableKey(problem, field_name)

    sub_expiries = [k.expires for k in usable]
    enc_until = None if any(e is None for e in sub_expiries) else max(sub_expiries)  # type: ignore[type-var]
    expires = min((e for e in (primary.expires, enc_until) if e is not None), default=None)
    newest = max(usable, key=lambda k: k.created or datetime.min.replace(tzinfo=UTC))
    return KeyInfo(
        fingerprint=primary.fingerprint,
        uids=uids,
        algorithm=_algo_label(primary),
        bits=primary.bits,
        created=primary.created or datetime.fromtimestamp(0, tz=UTC),
        expires=expires,
        encryption_algorithm=_algo_label(newest),
    )


def expires_within(info: KeyInfo, days: float, now: datetime) -> bool:
    """True when the key stops being usable for encryption within `days` of `now`."""
    return info.expires is not None and info.expires - now <= timedelta(days=days)
