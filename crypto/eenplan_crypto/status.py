"""Judge gpg's machine-readable status lines ("[GNUPG:] KEYWORD args").

python-gnupg's convenience flags (`ok`, `valid`) are too coarse for our
rules: "valid" does not say *who* signed, and a decryption without integrity
protection must be fatal. These functions read the status lines directly.
"""

from __future__ import annotations

from typing import NamedTuple

from .errors import EncryptionFailed, SigningFailed, VerificationFailed

#: OpenPGP hash algorithm ids -> RFC 3156 micalg names (SHA-1 and MD5 deliberately absent)
MICALG = {"8": "pgp-sha256", "9": "pgp-sha384", "10": "pgp-sha512", "11": "pgp-sha224"}

#: INV_RECP / INV_SGNR reason codes (gpg doc/DETAILS)
_INVALID_REASONS = {
    "0": "not usable",
    "1": "not found",
    "2": "ambiguous",
    "3": "wrong key usage",
    "4": "revoked",
    "5": "expired",
    "6": "no CRL known",
    "7": "CRL too old",
    "8": "policy mismatch",
    "9": "not a secret key",
    "10": "not trusted",
    "11": "missing certificate",
    "12": "missing issuer certificate",
    "13": "key disabled",
    "14": "syntax error in specification",
}
_BAD_SIG = {"BADSIG", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "NO_PUBKEY"}


class DetachedSignature(NamedTuple):
    """An ASCII-armored detached signature and the RFC 3156 micalg of the hash gpg used."""

    signature: bytes
    micalg: str


def statuses(result: object) -> list[tuple[str, str]]:
    """Extract (keyword, argument) pairs from a python-gnupg result's stderr."""
    out: list[tuple[str, str]] = []
    for line in (getattr(result, "stderr", "") or "").splitlines():
        if line.startswith("[GNUPG:] "):
            keyword, _, value = line[9:].partition(" ")
            out.append((keyword, value.strip()))
    return out


def _invalid(status: list[tuple[str, str]], keyword: str) -> str | None:
    for kw, value in status:
        if kw == keyword:
            code, _, who = value.partition(" ")
            reason = _INVALID_REASONS.get(code, f"code {code}")
            return f"{'recipient' if keyword == 'INV_RECP' else 'signing'} key {who or '?'}: {reason}"
    return None


def check_sign_encrypt(result: object) -> bytes:
    """Return the armored ciphertext, or raise when gpg did not both sign and encrypt."""
    status = statuses(result)
    keywords = {kw for kw, _ in status}
    problem = _invalid(status, "INV_SGNR")
    if problem:
        raise SigningFailed(f"sign+encrypt failed: {problem}")
    problem = _invalid(status, "INV_RECP")
    if problem:
        raise EncryptionFailed(f"sign+encrypt failed: {problem}")
    data = getattr(result, "data", b"") or b""
    if (
        getattr(result, "returncode", 1) != 0
        or "END_ENCRYPTION" not in keywords
        or "SIG_CREATED" not in keywords
        or not data.startswith(b"-----BEGIN PGP MESSAGE-----")
    ):
        failure = next((v for kw, v in status if kw in ("FAILURE", "ERROR")), "no details")
        raise EncryptionFailed(f"sign+encrypt failed ({failure})")
    return data


def check_detached(result: object) -> DetachedSignature:
    """Return the detached signature and its micalg, or raise when gpg did not sign."""
    status = statuses(result)
    problem = _invalid(status, "INV_SGNR")
    if problem:
        raise SigningFailed(f"signing failed: {problem}")
    created = [v for kw, v in status if kw == "SIG_CREATED"]
    data = getattr(result, "data", b"") or b""
    if (
        getattr(result, "returncode", 1) != 0
        or len(created) != 1
        or not data.startswith(b"-----BEGIN PGP SIGNATURE-----")
    ):
        raise SigningFailed("signing failed")
    parts = created[0].split()
    if parts[0] != "D":
        raise SigningFailed("gpg did not make a detached signature")
    micalg = MICALG.get(parts[2]) if len(parts) > 2 else None
    if micalg is None:
        raise SigningFailed("gpg signed with a hash algorithm that is not accepted")
    return DetachedSignature(data, micalg)


def check_decrypt_verify(result: object, expected_signers: set[str]) -> tuple[bytes, str]:
    """Return (plaintext, signer primary fingerprint) only for an integrity-protected message
    signed by one of `expected_signers`; otherwise raise VerificationFailed."""
    status = statuses(result)
    keywords = [kw for kw, _ in status]
    info = [v.split() for kw, v in status if kw == "DECRYPTION_INFO"]
    no_mdc = VerificationFailed("message has no valid integrity protection (MDC); refused")
    if "BADMDC" in keywords or any(not parts or parts[0] == "0" for parts in info):
        raise no_mdc
    if "DECRYPTION_OKAY" not in keywords or "DECRYPTION_FAILED" in keywords:
        raise VerificationFailed("message could not be decrypted")
    if "GOODMDC" not in keywords:
        raise no_mdc
    if getattr(result, "returncode", 1) != 0:
        raise VerificationFailed("gpg reported an error while decrypting")
    bad = sorted(set(keywords) & _BAD_SIG)
    if bad:
        raise VerificationFailed(f"message carries a bad or unverifiable signature ({bad[0]})")
    valid = [v.split() for kw, v in status if kw == "VALIDSIG"]
    goods = keywords.count("GOODSIG")
    if not valid or goods != len(valid) or keywords.count("NEWSIG") not in (0, len(valid)):
        raise VerificationFailed("message is not signed")
    signers = {(p[9] if len(p) >= 10 else p[0]).upper() for p in valid}
    if not signers <= expected_signers:
        raise VerificationFailed("message is signed, but not by an expected key")
    return (getattr(result, "data", b"") or b""), next(iter(signers))
