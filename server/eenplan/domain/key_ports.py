"""Ports of the keys in the database (issue 15): the rows, the node's GnuPG home as their cache, and the sealer.

The database holds each household's signing key (the public key armored, the secret key only sealed under
the key-encryption key) and the armored public key of every pinned fingerprint; a node's GnuPG home is
rebuilt from them. `services.household_keys` connects the three; bootstrap wires the adapters
(`storage.key_repository`, `eenplan_crypto.keyring.Keyring`, `eenplan_crypto.sealing.KeySealer`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .errors import TemporaryFailure


class KeyEncryptionKeyMismatch(TemporaryFailure):
    """The household keys cannot be opened with this EENPLAN_KEY_ENCRYPTION_KEY: a configuration error of this
    node (another or no previous KEK), not a fault of the key or the mail. Temporary: once the operator sets the
    right key and restarts, the same rows go out; never a reason to give mail up (a dead letter)."""

    kind = "key-encryption-key"


@dataclass(frozen=True)
class SealedSecret:
    """A secret as the database keeps it: sealed bytes and the id (a short hash) of the KEK they are sealed under."""

    blob: bytes
    kek_id: str


@dataclass(frozen=True)
class HouseholdKey:
    """A household's signing key as stored: fingerprint, public key (armored) and the sealed secret key."""

    household_code: str
    fingerprint: str
    public_armored: str
    sealed: SealedSecret
    created_at: datetime


class KeyStore(Protocol):
    """Household keys and pinned public keys, inside one unit of work."""

    async def household_key(self, code: str) -> HouseholdKey | None: ...
    async def add_household_key(self, key: HouseholdKey) -> bool:
        """Insert unless the household already has a key (two nodes racing); True when this one was kept."""
        ...

    async def household_keys(self, *, lock: bool = False) -> list[HouseholdKey]: ...
    async def kek_counts(self) -> dict[str, int]:
        """How many household keys are sealed under each KEK id (the start-up check of the configured KEK)."""
        ...

    async def reseal(self, code: str, fingerprint: str, sealed: SealedSecret) -> bool: ...
    async def public_key(self, fingerprint: str) -> str | None: ...
    async def public_keys(self, fingerprints: Iterable[str]) -> dict[str, str]:
        """The stored armored keys of several fingerprints (upper case) at once; absent ones are left out."""
        ...

    async def put_public_key(self, fingerprint: str, armored: str, at: datetime) -> None: ...
    async def codes_without_key(self, limit: int = 1000) -> list[str]:
        """Codes of households that have no signing key stored (yet)."""
        ...

    async def pinned_without_armored(self, limit: int = 1000) -> list[str]:
        """Pinned fingerprints (betrokkenen, aanspreekpunten) whose armored key the database does not hold yet."""
        ...


class KeyCache(Protocol):
    """A node's GnuPG home as a cache of the database (eenplan_crypto.keyring.Keyring satisfies it)."""

    async def has_secret(self, fpr: str) -> bool: ...
    async def has_public(self, fpr: str) -> bool: ...
    async def export_secret(self, fpr: str) -> bytes: ...
    async def export_public(self, fpr: str) -> str: ...
    async def import_secret(self, secret: bytes, fpr: str) -> None: ...
    async def import_public(self, armored: str, fpr: str) -> None: ...
    async def delete_key(self, fpr: str) -> None: ...
    async def ensure_signing_key(self, uid_email: str, name: str) -> str: ...
    async def secret_key_addresses(self) -> dict[str, str]: ...


class SecretSealer(Protocol):
    """Seals a secret key under the current KEK, bound to its household and fingerprint (eenplan_crypto.sealing)."""

    @property
    def current_id(self) -> str: ...
    @property
    def known_ids(self) -> frozenset[str]:
        """The ids of every KEK this sealer opens (current and, during a rotation, previous)."""
        ...

    def seal(self, secret: bytes, household: str, fingerprint: str) -> SealedSecret: ...
    def unseal(self, sealed: SealedSecret, household: str, fingerprint: str) -> bytes: ...
    def reseal(self, sealed: SealedSecret, household: str, fingerprint: str) -> SealedSecret: ...
