"""Opening mail that members send to a household (issue 14): decrypt what was encrypted to a household
key, and tell whether it — or a PGP/MIME signed part — was signed by the key pinned for the sender.

Unlike `Keyring.decrypt_verify` (which refuses anything not signed by an expected key), an answer to an
invitation may come unsigned: the caller then shows it as "not signed". A message without integrity
protection (MDC), or with a bad signature, is refused: it was changed on the way.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Any

import gnupg

from .envelopes import BEGIN, _with_key_id, armor, dearmor, split
from .errors import EncryptionFailed, VerificationFailed
from .keyring import MAX_PLAINTEXT, Keyring
from .keys import normalize_fingerprint, parse_colons
from .packets import armor as armor_key
from .status import statuses

_NOT_GOOD = frozenset({"ERRSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG"})
_HIDDEN = "0" * 16  # a hidden recipient (--throw-keyids): the wildcard key id of RFC 4880 §5.1
#: more session-key packets than mail to a household and its members ever needs: refused before gpg runs
MAX_SESSION_KEYS = 32
#: seconds one gpg decryption may run before it is stopped (and the mail refused like an unreadable one)
DECRYPT_SECONDS = 30.0


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


def _only_for(data: bytes, ids: frozenset[str], hidden_to: frozenset[str]) -> bytes | None:
    """The message with only the session-key packets gpg is to try for this household, or None: refused
    without running gpg (no packet for the household, more than MAX_SESSION_KEYS, or not one we can cut).

    Packets naming one of `ids` (the household's key ids) are kept; packets of other households' keys are
    dropped. A hidden-recipient packet (key id zero) is rewritten to name the household's encryption
    subkey(s) `hidden_to`: gpg then tries exactly that key on it, never every secret key in the home (a
    stranger's fifty hidden packets would cost fifty trials against each household's key). Rewriting keeps
    a real hidden packet for the household wherever it stands; dropping "all but the first few" would not."""
    try:
        binary = dearmor(data) if data.lstrip().startswith(BEGIN) else bytes(data)
        packets, encrypted = split(binary)
    except EncryptionFailed:
        return None
    if len(packets) > MAX_SESSION_KEYS:
        return None
    kept: list[bytes] = []
    for packet in packets:
        if packet.key_id in ids:
            kept.append(packet.raw)
        elif packet.key_id == _HIDDEN:
            kept.extend(_with_key_id(packet, bytes.fromhex(key_id)) for key_id in sorted(hidden_to))
    return armor(b"".join(kept) + encrypted) if kept else None


def _household_ids(gpg: gnupg.GPG, fprs: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(the 16-hex key ids of the keys `fprs` and their subkeys, those of them that can encrypt), in one listing."""
    listing = gpg.list_keys(keys=fprs).data.decode("utf-8", "replace")
    keys = [k for parsed in parse_colons(listing) for k in (parsed.primary, *parsed.subkeys)]
    return frozenset(k.fingerprint[-16:] for k in keys), frozenset(k.fingerprint[-16:] for k in keys if "e" in k.cap)


@contextlib.contextmanager
def _watchdog(gpg: gnupg.GPG, seconds: float) -> Iterator[None]:
    """Kill any gpg process the handle starts inside the block once it has run `seconds` (python-gnupg has no
    timeout of its own): a crafted message must not hold the home's lock for long."""
    timers: list[threading.Timer] = []
    had_own = "_open_subprocess" in vars(gpg)
    original = gpg._open_subprocess

    def opened(*args: Any, **kwargs: Any) -> Any:
        process = original(*args, **kwargs)
        timer = threading.Timer(seconds, process.kill)
        timer.daemon = True
        timer.start()
        timers.append(timer)
        return process

    gpg._open_subprocess = opened
    try:
        yield
    finally:
        for timer in timers:
            timer.cancel()
        if had_own:
            gpg._open_subprocess = original
        else:
            del gpg._open_subprocess


class MailOpener:
    """Decrypts and verifies inbound member mail with the server keyring (households' keys, pinned keys)."""

    def __init__(self, keyring: Keyring, *, decrypt_seconds: float = DECRYPT_SECONDS) -> None:
        self._keyring = keyring
        self._decrypt_seconds = decrypt_seconds

    async def decrypt(
        self, data: bytes, to_keys: Collection[str] | None = None, *, max_bytes: int = MAX_PLAINTEXT
    ) -> tuple[bytes, str | None]:
        """(plaintext, primary fingerprint of the key that signed it, or None); VerificationFailed when the
        message cannot be decrypted with a household key, has no MDC, is too large or is badly signed. The
        caller compares the signer with the key pinned for the sender.

        With `to_keys` (the primary fingerprints of the household whose address the mail reached) it must
        have been encrypted to one of them: the server's keyring holds every household's key, and a mail
        encrypted only to household B's key is no mail for household A (refused like any unreadable one).
        An empty `to_keys` (the address is no household's) is refused before gpg runs, and so is a message
        with no session-key packet for the household or too many of them (`_only_for`); gpg is stopped after
        `decrypt_seconds`."""
        size = [0]
        wanted = sorted({normalize_fingerprint(f) for f in to_keys}) if to_keys is not None else None
        if wanted is not None and not wanted:
            raise VerificationFailed("the message could not be decrypted")  # the same words: no oracle

        def on_data(chunk: bytes) -> bool:
            size[0] += len(chunk)
            return size[0] <= max_bytes

        def work(gpg: gnupg.GPG) -> Any:
            message: bytes | None = bytes(data)
            if wanted:
                message = _only_for(bytes(data), *_household_ids(gpg, wanted))
            if message is None:
                return None
            gpg.on_data = on_data
            try:
                with _watchdog(gpg, self._decrypt_seconds):
                    return gpg.decrypt(message, always_trust=True)
            finally:
                gpg.on_data = None

        result = await self._keyring._run(work)
        if result is None:
            raise VerificationFailed("the message could not be decrypted")  # the same words: no oracle
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
