"""The keys every node needs, from the database (issue 15): each node's GnuPG home is only their cache.

- `signer(code)`: the household's signing key. Stored → imported into this home if it lacks it; not stored →
  made here (or found here, from before the keys moved into the database), its secret exported, sealed under
  the key-encryption key and inserted conflict-safe. Two nodes racing: one row wins; the loser deletes its
  own key and imports the winner's, so every node signs with the same key.
- `ensure_public(fpr)` / `refresh_public(fprs)`: before encrypting to pinned keys, import the stored copy
  into this home when the home lacks it or the row changed since this process last imported it (a key
  re-uploaded through another node: a new subkey, a revoked one, a renewed expiry). The row's version is the
  SHA-256 of its armored bytes, remembered in memory per fingerprint: one query for all of a household's keys,
  a gpg import only for a changed row (and once per key after a start). gpg merges: nothing is ever lost.
- `remember_public(uow, fpr)`: inside the transaction that pins a key, merge in the stored copy (a revocation
  uploaded through another node) and store the key as this home now holds it.
- `backfill()` (at start-up): household keys and pinned keys from before the move that this home holds are
  stored, so other nodes sign with and encrypt to the same keys.
- `rotate()`: every household key re-sealed under the current KEK, in one transaction.
The secret key is only ever bytes between gpg and the sealer: never logged, never in an error or an answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from ..domain.errors import TemporaryFailure
from ..domain.key_ports import HouseholdKey, KeyCache, KeyEncryptionKeyMismatch, SecretSealer
from ..domain.mailgroup import group_address
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("eenplan.keys")

#: how long this process trusts that its home still holds a household key it checked (a home emptied while the
#: node runs is rebuilt from the database within this time; every signature would otherwise cost a gpg call)
RECHECK = timedelta(seconds=60)


class HouseholdKeys:
    """Households' signing keys and pinned public keys: rows in the database, cached in this node's home."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        cache: KeyCache,
        sealer: Callable[[], SecretSealer],
        clock: Clock,
        mail_domain: str,
    ) -> None:
        """`sealer` is called on the first key that needs sealing or opening (it reads the KEK settings, so a
        missing KEK on PostgreSQL is refused there, naming the setting)."""
        self._uow = uow
        self._cache = cache
        self._make_sealer = sealer
        self._sealer_made: SecretSealer | None = None
        self._clock = clock
        self._mail_domain = mail_domain
        self._locks: dict[str, asyncio.Lock] = {}
        #: household code -> (the fingerprint stored for it, when this home was last seen to hold it); a stored key
        #: is never replaced, so only the home's copy is checked again, at most once per RECHECK
        self._stored: dict[str, tuple[str, datetime]] = {}
        #: pinned fingerprint -> the SHA-256 of the stored armored key this home last imported (or stored); a row
        #: whose hash differs was re-uploaded through another node and is imported again (gpg merges it)
        self._imported: dict[str, str] = {}
        #: KEK ids this process already told the operator it cannot open (one ERROR line each, not one per mail)
        self._told: set[str] = set()

    @property
    def _sealer(self) -> SecretSealer:
        if self._sealer_made is None:
            self._sealer_made = self._make_sealer()
        return self._sealer_made

    # -- household signing keys ---------------------------------------------------------------
    async def signer(self, code: str) -> str:
        """The fingerprint of the household's signing key, present in this home (see the module docstring)."""
        lock = self._locks.setdefault(code, asyncio.Lock())
        async with lock:  # one make-or-fetch per household in this process
            known = self._stored.get(code)
            now = self._clock()
            if known is not None:
                fpr, checked = known
                if now - checked < RECHECK:
                    return fpr
                if await self._cache.has_secret(fpr):
                    self._stored[code] = (fpr, now)
                    return fpr
            async with self._uow() as uow:
                stored = await uow.keys.household_key(code)
            if stored is not None:
                await self._cached(stored)
                fpr = stored.fingerprint
            else:
                fpr = await self._make(code)
            self._stored[code] = (fpr, now)
            return fpr

    async def _cached(self, key: HouseholdKey) -> None:
        """Make sure this home holds the stored key's secret (import the unsealed key when it does not)."""
        if await self._cache.has_secret(key.fingerprint):
            return
        try:
            secret = self._sealer.unseal(key.sealed, key.household_code, key.fingerprint)  # SealError: refused
        except KeyEncryptionKeyMismatch as exc:
            self._tell(key.sealed.kek_id, exc.detail)
            raise
        await self._cache.import_secret(secret, key.fingerprint)

    def _tell(self, kek_id: str, line: str) -> None:
        """One ERROR line per unknown KEK id and process: a wrong EENPLAN_KEY_ENCRYPTION_KEY is this node's
        configuration, and the operator must see it once and plainly (KEK ids only, never a key)."""
        if kek_id not in self._told:
            self._told.add(kek_id)
            log.error("%s", line)

    async def check_kek(self) -> int:
        """At start: how many household keys are sealed under a KEK this node cannot open; each such KEK id is
        logged once as an ERROR naming the configured ids (the node still starts: other households work)."""
        async with self._uow() as uow:
            counts = await uow.keys.kek_counts()
        sealer = self._sealer
        unknown = {kek: n for kek, n in counts.items() if kek not in sealer.known_ids}
        configured = _configured(sealer)
        for kek, n in sorted(unknown.items()):
            self._tell(
                kek,
                f"the household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY: {n} household key(s) "
                f"are sealed under key-encryption key id {kek}, and {configured}; mail of those households waits "
                "until the right key is set (eenplan keys status lists them)",
            )
        return sum(unknown.values())

    async def _make(self, code: str) -> str:
        """No row yet: make (or find) the key here, store it sealed; if another node stored one first, use that.
        Refused (`KeyEncryptionKeyMismatch`) while the database holds household keys this node cannot open."""
        await self._refuse_under_unknown_kek()
        address = group_address(code, self._mail_domain)
        fpr = await self._cache.ensure_signing_key(address, f"eenplan {code}")
        return await self._store(code, fpr)

    async def _refuse_under_unknown_kek(self) -> None:
        """Before a new household key is sealed: a node whose KEK cannot open the stored household keys is
        misconfigured (a wrong EENPLAN_KEY_ENCRYPTION_KEY), and a key it sealed would open on no correctly set
        node. So it makes none (temporary: once the right key is set, the same mail goes out)."""
        line = await self._unknown_kek_line()
        if line is not None:
            raise KeyEncryptionKeyMismatch(line)

    async def _unknown_kek_line(self) -> str | None:
        """The operator's line when stored household keys are sealed under KEKs this node cannot open (told once
        per KEK id), else None."""
        async with self._uow() as uow:
            counts = await uow.keys.kek_counts()
        sealer = self._sealer
        unknown = sorted(kek for kek in counts if kek not in sealer.known_ids)
        if not unknown:
            return None
        configured = _configured(sealer)
        n = sum(counts[kek] for kek in unknown)
        line = (
            f"the household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY: {n} household key(s) are "
            f"sealed under key-encryption key id {', '.join(unknown)}, and {configured}; this node makes no new "
            "household key until the right key is set (eenplan keys status lists them)"
        )
        for kek in unknown:
            self._tell(kek, line)
        return line

    async def _store(self, code: str, fpr: str) -> str:
        """Seal this home's key `fpr` and insert it as the household's; the stored key's fingerprint (another
        node's when it stored one first: this home then drops its own and imports that one)."""
        key = HouseholdKey(
            code,
            fpr,
            await self._cache.export_public(fpr),
            self._sealer.seal(await self._cache.export_secret(fpr), code, fpr),
            self._clock(),
        )
        async with self._uow(write=True) as uow:
            kept = await uow.keys.add_household_key(key)
            await uow.commit()
        if kept:
            log.info("stored household signing key %s", fpr)
            return fpr
        async with self._uow() as uow:
            winner = await uow.keys.household_key(code)
        if winner is None:  # cannot happen: the conflict was this row
            raise RuntimeError("household key vanished after a conflicting insert")
        if winner.fingerprint != fpr:
            log.info("another node stored household key %s first; dropping %s here", winner.fingerprint, fpr)
            await self._cache.delete_key(fpr)
            await self._cached(winner)
        return winner.fingerprint

    async def rotate(self) -> tuple[int, int]:
        """Re-seal every household key under the current KEK in one transaction; (re-sealed, already current).
        A key that does not open (tampered, unknown KEK) aborts the whole rotation, naming the problem."""
        resealed = unchanged = 0
        async with self._uow(write=True) as uow:
            for key in await uow.keys.household_keys(lock=True):
                fresh = self._sealer.reseal(key.sealed, key.household_code, key.fingerprint)
                if fresh == key.sealed:
                    unchanged += 1
                    continue
                await uow.keys.reseal(key.household_code, key.fingerprint, fresh)
                resealed += 1
            await uow.commit()
        log.info("re-sealed %d household keys under key-encryption key %s", resealed, self._sealer.current_id)
        return resealed, unchanged

    # -- pinned public keys -------------------------------------------------------------------
    async def remember_public(self, uow: UnitOfWork, fingerprint: str) -> None:
        """In the pinning transaction: merge in the stored copy (it may carry a revocation or a subkey uploaded
        through another node, which this home has not seen), then store the key as this home now holds it."""
        fpr = fingerprint.upper()
        stored = await uow.keys.public_key(fpr)
        if stored is not None and self._imported.get(fpr) != _version(stored):
            try:
                await self._cache.import_public(stored, fpr)
            except TemporaryFailure:
                raise
            except Exception as exc:  # a stored copy gpg will not take: the upload at hand replaces it
                log.warning("merging the stored copy of pinned key %s failed: %s", fpr, type(exc).__name__)
        armored = await self._cache.export_public(fpr)
        await uow.keys.put_public_key(fpr, armored, self._clock())
        self._imported[fpr] = _version(armored)  # a rolled-back pin only costs one needless import later

    async def ensure_public(self, fingerprint: str) -> bool:
        """Before encrypting to a pinned key: import the stored copy when this home lacks it or it changed since
        this process last imported it; False when neither the home nor the database has the key."""
        fpr = fingerprint.upper()
        async with self._uow() as uow:
            armored = (await uow.keys.public_keys([fpr])).get(fpr)
        if armored is None:
            return await self._cache.has_public(fpr)  # pinned before the keys moved into the database
        if self._imported.get(fpr) == _version(armored) and await self._cache.has_public(fpr):
            return True
        await self._import(fpr, armored)
        return True

    async def refresh_public(self, fingerprints: Iterable[str]) -> set[str]:
        """Before a wave's key check (the outbox, one household): one query for all the stored copies, and an
        import of each that changed since this process last imported it. Returns the fingerprints whose stored
        copy could not be imported (the caller asks about those one by one, `ensure_public`). A key this home
        lacks altogether is imported too; one it lost after an import is the single check's to rebuild."""
        wanted = sorted({f.upper() for f in fingerprints})
        if not wanted:
            return set()
        async with self._uow() as uow:
            stored = await uow.keys.public_keys(wanted)
        failed: set[str] = set()
        for fpr, armored in stored.items():
            if self._imported.get(fpr) == _version(armored):
                continue
            try:
                await self._import(fpr, armored)
            except Exception as exc:  # the single check retries it and decides (temporary or unusable)
                log.warning("re-importing pinned key %s failed: %s", fpr, type(exc).__name__)
                failed.add(fpr)
        return failed

    async def _import(self, fpr: str, armored: str) -> None:
        """Import (merge) a stored copy into this home and remember its version."""
        await self._cache.import_public(armored, fpr)
        self._imported[fpr] = _version(armored)

    async def backfill(self) -> int:
        """At start-up, what this home holds from before the keys moved into the database: the household keys
        it made (stored sealed, so every node signs with them) and the armored keys of pinned fingerprints;
        returns how many rows were stored."""
        async with self._uow() as uow:
            codes = await uow.keys.codes_without_key()
            missing = await uow.keys.pinned_without_armored()
        stored = 0
        if codes and await self._unknown_kek_line() is None:  # never sealed under a wrong KEK
            mine = await self._cache.secret_key_addresses()
            for code in codes:
                fpr = mine.get(group_address(code, self._mail_domain).lower())
                if fpr is not None:
                    async with self._locks.setdefault(code, asyncio.Lock()):
                        await self._store(code, fpr)
                    stored += 1
        for fpr in missing:
            if not await self._cache.has_public(fpr):
                continue
            async with self._uow(write=True) as uow:
                await self.remember_public(uow, fpr)
                await uow.commit()
            stored += 1
        if stored:
            log.info("stored %d keys from the local keyring", stored)
        return stored


def _configured(sealer: SecretSealer) -> str:
    """The KEKs this node has, by id, for the operator's line (ids only, never a key)."""
    previous = sorted(sealer.known_ids - {sealer.current_id})
    return f"EENPLAN_KEY_ENCRYPTION_KEY has id {sealer.current_id}" + (
        f", EENPLAN_KEY_ENCRYPTION_KEY_PREVIOUS id {previous[0]}" if previous else ""
    )


def _version(armored: str) -> str:
    """The version of a stored public key: the SHA-256 of its armored bytes (a re-upload changes them)."""
    return hashlib.sha256(armored.encode("ascii", "replace")).hexdigest()
