"""TOTP secrets sealed for storage, so a copy of the database alone cannot make a person's app codes.

A TOTP secret has to be readable to check a code, so it cannot be stored as a hash like the other
secrets. It is kept encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the deployment's
secret key, which is not in the database; the person id is the associated data, so a sealed secret
opens only on its own person's row. A different secret key makes earlier sealed secrets unreadable:
those apps then stop working (the person uses a passkey or a recovery code and sets the app up again).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "v1."
_NONCE_BYTES = 12


class SecretBox:
    """Seals and opens short secrets bound to one person (AES-256-GCM, key from the deployment's secret key)."""

    def __init__(self, key_material: bytes) -> None:
        if len(key_material) < 16:
            raise ValueError("the secret key is too short to derive a sealing key from")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"eenplan/totp-secret/v1").derive(key_material)
        self._aead = AESGCM(key)

    def seal(self, secret: str, person_id: str) -> str:
        """The stored form of `secret` for `person_id`: "v1." and base64url(nonce + ciphertext + tag)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, secret.encode(), person_id.encode())
        return _PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, stored: str, person_id: str) -> str | None:
        """The secret sealed in `stored` for `person_id`; None when it is not ours (another key, person or row)."""
        if not stored.startswith(_PREFIX):
            return None
        body = stored[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], person_id.encode()).decode()
        except (InvalidTag, ValueError):
            return None
