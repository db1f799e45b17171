"""What one household's rows share while a claim works them, and how their mail is addressed.

A household's context is read once per claim: its members (removed ones too), their keys (checked in one
gpg call), the addresses that bounce, its signing key and that key's Autocrypt keydata (exported once per
`AUTOCRYPT_SECONDS`, not on every batch). Each row's envelope (stable Message-ID, List-Id, VERP return
path) and the links its mail carries are made here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.betrokkene import Betrokkene
from ..domain.bounces import return_path
from ..domain.errors import NotFound
from ..domain.household import Household
from ..domain.invite_mail import invite_overleg_id
from ..domain.mailgroup import OutboxItem, OutboxKind, group_address, list_code
from ..domain.mailgroup_ports import Envelope, KeyringPort, MailGateway
from ..domain.pages import HouseholdPage
from ..domain.ports import Clock, UnitOfWorkFactory
from .bounces import BounceService
from .mailgroup import MailgroupService

#: how long a household signing key's Autocrypt keydata is reused before it is exported again
AUTOCRYPT_SECONDS = 600.0


def _normal(fpr: str) -> str:
    """A fingerprint as the keyring spells it (upper case, no spaces)."""
    return fpr.replace(" ", "").upper()


@dataclass
class HouseholdContext:
    """One household as its claimed rows need it: members, keys, signer, and what a wave reads ahead."""

    household: Household
    members: dict[str, Betrokkene]
    keys: dict[str, str]
    signer: str
    autocrypt: str | None
    bouncing: set[str] = field(default_factory=set)  # betrokkenen whose address is disabled (bounces)
    usable: dict[str, bool] = field(default_factory=dict)
    pdfs: dict[str, asyncio.Future[bytes]] = field(default_factory=dict)  # per scoped snapshot: its PDF, once
    #: per plan-update row of the wave being prepared: the version and view last sent to its recipient
    last_sent: dict[str, tuple[int, str | None] | None] = field(default_factory=dict)


class HouseholdMail:
    """Reads a household's context for its rows, and addresses their mail (envelopes, links)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        mailgroup: MailgroupService,
        gateway: MailGateway,
        keyring: KeyringPort,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._mail = mailgroup
        self._gateway = gateway
        self._keyring = keyring
        self._clock = clock
        self._autocrypt_cache: dict[str, tuple[float, str | None]] = {}  # signer → (when exported, keydata)

    async def context(self, household_id: str) -> HouseholdContext:
        """The household's members, keys and signer for its claimed rows (NotFound: it was deleted)."""
        async with self._uow() as uow:
            household = await uow.households.get(household_id)
            # removed ones too: a content-free notice names its address and reaches a removed person (issue 10)
            members = {b.id: b for b in await uow.betrokkenen.list(household_id, include_removed=True)}
            keys = {k.betrokkene_id: k.fingerprint for k in await uow.mail.list_keys(household_id)}
            bouncing = await BounceService.disabled_in(uow, household_id, {b.id: b.email for b in members.values()})
        if household is None:  # deleted since its rows were queued: the rows are retried, then dead-lettered
            raise NotFound("household")
        signer = await self._mail.signer(household.code)
        ctx = HouseholdContext(household, members, keys, signer, await self._autocrypt(signer), bouncing)
        try:  # the household's keys in one gpg call; a key the keyring lacks is asked about alone (`usable`)
            stale = await self._mail.refresh_keys(keys.values())  # re-uploaded through another node: one query
            fresh = [f for f in keys.values() if _normal(f) not in stale]
            held = await self._keyring.usable_among(fresh, self._clock())
        except Exception:  # the batch is a shortcut: without it, each key is asked about alone
            held = {}
        ctx.usable = {fpr: held[_normal(fpr)] for fpr in keys.values() if _normal(fpr) in held}
        return ctx

    async def _autocrypt(self, signer: str) -> str | None:
        """The Autocrypt keydata of a household's signing key, exported once per AUTOCRYPT_SECONDS rather than
        by a gpg call on every batch (a fingerprint names one key; only a renewed expiry would change it)."""
        now = time.monotonic()
        cached = self._autocrypt_cache.get(signer)
        if cached is not None and now - cached[0] < AUTOCRYPT_SECONDS:
            return cached[1]
        try:
            keydata: str | None = await self._keyring.autocrypt_keydata(signer)
        except Exception:  # the header is a courtesy; mail goes without it (and asks again next batch)
            return None
        if len(self._autocrypt_cache) >= 1024:  # households seen by this process: bounded
            self._autocrypt_cache.clear()
        self._autocrypt_cache[signer] = (now, keydata)
        return keydata

    def envelope(self, ctx: HouseholdContext, item: OutboxItem, person: Betrokkene, subject: str) -> Envelope:
        """A row's envelope: from the household's group address, with a Message-ID stable across resends."""
        domain = self._mail.settings.mail_domain
        stable = (
            f"{item.household_id}:v{item.version}"
            if item.kind is OutboxKind.PLAN_UPDATE
            else f"{item.household_id}:{item.kind.value}:{item.dedupe_key}"
        )
        return Envelope(
            from_addr=group_address(ctx.household.code, domain),
            from_name="eenplan",
            to_addr=person.email or "",
            subject=subject,
            message_id=self._gateway.message_id(stable, item.recipient_id),
            list_id=self._gateway.list_id(list_code(ctx.household.code)),
            date=self._clock(),
            autocrypt_keydata=ctx.autocrypt,
            return_path=(
                return_path(self._mail.settings.verp_key, person.id, person.email, domain)
                if self._mail.settings.verp_key and person.email
                else None
            ),
        )

    async def usable(self, ctx: HouseholdContext, person_id: str) -> str | None:
        """The person's key fingerprint if mail may be encrypted to it, else None (a content-free notice)."""
        fpr = ctx.keys.get(person_id)
        if fpr is None:
            return None
        if fpr not in ctx.usable:
            ctx.usable[fpr] = await self._mail.key_usable(fpr)
        return fpr if ctx.usable[fpr] else None

    def link(self, household_id: str) -> str:
        """The household's start page (sign-in first)."""
        return f"{self._mail.settings.public_url}/huishoudens/{household_id}"

    def invite_link(self, household_id: str, payload: Mapping[str, Any]) -> str:
        """Where an invite leads: the overleg's own page (sign-in first), where one answers; the household's
        start page for a row whose .ics names no overleg."""
        overleg_id = invite_overleg_id(payload)
        base = self.link(household_id)
        return f"{base}/{HouseholdPage.OVERLEGGEN.value}/{overleg_id}" if overleg_id else base

    def plan_link(self, household_id: str) -> str:
        """Where a plan update leads: the household's "Ons plan" page (sign-in first, then straight there)."""
        return f"{self.link(household_id)}/{HouseholdPage.PLAN.value}"
