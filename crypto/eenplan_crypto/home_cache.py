"""The GnuPG home as a cache of the database (issue 15): what a node's home lacks is imported from the rows.

The database is the truth for the households' signing keys (sealed) and the pinned public keys; these
operations let the service ask whether the local home holds a key, export a household's secret key once to
seal it, import a key from the database, and drop a local key that lost a race. The secret key travels only
as bytes between gpg and the sealer: never logged (python-gnupg's own DEBUG log of an export is held at
WARNING here), never in an error message.
"""

from __future__ import annotations

import logging

import gnupg

from .errors import CryptoError, KeyNotFound
from .gpghome import GpgHome
from .keys import normalize_fingerprint, parse_colons
from .packets import precheck

log = logging.getLogger(__name__)


def _quiet_gnupg() -> None:
    """python-gnupg logs the first bytes of every export and import at DEBUG: never let that reach a secret key."""
    logger = logging.getLogger("gnupg")
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)


def _listed(gpg: gnupg.GPG, fpr: str, *, secret: bool) -> bool:
    listing = gpg.list_keys(secret=secret, keys=[fpr]).data.decode("utf-8", "replace")
    return any(k.primary.fingerprint == fpr for k in parse_colons(listing))


class CachedHome(GpgHome):
    """A GnuPG home whose keys can be filled from, and exported to, the database."""

    _key_id_cache: dict[str, frozenset[str]]

    async def has_secret(self, fpr: str) -> bool:
        """Whether this home holds the secret key of `fpr` (a household key it can sign with)."""
        fpr = normalize_fingerprint(fpr)
        return await self._run(lambda gpg: _listed(gpg, fpr, secret=True))

    async def has_public(self, fpr: str) -> bool:
        """Whether this home holds the public key of `fpr` (a pinned key it can encrypt to)."""
        fpr = normalize_fingerprint(fpr)
        return await self._run(lambda gpg: _listed(gpg, fpr, secret=False))

    async def secret_key_addresses(self) -> dict[str, str]:
        """Every e-mail address in a user id of a secret key this home holds (lower case) -> that key's fingerprint
        (the newest when several): how the household keys made before the database are found at start-up."""

        def work(gpg: gnupg.GPG) -> dict[str, str]:
            found: dict[str, tuple[float, str]] = {}
            for parsed in parse_colons(gpg.list_keys(secret=True).data.decode("utf-8", "replace")):
                made = parsed.primary.created.timestamp() if parsed.primary.created else 0.0
                for _validity, uid in parsed.uids:
                    start, end = uid.rfind("<"), uid.rfind(">")
                    if 0 <= start < end:
                        address = uid[start + 1 : end].lower()
                        if address not in found or found[address][0] < made:
                            found[address] = (made, parsed.primary.fingerprint)
            return {address: fpr for address, (_made, fpr) in found.items()}

        return await self._run(work)

    async def export_secret(self, fpr: str) -> bytes:
        """The binary secret key of `fpr` (no passphrase), to be sealed at once; KeyNotFound if absent."""
        fpr = normalize_fingerprint(fpr)
        _quiet_gnupg()

        def work(gpg: gnupg.GPG) -> bytes:
            data = gpg.export_keys(fpr, secret=True, armor=False, expect_passphrase=False)
            if not data:
                raise KeyNotFound(f"no secret key {fpr} in the keyring")
            return bytes(data)

        return await self._run(work)

    async def import_secret(self, secret: bytes, fpr: str) -> None:
        """Import a household's unsealed secret key into this home; CryptoError (no key material quoted) if gpg
        did not take exactly that key."""
        fpr = normalize_fingerprint(fpr)
        _quiet_gnupg()  # python-gnupg logs the first 256 bytes of an import at DEBUG

        def work(gpg: gnupg.GPG) -> None:
            result = gpg.import_keys(bytes(secret))
            if fpr not in (result.fingerprints or []) or not _listed(gpg, fpr, secret=True):
                raise CryptoError("gpg did not import the household key")
            self._key_id_cache.clear()
            log.info("imported household key %s from the database", fpr)

        await self._run(work)

    async def import_public(self, armored: str, fpr: str) -> None:
        """Import a pinned public key kept in the database (checked when it was pinned; gpg judges it when used)."""
        fpr = normalize_fingerprint(fpr)
        precheck(armored)

        def work(gpg: gnupg.GPG) -> None:
            result = gpg.import_keys(
                armored.encode("ascii", "replace"), extra_args=["--import-options", "import-minimal"]
            )
            if fpr not in (result.fingerprints or []):
                raise CryptoError("gpg did not import the pinned key")
            self._key_id_cache.clear()
            log.info("imported pinned key %s from the database", fpr)

        await self._run(work)

    async def delete_key(self, fpr: str) -> None:
        """Remove a key (secret and public) from this home, e.g. the one that lost the race to the database."""
        fpr = normalize_fingerprint(fpr)

        def work(gpg: gnupg.GPG) -> None:
            if _listed(gpg, fpr, secret=True):
                gpg.delete_keys(fpr, secret=True, expect_passphrase=False)
            gpg.delete_keys(fpr)
            self._key_id_cache.clear()
            if _listed(gpg, fpr, secret=True) or _listed(gpg, fpr, secret=False):
                raise CryptoError("gpg did not delete the key")

        await self._run(work)
