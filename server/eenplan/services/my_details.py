"""Mijn gegevens (issue 12): a person's own record in one household — contact details, reachable days, OpenPGP
key and what plan mail brings them — and the few changes they make to it themself.

Every use case acts on the caller's own betrokkene only (`principal.betrokkene_id`), and every change needs a
credential the person holds themself (Need.PERSONAL); changing anything else
(name, kind, role, birth date, someone else's details) is the regisseur's, through `BetrokkeneService`.
The e-mail address is not changed here: that is the confirmation flow of `services.contact_changes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.access import Principal
from ..domain.betrokkene import PHONE_PATTERN, WEEKDAYS, Betrokkene, MailChoice
from ..domain.errors import NotFound, ValidationFailed
from ..domain.mailgroup import PinnedKey
from ..domain.ports import UnitOfWorkFactory
from .betrokkenen import BetrokkeneService
from .common import Need, authorised
from .mailgroup import MailgroupService

_PHONE = re.compile(PHONE_PATTERN)


@dataclass(frozen=True)
class MyDetails:
    """What "Mijn gegevens" shows: the caller's own record, their pinned key and whether it can receive mail."""

    me: Betrokkene
    key: PinnedKey | None
    key_usable: bool

    @property
    def gets_plan(self) -> bool:
        """Whether the next plan update brings this person the plan itself (encrypted), not only a notice."""
        return self.me.wants_plan_by_mail and self.key_usable and bool(self.me.email)


def checked_phone(value: str | None) -> str | None:
    """A phone number as recorded (None when left empty), or ValidationFailed naming `phone`."""
    phone = (value or "").strip()
    if not phone:
        return None
    if not _PHONE.match(phone):
        raise ValidationFailed.one("phone", "must be 6-30 digits, spaces, brackets or dashes, optionally after +")
    return phone


def checked_days(values: Iterable[str]) -> tuple[str, ...]:
    """Reachable days in week order (ma … zo), or ValidationFailed naming `reachable_days`."""
    chosen = set(values)
    if chosen - set(WEEKDAYS):
        raise ValidationFailed.one("reachable_days", "must be days of the week: " + ", ".join(WEEKDAYS))
    return tuple(d for d in WEEKDAYS if d in chosen)


def checked_choice(value: str) -> MailChoice:
    """The mail choice, or ValidationFailed naming `mail_choice`."""
    try:
        return MailChoice(value)
    except ValueError:
        raise ValidationFailed.one("mail_choice", "must be 'plan' or 'meldingen'") from None


class MyDetailsService:
    """The caller's own record in a household (any role): read it, change what is theirs to change."""

    def __init__(self, uow: UnitOfWorkFactory, betrokkenen: BetrokkeneService, mail: MailgroupService) -> None:
        self._uow = uow
        self._betrokkenen = betrokkenen  # the one place a record changes (its rules, its notices)
        self._mail = mail  # the one place a key is pinned (its rule: the owner or a regisseur)

    async def view(self, principal: Principal, household_id: str) -> MyDetails:
        """The caller's own record and key (no plan content: nothing to access-log)."""
        async with authorised(self._uow, principal, household_id) as caller:
            me = await caller.uow.betrokkenen.get(household_id, principal.betrokkene_id)
            key = await caller.uow.mail.get_key(household_id, principal.betrokkene_id)
        if me is None or not me.active:  # authorised already said 404 for a non-member
            raise NotFound("betrokkene not found")
        usable = key is not None and await self._mail.key_usable(key.fingerprint)
        return MyDetails(me, key, usable)

    async def _speaks_for_themself(self, principal: Principal, household_id: str, what: str) -> None:
        """Forbidden unless the credential is the person's own (Need.PERSONAL): a token a regisseur issued or a
        session through an address someone else added may read this page, not change what is the person's."""
        async with authorised(self._uow, principal, household_id, need=Need.PERSONAL, what=what):
            pass

    async def change_contact(
        self, principal: Principal, household_id: str, phone: str | None, reachable_days: Iterable[str]
    ) -> Betrokkene:
        """Change one's own phone number and reachable days (nothing else: the use case takes nothing else)."""
        fields = {"phone": checked_phone(phone), "reachable_days": checked_days(reachable_days)}
        await self._speaks_for_themself(principal, household_id, "change one's own contact details")
        return await self._betrokkenen.update(principal, household_id, principal.betrokkene_id, fields)

    async def choose_mail(self, principal: Principal, household_id: str, choice: str) -> Betrokkene:
        """Say what plan mail brings oneself: the plan encrypted, or only a content-free notice."""
        fields = {"mail_choice": checked_choice(choice)}
        await self._speaks_for_themself(principal, household_id, "choose one's own plan mail")
        return await self._betrokkenen.update(principal, household_id, principal.betrokkene_id, fields)

    async def put_key(self, principal: Principal, household_id: str, armored: str) -> PinnedKey:
        """Pin one's own OpenPGP public key (checked by the keyring before gpg sees it)."""
        return await self._mail.put_key(principal, household_id, principal.betrokkene_id, armored)

    async def remove_key(self, principal: Principal, household_id: str) -> None:
        """Unpin one's own key; plan mail falls back to content-free notices."""
        await self._mail.delete_key(principal, household_id, principal.betrokkene_id)
