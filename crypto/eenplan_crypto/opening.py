"""Opening mail that members send to a household (issue 14): decrypt what was encrypted to a household
key, and tell whether it — or a PGP/MIME signed part — was signed by the key pinned for the sender.

Unlike `Keyring.decrypt_verify` (which refuses anything not signed by an expected key), an answer to an
invitation may come unsigned: the caller then shows it as "not signed". A message without integrity
protection (MDC), or with a bad signature, is refused: it was changed on the way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import gnupg

from .envelopes import BEGIN, armor, dearmor, split
from .errors import EncryptionFailed, VerificationFailed
from .keyring import MAX_PLAINTEXT, Keyring
from .keys import normalize_fingerprint
from .packets import armor as armor_key
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


def _only_for(data: bytes, ids: frozenset[str]) -> bytes:
    """The message with only the session-key packets that name one of `ids` (or a hidden recipient), so gpg
    opens it with the household's own key even when it was encrypted to several of the keyring's households;
    as it came when it cannot be cut (then the key gpg used decides alone)."""
    try:
        binary = dearmor(data) if data.lstrip().startswith(BEGIN) else bytes(data)
        packets, encrypted = split(binary)
    except EncryptionFailed:
        return data
    kept = [p.raw for p in packets if p.key_id in ids or p.key_id == "0" * 16]
    return armor(b"".join(kept) + encrypted) if kept and len(kept) < len(packets) else data


class MailOpener:
    """Decrypts and verifies inbound member mail with the server keyring (households' keys, pinned keys)."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    async def decrypt(
        self, data: bytes, to_keys: Collection[str] | None = None, *, max_bytes: int = MAX_PLAINTEXT
    ) -> tuple[bytes, str | None]:
        """(plaintext, primary fingerprint of the key that signed it, or None); VerificationFailed when the
        message cannot be decrypted with a household key, has no MDC, is too large or is badly signed. The
        caller compares the signer with the key pinned for the sender.

        With `to_keys` (the primary fingerprints of the household whose address the mail reached) it must
        have been encrypted to one of them: the server's keyring holds every household's key, and a mail
        encrypted only to household B's key is no mail for household A (refused like any unreadable one)."""
        size = [0]
        wanted = sorted({normalize_fingerprint(f) for f in to_keys}) if to_keys is not None else None

        def on_data(chunk: bytes) -> bool:
            size[0] += len(chunk)
            return size[0] <= max_bytes

        def work(gpg: gnupg.GPG) -> Any:
            message = bytes(data)
            if wanted:
                message = _only_for(message, frozenset().union(*self._keyring._key_ids(gpg, wanted).values()))
            gpg.on_data = on_data
            try:
                return gpg.decrypt(message, always_trust=True)
            finally:
                gpg.on_data = None

        result = await self._keyring._run(work)
        if size[0] > max_bytes:
            raise VerificationFailed("the decrypted message is too large")
        status = statuses(result)
        keywords = [kw for kw, _ in status]
        if "DECRYPTION_OKAY" not in keywords or "DECRYPTION_FAILED" in keywords:
            raise VerificationFailed("the message could not be decrypted")
        used = {v.split()[1].upper() for kw, v in status if kw == "DECRYPTION_KEY" and len(v.split()) >= 2}
        if wanted is not None and not used & set(wanted):  # opened with another household's key
            raise VerificationFailed("the message could not be decrypted")  # the same words: no oracle
        if "GOODMDC" not in keywords or "BADMDC" in keywords:
            raise VerificationFailed("the message has no valid integrity protection (MDC)")
        return (getattr(result, "data", b"") or b""), _signer(status)

    async def key_offer(self, keydata: bytes) -> tuple[str, str]:
        """A key offered in an Autocrypt header (binary packets) as (armored, fingerprint), checked like an
        upload (`packets.precheck`, usable for encryption) but not imported: the owner decides on their page."""
        armored = armor_key(keydata)
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
