"""Betrokkenen use cases: list, add, change and remove the people involved with a household."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ..domain.access import Principal
from ..domain.betrokkene import Betrokkene, Kind, Role, is_regisseur, may_share_address, role_fits_kind
from ..domain.consent import consent_relevant
from ..domain.contact_changes import same_address
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.names import by_name
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, require_need
from .consent import ConsentService
from .contact_changes import ContactChanges
from .people import forget_if_unreached


def _check(b: Betrokkene, today: date) -> None:
    if not role_fits_kind(b.kind, b.role):
        raise ValidationFailed.one("role", f"'{b.role.value}' does not fit kind '{b.kind.value}'")
    if b.birth_date and b.birth_date > today:
        raise ValidationFailed.one("birth_date", "is in the future")
    if b.role is Role.JEUGDIGE and b.birth_date is None:
        raise ValidationFailed.one("birth_date", "is required for a jeugdige (the consent rules depend on age)")


async def _check_shared_address(uow: UnitOfWork, b: Betrokkene) -> None:
    """Refuse an address another active betrokkene of the household signs in with, when their kinds may not
    share one (domain.betrokkene.may_share_address)."""
    if not b.email:
        return
    for other in await uow.betrokkenen.list(b.household_id):
        if other.id != b.id and same_address(other.email, b.email) and not may_share_address(other.kind, b.kind):
            raise ValidationFailed.one(
                "email",
                "this address belongs to someone else here who is not a klant or network member like them; "
                "every professional signs in with an address of their own",
            )


#: Kept by the operator (`eenplan aanspreekpunt add`) and involved by the stagnation ladder, never through the API.
OPERATOR_ROLES = frozenset({Role.AANSPREEKPUNT})
OPERATOR_ROLE = "the gemeentelijk aanspreekpunt is kept by the operator and involved on escalation, not recorded here"


def _check_new_role(b: Betrokkene) -> None:
    if b.role in OPERATOR_ROLES:
        raise ValidationFailed.one("role", OPERATOR_ROLE)


def _check_operator_kept(found: Betrokkene) -> None:
    """The aanspreekpunt's record is the operator's: a household's regisseur neither edits nor removes it
    (removing it would leave a case at step 4 that nobody can act on)."""
    if found.role in OPERATOR_ROLES:
        raise Forbidden(OPERATOR_ROLE)


def _check_change(principal: Principal, found: Betrokkene, updated: Betrokkene) -> None:
    """What a change of kind or role may never do (issue 10): make a professional a klant or back — a person
    is one or the other, so the regisseur could otherwise become the klant —, be made by the person
    themself, or touch the operator's aanspreekpunt."""
    if (found.kind is Kind.PROFESSIONAL) != (updated.kind is Kind.PROFESSIONAL):
        raise ValidationFailed.one(
            "kind", "a professional never becomes a klant or netwerk member, nor back: record a new betrokkene instead"
        )
    # "themself" is the credential's subject and whoever really holds it (a token someone else issued)
    themself = {principal.betrokkene_id, principal.issued_by or principal.betrokkene_id}
    if found.id in themself and (found.kind, found.role) != (updated.kind, updated.role):
        field = "kind" if found.kind != updated.kind else "role"
        raise ValidationFailed.one(field, "nobody changes their own kind or role: another regisseur records it")
    if found.role != updated.role and {found.role, updated.role} & OPERATOR_ROLES:
        raise ValidationFailed.one("role", OPERATOR_ROLE)


#: What a betrokkene may change about themself; kind, role and birth date (which decides who must
#: consent) are the regisseur's to record. The mail choice is the person's own (what plan mail brings them).
SELF_SERVICE = frozenset({"name", "email", "phone", "reachable_days", "mail_choice"})
#: Of those, what only the person's own credential changes (Need.PERSONAL, as on Mijn gegevens): a token a
#: regisseur issued, or a session through an address someone else added, does not speak for the person — not
#: even for their name. The e-mail address has its own rule (someone else's change waits for the person:
#: services.contact_changes). A regisseur still changes anyone's, her own included.
PERSONAL_FIELDS = frozenset({"name", "phone", "reachable_days", "mail_choice"})


