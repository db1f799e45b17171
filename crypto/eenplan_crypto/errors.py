"""Errors of the crypto adapter, translated from gpg / python-gnupg failures.

Messages name the operation and the problem, never data, user ids of third
parties, or key material.
"""

from __future__ import annotations

from eenplan.domain.errors import (
    AdapterError,
    FieldProblem,
    PermanentFailure,
    TemporaryFailure,
    ValidationFailed,
)


class CryptoError(AdapterError):
    """gpg failed to do what was asked."""

    kind = "crypto"


class KeyringUnavailable(CryptoError, TemporaryFailure):
    """gpg could not be started or its home directory is not usable right now."""

    kind = "crypto-unavailable"


class KeyNotFound(CryptoError, PermanentFailure):
    """The requested fingerprint is not in the server keyring."""

    kind = "crypto-no-key"


class EncryptionFailed(CryptoError, PermanentFailure):
    """gpg refused to sign and encrypt (unknown, expired or revoked key); never sent in plaintext."""

    kind = "crypto-encrypt"


class SigningFailed(CryptoError, PermanentFailure):
    """gpg refused to make a signature with the server key."""

    kind = "crypto-sign"


class VerificationFailed(CryptoError, PermanentFailure):
    """A message did not decrypt with integrity protection, or was not signed by an expected key."""

    kind = "crypto-verify"


class UnusableKey(ValidationFailed):
    """A submitted public key cannot be pinned (weak, expired, revoked, no encryption key...)."""

    def __init__(self, problem: str, field_name: str = "armored") -> None:
        super().__init__([FieldProblem(field_name, problem)])
        self.problem = problem
