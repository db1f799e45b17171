"""Members' keys: pinning and unpinning them, whether one can receive encrypted mail, the household's signing key.

A person pins their own key (or a regisseur pins one for them, and the person is told by a content-free
notice); with the keys in the database (`HouseholdKeys`, issue 15) every node imports a pinned key before it
encrypts to it, and every node signs with the same household key. Who lacks a usable key is listed by
`MailgroupService.missing_keys` (`mailgroup.py`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from ..domain.access import Principal
from ..domain.betrokkene import Betrokkene
from ..domain.contact_changes import KEY_PINNED_TEXT, KEY_REMOVED_TEXT, is_personal
from ..domain.contact_changes import SUBJECT as CONTACT_SUBJECT
from ..domain.errors import NotFound, TemporaryFailure, ValidationFailed
from ..domain.mailgroup import OutboxKind, PinnedKey, group_address
from ..domain.mailgroup_ports import KeyringPort
from ..domain.ports import UnitOfWork
from .common import Caller, Need, authorised, known_household, require_need
from .household_keys import HouseholdKeys
from .mailgroup_base import MailgroupBase


class MailKeys(MailgroupBase):
    """The mailgroup's keys: pinned keys of the betrokkenen and the household's signing key."""

    @property
    def household_keys(self) -> HouseholdKeys | None:
        """The keys in the database (None: this node's keyring alone), for the other services that pin keys."""
        return self._household_keys

    def _keys(self) -> KeyringPort:
        if self._keyring is None:
            raise ValidationFailed.one("EENPLAN_GNUPGHOME", "no keyring is configured")
        return self._keyring

    @asynccontextmanager
    async def _self_or_regisseur(
        self, principal: Principal, household_id: str, betrokkene_id: str, *, write: bool = False
    ) -> AsyncIterator[Caller]:
        """`authorised` for a key's owner speaking for themself (Need.PERSONAL: not a token a regisseur issued,
        nor a session through an address someone else added), or a regisseur managing another betrokkene's key
        with a credential of her own too (the key decides who can read that person's mail; it names who pinned)."""
        own = principal.betrokkene_id == betrokkene_id
        what = "manage one's own key" if own else "manage another betrokkene's key"
        need = Need.PERSONAL if own else Need.REGISSEUR
        async with authorised(self._uow, principal, household_id, write=write, need=need, what=what) as caller:
            require_need(caller, Need.PERSONAL, what)
            yield caller

    @staticmethod
    async def _key_owner(uow: UnitOfWork, household_id: str, betrokkene_id: str) -> Betrokkene:
        target = await uow.betrokkenen.get(household_id, betrokkene_id)
        if target is None or not target.active:
            raise NotFound("betrokkene not found")
        return target

    async def put_key(self, principal: Principal, household_id: str, betrokkene_id: str, armored: str) -> PinnedKey:
        """Validate an OpenPGP public key and pin it by fingerprint (the betrokkene or a regisseur)."""
        async with self._self_or_regisseur(principal, household_id, betrokkene_id) as caller:
            await self._key_owner(caller.uow, household_id, betrokkene_id)
        info = await self._keys().import_pinned(armored, self._clock())
        key = PinnedKey(
            household_id,
            betrokkene_id,
            info.fingerprint,
            info.algorithm,
            info.expires,
            self._clock(),
            principal.betrokkene_id,
        )
        async with self._self_or_regisseur(principal, household_id, betrokkene_id, write=True) as caller:
            uow = caller.uow
            await self._key_owner(uow, household_id, betrokkene_id)
            await uow.mail.put_key(key)
            if self._household_keys is not None:  # every node can encrypt to it
                await self._household_keys.remember_public(uow, info.fingerprint)
            told = await self._tell_key_owner(uow, principal, household_id, betrokkene_id, KEY_PINNED_TEXT)
            await uow.commit()
        if told:
            self._notify()
        return key

    async def get_key(self, principal: Principal, household_id: str, betrokkene_id: str) -> PinnedKey:
        """The key pinned for a betrokkene (any betrokkene may see fingerprints: they are public)."""
        async with authorised(self._uow, principal, household_id) as caller:
            key = await caller.uow.mail.get_key(household_id, betrokkene_id)
        if key is None:
            raise NotFound("no key pinned for this betrokkene")
        return key

    async def delete_key(self, principal: Principal, household_id: str, betrokkene_id: str) -> None:
        """Unpin a key (the betrokkene or a regisseur); mail falls back to content-free notices."""
        async with self._self_or_regisseur(principal, household_id, betrokkene_id, write=True) as caller:
            uow = caller.uow
            await self._key_owner(uow, household_id, betrokkene_id)
            if not await uow.mail.delete_key(household_id, betrokkene_id):
                raise NotFound("no key pinned for this betrokkene")
            told = await self._tell_key_owner(uow, principal, household_id, betrokkene_id, KEY_REMOVED_TEXT)
            await uow.commit()
        if told:
            self._notify()

    async def _tell_key_owner(
        self, uow: UnitOfWork, principal: Principal, household_id: str, betrokkene_id: str, text: str
    ) -> bool:
        """Someone else pinned or unpinned a person's key: the person is told (a content-free notice)."""
        if is_personal(principal, betrokkene_id):
            return False
        payload = json.dumps({"subject": CONTACT_SUBJECT, "text": text})
        return await uow.mail.enqueue(
            self._row(
                household_id,
                betrokkene_id,
                OutboxKind.NOTICE,
                f"contact:key:{self._clock().isoformat()}",
                payload=payload,
            )
        )

    async def key_usable(self, fingerprint: str) -> bool:
        """Whether the pinned key can receive encrypted mail right now (not expired, revoked or missing)."""
        if self._keyring is None:
            return False
        if self._household_keys is not None:  # pinned or re-uploaded through another node: from the database
            try:
                await self._household_keys.ensure_public(fingerprint)
            except TemporaryFailure:  # storage or gpg unavailable: the caller retries, never falls back
                raise
            except Exception:  # a stored key gpg will not take: unusable, like one it lost
                return False
        try:
            await self._keyring.key_info(fingerprint, self._clock())
            return True
        except ValidationFailed:
            return False
        except Exception:  # KeyNotFound and the like: treat as unusable
            return False

    async def refresh_keys(self, fingerprints: Iterable[str]) -> set[str]:
        """Before a wave's key check: bring this home's copies of pinned keys up to date with the database in one
        query (a key re-uploaded through another node); the fingerprints to ask about one by one (`key_usable`)."""
        if self._household_keys is None:
            return set()
        return await self._household_keys.refresh_public(fingerprints)

    async def signer(self, household_code: str) -> str:
        """The household's signing key (one per household, uid = its group address), made on first use; with
        the keys in the database the same key on every node (`HouseholdKeys.signer`)."""
        if self._household_keys is not None:
            return await self._household_keys.signer(household_code)
        if household_code not in self._signers:
            address = group_address(household_code, self.settings.mail_domain)
            self._signers[household_code] = await self._keys().ensure_signing_key(address, f"eenplan {household_code}")
        return self._signers[household_code]

    async def signing_key(self, principal: Principal, household_id: str) -> dict[str, str]:
        """The household's public signing key, so betrokkenen can verify its mail."""
        async with authorised(self._uow, principal, household_id) as caller:
            household = await known_household(caller.uow, household_id)
        fpr = await self.signer(household.code)
        return {
            "address": group_address(household.code, self.settings.mail_domain),
            "fingerprint": fpr,
            "armored": await self._keys().export_public(fpr),
        }
