"""Sealing the households' secret signing keys for the database: AES-256-GCM under a key-encryption key (KEK).

The database holds only the sealed form. A sealed blob is `nonce (12 bytes) || ciphertext || tag`; its associated
data binds it to one household and one fingerprint, so a blob copied onto another row does not open. The KEK id
is a short hash of the key (never the key itself), stored beside the blob so rotation knows which rows to re-seal
and an unknown KEK is named in the error (`KeyEncryptionKeyMismatch`: this node's configuration, temporary, not the
key's fault; a blob that fails its check under a KEK it names is `SealError`, permanent). Errors never quote the
secret, the key or the blob.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from eenplan.domain.errors import PermanentFailure
from eenplan.domain.key_ports import KeyEncryptionKeyMismatch, SealedSecret

from .errors import CryptoError

NONCE_BYTES = 12
_AAD_PREFIX = b"eenplan household key v1\x00"


class SealError(CryptoError, PermanentFailure):
    """A sealed key could not be opened: tampered with, sealed under another KEK, or no KEK configured."""

    kind = "key-sealing"


def kek_id(key: bytes) -> str:
    """A short, non-secret name for a key-encryption key (16 hex digits of a domain-separated SHA-256)."""
    return hashlib.sha256(b"eenplan kek id\x00" + key).hexdigest()[:16]


def _aad(household: str, fingerprint: str) -> bytes:
    return _AAD_PREFIX + household.encode("utf-8") + b"\x00" + fingerprint.upper().encode("ascii")


class KeySealer:
    """Seals under the current KEK; opens under the current or the previous one (during a rotation)."""

    def __init__(self, current: bytes, previous: bytes | None = None) -> None:
        """Keep the keys (32 bytes each); refuse anything else."""
        for key in (current, previous):
            if key is not None and len(key) != 32:
                raise ValueError("a key-encryption key is 32 bytes")
        self._keys = {kek_id(current): current}
        if previous is not None:
            self._keys.setdefault(kek_id(previous), previous)
        self.current_id = kek_id(current)
        self.known_ids = frozenset(self._keys)

    def configured(self) -> str:
        """The configured KEKs by id, for an operator's message (ids only, never a key)."""
        previous = sorted(self.known_ids - {self.current_id})
        return f"EENPLAN_KEY_ENCRYPTION_KEY has id {self.current_id}" + (
            f", EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS id {previous[0]}" if previous else ""
        )

    def seal(self, secret: bytes, household: str, fingerprint: str) -> SealedSecret:
        """Encrypt `secret` under the current KEK, bound to (household, fingerprint)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.current_id]).encrypt(nonce, bytes(secret), _aad(household, fingerprint))
        return SealedSecret(nonce + sealed, self.current_id)

    def unseal(self, sealed: SealedSecret, household: str, fingerprint: str) -> bytes:
        """The secret, if `sealed` opens under the KEK it names for exactly this household and fingerprint."""
        key = self._keys.get(sealed.kek_id)
        if key is None:  # this node's configuration, not the key: temporary, never a dead letter
            raise KeyEncryptionKeyMismatch(
                f"the household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY: the key is sealed under "
                f"key-encryption key id {sealed.kek_id}, and {self.configured()} "
                "(set the key they were sealed with, or it as EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS)"
            )
        blob = bytes(sealed.blob)
        if len(blob) <= NONCE_BYTES + 16:
            raise SealError("the sealed household key is truncated")
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(household, fingerprint))
        except InvalidTag:
            raise SealError(
                "the sealed household key failed its integrity check (changed in the database, moved to another "
                "row, or a wrong key-encryption key)"
            ) from None

    def reseal(self, sealed: SealedSecret, household: str, fingerprint: str) -> SealedSecret:
        """The same secret sealed under the current KEK (a no-op copy when it already is)."""
        if sealed.kek_id == self.current_id:
            self.unseal(sealed, household, fingerprint)  # still check it opens
            return sealed
        return self.seal(self.unseal(sealed, household, fingerprint), household, fingerprint)
