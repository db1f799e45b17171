"""Mailgroup use cases: pin keys, keep named groups, queue mail in the caller's transaction, PDF.

Queuing happens inside the transaction that causes it (transactional outbox):
`enqueue_plan_update` is a PlanService version listener and `enqueue_invite`
is the InviteOutbox port overleggen use. Rows hold identifiers only; content
is read, re-authorised, at send time by the outbox worker.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date

from ..domain.access import Actor, Principal
from ..domain.audit import Channel
from ..domain.betrokkene import Betrokkene, MailChoice, is_regisseur
from ..domain.contact_changes import KEY_PINNED_TEXT, KEY_REMOVED_TEXT, is_personal
from ..domain.contact_changes import SUBJECT as CONTACT_SUBJECT
from ..domain.errors import NotFound, TemporaryFailure, ValidationFailed
from ..domain.mailgroup import (
    MailGroup,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    PinnedKey,
    check_slug,
    group_address,
    plan_update_recipients,
)
from ..domain.mailgroup_ports import KeyringPort, PdfRenderer
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.versions import VersionInfo
from .common import Caller, Need, authorised, known_household, require_need
from .household_keys import HouseholdKeys
from .plan import AMSTERDAM, PlanService


@dataclass(frozen=True)
class MailSettings:
    """What the mailgroup needs to know of the deployment."""

    mail_domain: str
    public_url: str
    max_attempts: int = 8
    verp_key: bytes = b""  # keys the VERP return paths (domain.bounces); empty: mail returns to the group address


class MailgroupService:
    """Keys, groups, queuing and the PDF of a household's plan."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        keyring: KeyringPort | None,
        pdf: PdfRenderer,
        clock: Clock,
        new_id: IdFactory,
        settings: MailSettings,
        household_keys: HouseholdKeys | None = None,
    ) -> None:
        self._uow = uow
        #: the keys in the database (issue 15); None: this node's keyring alone, as before
        self._household_keys = household_keys
        self._plan = plan
        self._keyring = keyring
        self._pdf = pdf
        self._clock = clock
        self._new_id = new_id
        self.settings = settings
        self._signers: dict[str, str] = {}
        #: called after rows were queued (the in-process worker wakes up)
        self.on_enqueued: list[Callable[[], None]] = []

    # -- keys ---------------------------------------------------------------------------------
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

    async def missing_keys(self, principal: Principal, household_id: str) -> list[dict[str, Any]]:
        """Who does not receive encrypted mail, and why (regisseur): no e-mail, no key, or an unusable key."""
        now = self._clock()
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="list who lacks a key"
        ) as caller:
            uow = caller.uow
            members = await uow.betrokkenen.list(household_id)
            keys = {k.betrokkene_id: k for k in await uow.mail.list_keys(household_id)}
        out = []
        for b in members:
            key = keys.get(b.id)
            reason = None
            if not b.email:
                reason = "geen e-mailadres"
            elif b.mail_choice is MailChoice.MELDINGEN:
                reason = "kiest alleen meldingen"
            elif key is None:
                reason = "geen sleutel"
            elif not await self.key_usable(key.fingerprint):
                reason = "sleutel onbruikbaar (verlopen of ingetrokken)"
            elif key.expires_at is not None and (key.expires_at - now).days < 30:
                reason = "sleutel verloopt binnen 30 dagen"
            if reason:
                out.append(
                    {
                        "betrokkene_id": b.id,
                        "name": b.name,
                        "reason": reason,
                        "fingerprint": key.fingerprint if key else None,
                    }
                )
        return out

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

    # -- groups -------------------------------------------------------------------------------
    async def groups(self, principal: Principal, household_id: str) -> tuple[str, list[MailGroup]]:
        """The default group's address and the named groups."""
        async with authorised(self._uow, principal, household_id) as caller:
            uow = caller.uow
            household = await known_household(uow, household_id)
            return household.code, await uow.mail.list_groups(household_id)

    async def add_group(
        self, principal: Principal, household_id: str, slug: str, name: str, members: list[str], plan_updates: bool
    ) -> MailGroup:
        """Create a named subset (regisseur); with plan_updates it receives plan mail instead of everyone."""
        check_slug(slug)
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="manage mail groups"
        ) as caller:
            require_need(caller, Need.PERSONAL, "manage mail groups")  # who receives plan mail: her decision
            uow = caller.uow
            known = {b.id for b in await uow.betrokkenen.list(household_id)}
            unknown = [m for m in members if m not in known]
            if unknown:
                raise ValidationFailed.one("members", f"{len(unknown)} id(s) are not betrokkenen of this household")
            if any(g.slug == slug for g in await uow.mail.list_groups(household_id)):
                raise ValidationFailed.one("slug", "is already used by another group")
            group = MailGroup(
                self._new_id(), household_id, slug, name, False, tuple(sorted(set(members))), self._clock()
            )
            await uow.mail.add_group(group)
            if plan_updates:
                await uow.mail.set_plan_group(household_id, group.id)
                group = await uow.mail.get_group(household_id, group.id) or group  # now with plan_updates
            await uow.commit()
            return group

    async def delete_group(self, principal: Principal, household_id: str, group_id: str) -> None:
        """Remove a named group (regisseur); plan mail then goes to the default group again."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="manage mail groups"
        ) as caller:
            require_need(caller, Need.PERSONAL, "manage mail groups")  # who receives plan mail: her decision
            uow = caller.uow
            if not await uow.mail.delete_group(household_id, group_id):
                raise NotFound("mail group not found")
            await uow.commit()

    # -- queuing (inside the caller's transaction) --------------------------------------------
    def _row(
        self,
        household_id: str,
        recipient_id: str,
        kind: OutboxKind,
        dedupe_key: str,
        *,
        version: int | None = None,
        group_id: str | None = None,
        payload: str | None = None,
    ) -> OutboxItem:
        now = self._clock()
        return OutboxItem(
            self._new_id(),
            household_id,
            recipient_id,
            kind,
            dedupe_key,
            version,
            group_id,
            OutboxStatus.QUEUED,
            0,
            now,
            now,
            payload=payload,
        )

    def _notify(self) -> None:
        """Wake the in-process workers now: for rows this service has just committed itself."""
        for wake in self.on_enqueued:
            wake()

    def wake_after_commit(self, uow: UnitOfWork) -> None:
        """Wake the in-process workers once `uow` commits the rows queued in it: not before (a worker woken
        early finds nothing and sleeps a whole poll interval), never if it rolls back."""
        uow.on_commit(self._notify)

    async def enqueue_plan_update(self, uow: UnitOfWork, actor: Actor, info: VersionInfo) -> None:
        """VersionListener: one outbox row per recipient of the new version, in the version's transaction."""
        members = await uow.betrokkenen.list(actor.household_id)
        recipients, group = plan_update_recipients(members, await uow.mail.list_groups(actor.household_id))
        for b in recipients:
            await uow.mail.enqueue(
                self._row(
                    actor.household_id,
                    b.id,
                    OutboxKind.PLAN_UPDATE,
                    f"v{info.number}",
                    version=info.number,
                    group_id=group.id if group else None,
                )
            )
        if recipients:
            self.wake_after_commit(uow)

    async def enqueue_invite(
        self,
        uow: UnitOfWork,
        household_id: str,
        recipient_id: str,
        method: str,
        ics: bytes,
        agenda: str,
        dedupe_key: str,
        *,
        clear_ics: bytes | None = None,
        uninvited: bool = False,
    ) -> None:
        """InviteOutbox: queue an overleg invite; the full .ics and the agenda go only encrypted, `clear_ics`
        (organizer and recipient only) is the one a cleartext notice may carry."""
        if method not in ("REQUEST", "CANCEL"):
            raise ValidationFailed.one("method", "must be REQUEST or CANCEL")
        for name, data in (("ics", ics), ("clear_ics", clear_ics)):
            if (data is not None or name == "ics") and (
                not isinstance(data, bytes) or not data.startswith(b"BEGIN:VCALENDAR")
            ):
                raise ValidationFailed.one(name, "must be an iCalendar object")
        if not dedupe_key or len(dedupe_key) > 200:
            raise ValidationFailed.one("dedupe_key", "must be 1-200 characters")
        payload = json.dumps(
            {
                "method": method,
                "ics": base64.b64encode(ics).decode("ascii"),
                "ics_clear": None if clear_ics is None else base64.b64encode(clear_ics).decode("ascii"),
                "uninvited": uninvited,
                "agenda": agenda,
            }
        )
        await uow.mail.enqueue(self._row(household_id, recipient_id, OutboxKind.INVITE, dedupe_key, payload=payload))
        self.wake_after_commit(uow)

    async def enqueue_signin_link(self, household_id: str, recipient_id: str, url: str) -> None:
        """Queue a magic sign-in link for one betrokkene (sent encrypted when they have a usable key).

        The link is a credential: it waits in the outbox row until sent, is single use, and expires
        after 10 minutes (the row's dedupe key is a hash of it, never the link itself).
        """
        digest = hashlib.sha256(url.encode()).hexdigest()[:32]
        async with self._uow(write=True) as uow:
            await uow.mail.enqueue(
                self._row(
                    household_id,
                    recipient_id,
                    OutboxKind.SIGNIN_LINK,
                    f"link:{digest}",
                    payload=json.dumps({"link": url}),
                )
            )
            await uow.commit()
        self._notify()

    async def enqueue_expiry_warnings(self) -> int:
        """Queue one content-free warning per key expiring within 30 days, to its owner and the regisseurs."""
        from datetime import timedelta

        from ..domain.mailgroup import EXPIRY_WARNING_DAYS

        now = self._clock()
        queued = 0
        async with self._uow(write=True) as uow:
            for key in await uow.mail.keys_expiring_before(now + timedelta(days=EXPIRY_WARNING_DAYS)):
                members = await uow.betrokkenen.list(key.household_id)
                targets = {key.betrokkene_id} | {b.id for b in members if is_regisseur(b.role)}
                for rid in sorted(targets):
                    if await uow.mail.enqueue(
                        self._row(
                            key.household_id, rid, OutboxKind.KEY_EXPIRY, f"{key.betrokkene_id}:{key.fingerprint}"
                        )
                    ):
                        queued += 1
                await uow.mail.mark_key_warned(key.household_id, key.betrokkene_id, now)
            await uow.commit()
        if queued:
            self._notify()
        return queued

    # -- outbox view --------------------------------------------------------------------------
    async def outbox(
        self, principal: Principal, household_id: str, status: OutboxStatus | None, limit: int = 100
    ) -> list[OutboxItem]:
        """The household's outbox rows (regisseur): dead letters with their recorded error, etc."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="see the outbox") as caller:
            return await caller.uow.mail.list_outbox(household_id, status, limit)

    async def requeue(self, principal: Principal, household_id: str, item_id: str) -> None:
        """Give a dead letter a fresh set of attempts (regisseur)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="retry mail"
        ) as caller:
            uow = caller.uow
            if not await uow.mail.requeue(household_id, item_id, self._clock()):
                raise NotFound("no dead letter with this id")
            await uow.commit()
        self._notify()

    # -- PDF ----------------------------------------------------------------------------------
    async def render_pdf(
        self, household_name: str, info: VersionInfo, sections: Mapping[str, str], names: Mapping[str, str]
    ) -> bytes:
        """A scoped snapshot as PDF, rendered off the event loop."""
        parsed = {k: json.loads(v) for k, v in sections.items()}
        made = format_date(info.created_at.astimezone(AMSTERDAM).date(), "EEEE d MMMM y", locale="nl")  # in words
        subtitle = f"{household_name} - versie {info.number} van {made}" + (
            " (vastgesteld)" if info.vastgesteld_at else ""
        )
        return await asyncio.to_thread(
            self._pdf.render, title=f"Plan - versie {info.number}", subtitle=subtitle, sections=parsed, names=names
        )

    async def plan_pdf(self, principal: Principal, household_id: str) -> bytes:
        """The caller's scoped current plan as PDF; read on the PDF channel (a disclosure)."""
        snapshot = await self._plan.current(principal, household_id, channel=Channel.PDF)
        async with self._uow() as uow:
            household = await known_household(uow, household_id)
            names = {b.id: b.name for b in await uow.betrokkenen.list(household_id)}
        return await self.render_pdf(household.name, snapshot.info, snapshot.sections, names)