class BetrokkeneService:
    """The people involved with a household, kept by its regisseur."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        consent: ConsentService | None = None,
        contacts: ContactChanges | None = None,
    ) -> None:
        self._consent = consent  # re-opens consent a change to the people matters for (same transaction)
        self._contacts = contacts  # someone else's change of a sign-in address waits for the person
        self._uow = uow
        self._clock = clock
        self._new_id = new_id

    async def list(self, principal: Principal, household_id: str) -> list[Betrokkene]:
        """The household's active betrokkenen: the contact list every betrokkene may see, in name order (the
        betrokkenen page, the API's list and every form that offers people to choose from)."""
        async with authorised(self._uow, principal, household_id) as caller:
            return by_name(await caller.uow.betrokkenen.list(household_id))

    async def get(self, principal: Principal, household_id: str, betrokkene_id: str) -> Betrokkene:
        """One active betrokkene."""
        async with authorised(self._uow, principal, household_id) as caller:
            found = await caller.uow.betrokkenen.get(household_id, betrokkene_id)
            if found is None or not found.active:
                raise NotFound("betrokkene not found")
            return found

    async def add(self, principal: Principal, household_id: str, fields: dict[str, Any]) -> Betrokkene:
        """Record a new betrokkene (regisseurs only)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="add betrokkenen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "add betrokkenen")  # who may see what changes, in her name
            uow, actor = caller.uow, caller.actor
            b = Betrokkene(id=self._new_id(), household_id=household_id, created_at=self._clock(), **fields)
            _check(b, self._clock().date())
            _check_new_role(b)
            await _check_shared_address(uow, b)
            await uow.betrokkenen.add(b)
            if self._consent is not None:
                await self._consent.reopen_after_change(uow, None, b, actor)
            await uow.commit()
            return b

    async def update(
        self, principal: Principal, household_id: str, betrokkene_id: str, fields: dict[str, Any]
    ) -> Betrokkene:
        """Change recorded details: a regisseur any betrokkene's, everyone their own contact details (name,
        phone, reachable days and mail choice only with a credential of their own: Need.PERSONAL)."""
        others = betrokkene_id != principal.betrokkene_id or bool(set(fields) - SELF_SERVICE)
        async with authorised(
            self._uow,
            principal,
            household_id,
            write=True,
            need=Need.REGISSEUR if others else Need.MEMBER,
            what="change another betrokkene's details or anyone's role",
        ) as caller:
            uow, actor = caller.uow, caller.actor
            if others:  # the regisseur's act: a role (who may see what), re-opened consent name her
                require_need(caller, Need.PERSONAL, "change another betrokkene's details or anyone's role")
            personal = sorted(set(fields) & PERSONAL_FIELDS)
            if not others and personal and not is_regisseur(actor.role):  # a regisseur may change anyone's
                require_need(caller, Need.PERSONAL, "change one's own " + ", ".join(personal))
            found = await uow.betrokkenen.get(household_id, betrokkene_id)
            if found is None or not found.active:
                raise NotFound("betrokkene not found")
            if found.id != principal.betrokkene_id:
                _check_operator_kept(found)
            updated = replace(found, **fields)
            _check(updated, self._clock().date())
            _check_change(principal, found, updated)
            await _check_shared_address(uow, updated)
            if is_regisseur(found.role) and not is_regisseur(updated.role):
                await self._keep_a_regisseur(uow, household_id, betrokkene_id)
            updated = await self._sign_in_address(uow, principal, found, updated, "email" in fields)
            await uow.betrokkenen.update(updated)
            if not same_address(found.email, updated.email):
                await forget_if_unreached(uow, found.email, self._clock())  # the old address left its person
            if self._consent is not None:
                changed = await self._consent.reopen_after_change(uow, found, updated, actor)
                if self._contacts is not None:  # whoever lost their say in a request is told
                    await self._contacts.tell_consenters_changed(uow, changed.dropped)
            if self._contacts is not None and _told_of_change(principal, found, updated):
                await self._contacts.tell_record_changed(uow, updated)
            await uow.commit()
        if self._contacts is not None:
            self._contacts.wake()
        return updated

    async def remove(self, principal: Principal, household_id: str, betrokkene_id: str) -> None:
        """End a betrokkene's involvement: their credentials stop working at once; history keeps their name."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="remove betrokkenen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "remove betrokkenen")  # who may see what changes, in her name
            uow, actor = caller.uow, caller.actor
            found = await uow.betrokkenen.get(household_id, betrokkene_id)
            if found is None or not found.active:
                raise NotFound("betrokkene not found")
            _check_operator_kept(found)
            if is_regisseur(found.role):
                await self._keep_a_regisseur(uow, household_id, betrokkene_id)
            await uow.betrokkenen.update(replace(found, removed_at=self._clock()))
            await forget_if_unreached(uow, found.email, self._clock())
            if self._consent is not None:
                changed = await self._consent.reopen_after_change(uow, found, None, actor)
                if self._contacts is not None:  # whoever lost their say in a request is told
                    await self._contacts.tell_consenters_changed(uow, changed.dropped)
            if self._contacts is not None:
                await self._contacts.tell_removed(uow, found)  # nobody is removed (and replaced) silently
            await uow.commit()
        if self._contacts is not None:
            self._contacts.wake()

    async def _sign_in_address(
        self, uow: UnitOfWork, principal: Principal, found: Betrokkene, updated: Betrokkene, asked: bool
    ) -> Betrokkene:
        """`updated` with the e-mail address that may take effect now (services.contact_changes decides:
        the person's own change at once, someone else's only once the person confirms)."""
        if self._contacts is None or not asked:
            return updated
        if same_address(found.email, updated.email) and not await uow.auth.email_unconfirmed(found.id):
            return updated  # the same channel (at most spelled differently)
        return replace(updated, email=await self._contacts.change_email(uow, found, updated.email, principal))

    @staticmethod
    async def _keep_a_regisseur(uow: UnitOfWork, household_id: str, leaving_id: str) -> None:
        others = [b for b in await uow.betrokkenen.list(household_id) if b.id != leaving_id and is_regisseur(b.role)]
        if not others:
            raise ValidationFailed.one("role", "a household keeps at least one regisseur")


def _told_of_change(principal: Principal, found: Betrokkene, updated: Betrokkene) -> bool:
    """Whether a klant is told of this change: someone else changed their kind, role or birth date."""
    return (
        Kind.KLANT in (found.kind, updated.kind)
        and found.id != principal.betrokkene_id
        and consent_relevant(found, updated)
    )


__all__ = ["BetrokkeneService", "Kind", "Role"]
