"""What the mail adapter needs from a crypto engine.

eenplan_mail never imports eenplan_crypto; `eenplan_crypto.keyring.Keyring`
satisfies this Protocol structurally and a bootstrap module wires them.
Engines raise eenplan AdapterError subclasses; they must never return
plaintext when asked to encrypt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class CryptoEngine(Protocol):
    """OpenPGP operations used to build PGP/MIME mail. Keys are full fingerprints."""

    async def sign_encrypt(
        self, data: bytes, recipients: Iterable[str], signer: str, hide_recipients: bool = True
    ) -> bytes:
        """Sign with `signer`, encrypt to all `recipients`; return ASCII-armored OpenPGP data."""
        ...

    async def sign_encrypt_each(
        self, data: bytes, recipients: Iterable[str], signer: str, hide_recipients: bool = False
    ) -> dict[str, bytes]:
        """Sign once and encrypt once to all `recipients`; per recipient fingerprint, an ASCII-armored
        message with only that recipient's session-key packet."""
        ...

    async def sign_detached(self, data: bytes, signer: str) -> tuple[bytes, str]:
        """Return (ASCII-armored detached signature over `data`, RFC 3156 micalg e.g. 'pgp-sha512')."""
        ...
