"""Opening mail that members send to a household (issue 14): decrypt what was encrypted to a household
key, and tell whether it — or a PGP/MIME signed part — was signed by the key pinned for the sender.

Unlike `Keyring.decrypt_verify` (which refuses anything not signed by an expected key), an answer to an
invitation may come unsigned: the caller then shows it as "not signed". A message without integrity
protection (MDC), or with a bad signature, is refused: it was changed on the way.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from typing import Any

import gnupg

from .errors import VerificationFailed
from .keyring import MAX_PLAINTEXT, Keyring
from .packets import armor
from .status import statuses

_NOT_GOOD = frozenset({"ERRSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG"})


def _signer(status: list[tuple[str, str]]) -> str | None:
    """The primary fingerprint of the one key that made a good signature, else None (unsigned, or signed by a
    key not in the keyring); a bad signature raises: the message was changed on the way."""
    keywords = {kw for kw, _ in status}
    if "BADSIG" in keywords:
        raise VerificationFailed("the message carries a bad signature")
    if keywords & _NOT_GOOD:
        return None  # an expired or revoked key, or one we cannot check: as if unsigned
    valid = [v.split() for kw, v in status if kw == "VALIDSIG"]
    signers = {(p[9] if len(p) >= 10 else p[0]).upper() for p in valid}
    return next(iter(signers)) if len(signers) == 1 and "GOODSIG" in keywords else None


class MailOpener:
    """Decrypts and verifies inbound member mail with the server keyring (households' keys, pinned keys)."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    async def decrypt(self, data: bytes, *, max_bytes: int = MAX_PLAINTEXT) -> tuple[bytes, str | None]:
        """(plaintext, primary fingerprint of the key that signed it, or None); VerificationFailed when the
        message cannot be decrypted with a household key, has no MDC, is too large or is badly signed. The
        caller compares the signer with the key pinned for the sender."""
        size = [0]

        def on_data(chunk: bytes) -> bool:
            size[0] += len(chunk)
            return size[0] <= max_bytes

        def work(gpg: gnupg.GPG) -> Any:
            gpg.on_data = on_data
            try:
                return gpg.decrypt(bytes(data), always_trust=True)
            finally:
                gpg.on_data = None

        result = await self._keyring._run(work)
        if size[0] > max_bytes:
            raise VerificationFailed("the decrypted message is too large")
        status = statuses(result)
        keywords = [kw for kw, _ in status]
        if "DECRYPTION_OKAY" not in keywords or "DECRYPTION_FAILED" in keywords:
            raise VerificationFailed("the message could not be decrypted")
        if "GOODMDC" not in keywords or "BADMDC" in keywords:
            raise VerificationFailed("the message has no valid integrity protection (MDC)")
        return (getattr(result, "data", b"") or b""), _signer(status)

    async def key_offer(self, keydata: bytes) -> tuple[str, str]:
        """A key offered in an Autocrypt header (binary packets) as (armored, fingerprint), checked like an
        upload (`packets.precheck`, usable for encryption) but not imported: the owner decides on their page."""
        armored = armor(keydata)
        info = await self._keyring.inspect_public_key(armored, datetime.now(UTC))
        return armored, info.fingerprint

    async def verify_detached(self, data: bytes, signature: bytes) -> str | None:
        """The primary fingerprint of the key whose detached signature over `data` is good, else None (a key
        not in the keyring, or no signature); a bad signature raises."""

        def work(gpg: gnupg.GPG) -> Any:
            with tempfile.NamedTemporaryFile(delete=False) as handle:
                handle.write(signature)
                path = handle.name
            try:
                return gpg.verify_data(path, bytes(data))
            finally:
                os.unlink(path)

        return _signer(statuses(await self._keyring._run(work)))
