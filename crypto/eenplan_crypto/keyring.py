"""The server keyring: one GNUPGHOME, driven through python-gnupg one call at a time (`gpghome`).

Keys are always addressed by full fingerprint, never by user id. Imported keys
are untrusted in gpg's web of trust (`always_trust=True`); the pinned
fingerprint *is* the trust decision. The server signing key has no
passphrase: the keyring directory (mode 0700) is the secret — protect and back
it up like a private key.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gnupg

from eenplan.domain.errors import ValidationFailed

from .envelopes import per_recipient
from .errors import (
    CryptoError,
    KeyNotFound,
    KeyringUnavailable,
    SigningFailed,
    UnusableKey,
    VerificationFailed,
)
from .gpghome import make_gpg
from .home_cache import CachedHome
from .keys import KeyInfo, evaluate, expires_within, normalize_fingerprint, parse_colons
from .packets import precheck
from .status import DetachedSignature, check_decrypt_verify, check_detached, check_sign_encrypt

log = logging.getLogger(__name__)

MAX_PLAINTEXT = 25_000_000
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,190}$")
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f<>()\u2028\u2029\u0085]{1,64}$")


def _sign_encrypt_args(data: object, recipients: Iterable[str], signer: str) -> tuple[list[str], str]:
    """The sorted, normalised recipient fingerprints and the signer's; refuses a non-bytes body or no recipient."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("data must be bytes")
    if isinstance(recipients, str):
        raise ValidationFailed.one("recipients", "must be a list of fingerprints, not one string")
    fprs = sorted({normalize_fingerprint(r, "recipients") for r in recipients})
    if not fprs:
        raise ValidationFailed.one("recipients", "at least one recipient fingerprint is required")
    return fprs, normalize_fingerprint(signer, "signer")


class Keyring(CachedHome):
    """Async facade over one GnuPG home directory; satisfies eenplan_mail's CryptoEngine. The home is a cache
    of the database (`CachedHome`): households' keys and pinned keys are imported from it when missing."""

    def __init__(self, home: Path | str, *, gpg_binary: str = "gpg") -> None:
        """Remember the home directory; nothing touches the disk until the first call."""
        super().__init__(home, gpg_binary=gpg_binary)
        #: primary fingerprint -> key ids of its keys; emptied on every import (a new subkey may come with it)
        self._key_id_cache: dict[str, frozenset[str]] = {}

    def _info(self, gpg: gnupg.GPG, fpr: str, now: datetime) -> KeyInfo:
        listing = gpg.list_keys(keys=[fpr])
        keys = [k for k in parse_colons(listing.data.decode("utf-8", "replace")) if k.primary.fingerprint == fpr]
        if not keys:
            raise KeyNotFound(f"key {fpr} is not in the keyring")
        return evaluate(keys, now, field_name="fingerprint")

    # -- public keys of members ---------------------------------------------------------------
    def _scan(self, armored: str, now: datetime) -> KeyInfo:
        scratch = tempfile.mkdtemp(prefix="eps")
        try:
            gpg = make_gpg(scratch, self._binary)
            result = gpg.scan_keys_mem(armored.encode("ascii", "replace"))
            return evaluate(parse_colons(result.data.decode("utf-8", "replace")), now)
        except BrokenPipeError:  # gpg stopped reading: it refused the input, the keyring is fine
            raise UnusableKey("is not a valid OpenPGP public key") from None
        except OSError as exc:
            raise KeyringUnavailable(f"key inspection failed ({type(exc).__name__})") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    async def inspect_public_key(self, armored: str, now: datetime) -> KeyInfo:
        """Validate a submitted public key without touching the server keyring."""
        precheck(armored)  # size, armor, packet framing and user ids, in Python: gpg's one lock is not spent on it
        return await self._run(lambda _gpg: self._scan(armored, now))

    async def import_pinned(self, armored: str, now: datetime | None = None) -> KeyInfo:
        """Inspect, then import a member's key; return its KeyInfo whose fingerprint the caller pins."""
        now = now or datetime.now(UTC)
        precheck(armored)  # before the lock, like inspect_public_key

        def work(gpg: gnupg.GPG) -> KeyInfo:
            info = self._scan(armored, now)
            result = gpg.import_keys(
                armored.encode("ascii", "replace"), extra_args=["--import-options", "import-minimal"]
            )
            if info.fingerprint not in (result.fingerprints or []):
                raise CryptoError("gpg did not import the key")
            self._key_id_cache.clear()
            merged = self._info(gpg, info.fingerprint, now)  # a stored revocation wins
            log.info("imported public key %s", info.fingerprint)
            return merged

        return await self._run(work)

    async def key_info(self, fpr: str, now: datetime) -> KeyInfo:
        """Current KeyInfo of a key in the server keyring; UnusableKey if it became unusable."""
        fpr = normalize_fingerprint(fpr)
        return await self._run(lambda gpg: self._info(gpg, fpr, now))

    async def expiring_within(self, fpr: str, days: float, now: datetime) -> bool:
        """True if the key is unusable now or stops being usable for encryption within `days`."""
        try:
            info = await self.key_info(fpr, now)
        except UnusableKey:
            return True
        return expires_within(info, days, now)

    # -- the server's own key -----------------------------------------------------------------
    async def ensure_signing_key(self, uid_email: str, name: str) -> str:
        """Return the fingerprint of the server key for `uid_email`, generating it once
        (Ed25519 signing primary + Curve25519 encryption subkey, no passphrase, no expiry)."""
        if not isinstance(uid_email, str) or not _EMAIL_RE.match(uid_email):
            raise ValidationFailed.one("uid_email", "must be a plain e-mail address")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValidationFailed.one("name", "must be 1-64 characters without control characters")

        def work(gpg: gnupg.GPG) -> str:
            now = datetime.now(UTC)
            listing = gpg.list_keys(secret=True).data.decode("utf-8", "replace")
            mine: list[KeyInfo] = []
            for parsed in parse_colons(listing):
                if not any(f"<{uid_email.lower()}>" in uid.lower() for _, uid in parsed.uids):
                    continue
                parsed.primary.type = "pub"  # evaluate the public half of our own key
                for sub in parsed.subkeys:
                    sub.type = "sub"
                try:
                    if "s" in parsed.primary.cap:
                        mine.append(evaluate([parsed], now))
                except UnusableKey:
                    continue
            if mine:
                return max(mine, key=lambda k: k.created).fingerprint
            params = gpg.gen_key_input(
                key_type="EDDSA",
                key_curve="ed25519",
                key_usage="sign",
                subkey_type="ECDH",
                subkey_curve="cv25519",
                subkey_usage="encrypt",
                name_real=name,
                name_email=uid_email,
                expire_date="0",
                no_protection=True,
            )
            result = gpg.gen_key(params)
            if not result.fingerprint:
                raise SigningFailed("could not generate the server signing key")
            log.info("generated server signing key %s", result.fingerprint)
            return str(result.fingerprint).upper()

        return await self._run(work)

    async def export_public(self, fpr: str) -> str:
        """ASCII-armored, minimal public key, e.g. for publishing on the sign-in page."""
        fpr = normalize_fingerprint(fpr)
        text = await self._run(lambda gpg: gpg.export_keys(fpr, armor=True, minimal=True))
        if "BEGIN PGP PUBLIC KEY BLOCK" not in (text or ""):
            raise KeyNotFound(f"key {fpr} is not in the keyring")
        return str(text)

    async def autocrypt_keydata(self, fpr: str) -> str:
        """Base64 of the minimal binary public key, the `keydata=` of an Autocrypt header."""
        fpr = normalize_fingerprint(fpr)
        raw = await self._run(lambda gpg: gpg.export_keys(fpr, armor=False, minimal=True))
        if not raw:
            raise KeyNotFound(f"key {fpr} is not in the keyring")
        return base64.b64encode(raw).decode("ascii")

    # -- sign, encrypt, decrypt ---------------------------------------------------------------
    async def sign_encrypt(
        self, data: bytes, recipients: Iterable[str], signer: str, hide_recipients: bool = True
    ) -> bytes:
        """Sign with `signer` and encrypt once to all recipient fingerprints; ASCII-armored.
        With hide_recipients the key ids are thrown (--throw-keyids). Never returns plaintext."""
        fprs, signer = _sign_encrypt_args(data, recipients, signer)
        extra = ["--throw-keyids"] if hide_recipients else None
        result = await self._run(
            lambda gpg: gpg.encrypt(bytes(data), fprs, sign=signer, always_trust=True, armor=True, extra_args=extra)
        )
        return check_sign_encrypt(result)

    async def sign_encrypt_each(
        self, data: bytes, recipients: Iterable[str], signer: str, hide_recipients: bool = False
    ) -> dict[str, bytes]:
        """Sign with `signer` and encrypt once (one gpg pass, one signature, one session key); return, per
        recipient fingerprint, an armored message holding only that recipient's session-key packet.

        Every client reads such a message (see `envelopes`); the key id is kept so that even clients that
        cannot try hidden recipients find their key, unless `hide_recipients` zeroes it."""
        fprs, signer = _sign_encrypt_args(data, recipients, signer)

        def work(gpg: gnupg.GPG) -> tuple[Any, dict[str, frozenset[str]]]:
            keep_ids = ["--no-throw-keyids"]  # whatever a gpg.conf says: each packet must name its recipient
            result = gpg.encrypt(bytes(data), fprs, sign=signer, always_trust=True, armor=True, extra_args=keep_ids)
            return result, self._key_ids(gpg, fprs)

        result, key_ids = await self._run_shared(work)  # reads the home only: a few views are sealed at once
        return per_recipient(check_sign_encrypt(result), key_ids, hide=hide_recipients)

    def _key_ids(self, gpg: gnupg.GPG, fprs: list[str]) -> dict[str, frozenset[str]]:
        """The 16-hex key ids of each recipient's primary key and subkeys (a session-key packet names one)."""
        missing = [f for f in fprs if f not in self._key_id_cache]
        if missing:
            listing = gpg.list_keys(keys=missing).data.decode("utf-8", "replace")
            for parsed in parse_colons(listing):
                keys = [parsed.primary, *parsed.subkeys]
                self._key_id_cache[parsed.primary.fingerprint] = frozenset(k.fingerprint[-16:] for k in keys)
        return {f: self._key_id_cache.get(f, frozenset()) for f in fprs}

    async def usable_among(self, fprs: Iterable[str], now: datetime) -> dict[str, bool]:
        """For each fingerprint the keyring holds, whether `key_info` would call it usable now; in one gpg call
        (the outbox asks for a household's keys at once). Keys it does not hold are left out: the caller asks
        for those one by one (they may have to be fetched first)."""
        wanted = sorted({normalize_fingerprint(f) for f in fprs})
        if not wanted:
            return {}

        def work(gpg: gnupg.GPG) -> dict[str, bool]:
            listing = gpg.list_keys(keys=wanted).data.decode("utf-8", "replace")
            found: dict[str, list[Any]] = {}
            for parsed in parse_colons(listing):
                found.setdefault(parsed.primary.fingerprint, []).append(parsed)
            answers: dict[str, bool] = {}
            for fpr in wanted:
                if fpr not in found:
                    continue
                try:
                    evaluate(found[fpr], now, field_name="fingerprint")
                    answers[fpr] = True
                except UnusableKey:
                    answers[fpr] = False
            return answers

        return await self._run_shared(work)

    async def sign_detached(self, data: bytes, signer: str) -> DetachedSignature:
        """ASCII-armored detached signature over `data` exactly as given, plus its micalg."""
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("data must be bytes")
        signer = normalize_fingerprint(signer, "signer")
        result = await self._run(
            lambda gpg: gpg.sign(bytes(data), keyid=signer, detach=True, clearsign=False, binary=False)
        )
        return check_detached(result)

    async def decrypt_verify(
        self, data: bytes, expected_signers: Iterable[str], *, max_bytes: int = MAX_PLAINTEXT
    ) -> bytes:
        """Decrypt and return the plaintext only if it is integrity-protected (MDC), signed by a
        key whose *primary* fingerprint is in `expected_signers`, and at most `max_bytes` long
        (checked after decompression, so a compression bomb cannot fill memory)."""
        if isinstance(expected_signers, str):
            raise ValidationFailed.one("expected_signers", "must be a set of fingerprints")
        expected = {normalize_fingerprint(f, "expected_signers") for f in expected_signers}
        if not expected:
            raise ValidationFailed.one("expected_signers", "at least one fingerprint is required")
        size = [0]

        def on_data(chunk: bytes) -> bool:
            size[0] += len(chunk)
            return size[0] <= max_bytes  # False: python-gnupg drops the chunk

        def work(gpg: gnupg.GPG) -> Any:
            gpg.on_data = on_data
            try:
                return gpg.decrypt(bytes(data), always_trust=True)
            finally:
                gpg.on_data = None

        result = await self._run(work)
        if size[0] > max_bytes:
            raise VerificationFailed(f"decrypted message exceeds {max_bytes} bytes; refused")
        plaintext, _signer = check_decrypt_verify(result, expected)
        return plaintext
