"""Changes of the e-mail address that signs someone in: at once when the person makes them, pending otherwise.

`BetrokkeneService.update` hands every real change of an address to `change_email` inside its own
transaction; the rules are in `domain.contact_changes`. The person is always told: at the old
address (a notice, with an approval link when someone else asked), or, when there was none, at the
new address (a confirmation link). `confirm` is the use case behind that link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from ..domain.access import Principal
from ..domain.betrokkene import Betrokkene
from ..domain.contact_changes import (
    APPROVE_TEXT,
    CHANGED_TEXT,
    CONFIRM_TEXT,
    CONSENTERS_CHANGED_TEXT,
    CONTACT_CHANGE_TTL,
    RECORD_CHANGED_TEXT,
    REMOVE_TEXT_NEW,
    REMOVED_TEXT,
    ContactNotice,
    ContactNoticeSender,
    PendingContactChange,
    Step,
    address_adder,
    email_change_step,
    same_address,
)
from ..domain.errors import SecondFactorRequired
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import looks_like_secret, new_secret, secret_hash
from ..domain.signin import SignInFailed, SignInLimits
from .common import retry_on_conflict
from .people import forget_if_unreached

log = logging.getLogger("eenplan.signin")

CHANGE_FAILED = "this confirmation link is not valid (any more)"


class ContactChanges:
    """Pending changes of sign-in addresses, their notices and their confirmation."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, limits: SignInLimits, notices: ContactNoticeSender, public_url: str
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits
        self._notices = notices
        self._public_url = public_url.rstrip("/")

    def wake(self) -> None:
        """Tell the mail worker notices were queued (call after the transaction committed)."""
        self._notices.wake()

    async def change_email(
        self, uow: UnitOfWork, person: Betrokkene, new: str | None, principal: Principal
    ) -> str | None:
        """Take a requested change of `person`'s address in the caller's transaction; the address to record now.

        The person's own change applies (old address told); someone else's change of an existing
        address leaves it as it is until approved at the old address; an address someone else adds
        where there was none is recorded but signs nobody in until its owner confirms it.
        """
        now = self._clock()
        holder = principal.issued_by or principal.betrokkene_id  # who really asks (a token may be issued)
        unconfirmed = bool(person.email) and await uow.auth.email_unconfirmed(person.id)
        channel = None if unconfirmed else person.email  # an unconfirmed address is no channel to ask
        step = email_change_step(principal, person.id, channel, new)
        if step is Step.APPLY and channel and not principal.second_factor:
            owner = await uow.persons.person_id(channel.strip().lower())
            if owner is not None and await uow.factors.has_any(owner):  # else a mail link alone moves the account
                raise SecondFactorRequired("confirm your sign-in with a second factor to change your sign-in address")
        await uow.auth.close_contact_changes(person.id, "email", now, "superseded")
        if step is Step.APPLY:
            await uow.auth.set_address_added_by(person.id, None, now)  # the person's own address now
            await uow.auth.void_links(person.id, now)
            if channel and not same_address(channel, new):
                await self._tell(uow, person, channel, CHANGED_TEXT, None, f"changed:{now.isoformat()}")
            log.info("sign-in address changed by the person betrokkene=%s", person.id)
            return new
        if step is Step.CONFIRM and not new:
            return None  # an unconfirmed address removed: nothing signs in, nobody to tell
        token = new_secret()
        change = PendingContactChange(person.id, person.household_id, "email", step, channel, new, holder)
        await uow.auth.add_contact_change(secret_hash(token), change, now, now + CONTACT_CHANGE_TTL)
        url = f"{self._public_url}/auth/contact-change/{token}"
        if step is Step.APPROVE:
            text = APPROVE_TEXT.format(new=new or REMOVE_TEXT_NEW)
            await self._tell(uow, person, channel or "", text, url, f"approve:{secret_hash(token)[:32]}")
            log.info("sign-in address change pending approval betrokkene=%s by=%s", person.id, holder)
            return person.email
        await self._tell(uow, person, new or "", CONFIRM_TEXT, url, f"confirm:{secret_hash(token)[:32]}")
        await uow.auth.void_links(person.id, now)
        # whoever added it may own it: a session through this address never speaks for the person
        await uow.auth.set_address_added_by(person.id, address_adder(principal, person.id), now)
        log.info(
            "sign-in address added, pending its owner's confirmation betrokkene=%s by=%s",
            person.id,
            holder,
        )
        return new

    async def confirm(self, token: str, client_ip: str) -> str:
        """Carry out the change behind a confirmation link (once); the name of the field it changed.

        An approval applies the new address, if the old one is still the person's; a confirmation
        makes an added address one that signs in, if it is still the recorded one.
        """
        await self._limits.check("contact", client_ip, secret_hash(token)[:32], self._clock().timestamp())
        if not looks_like_secret(token):
            raise SignInFailed(CHANGE_FAILED)

        async def attempt() -> str:
            async with self._uow(write=True) as uow:
                now = self._clock()
                change = await uow.auth.use_contact_change(secret_hash(token), now)
                if change is None:
                    raise SignInFailed(CHANGE_FAILED)
                person = await uow.betrokkenen.get(change.household_id, change.betrokkene_id)
                if person is None or not person.active:
                    raise SignInFailed(CHANGE_FAILED)
                if change.step is Step.APPROVE:
                    if not same_address(person.email, change.old_value):
                        raise SignInFailed(CHANGE_FAILED)  # the address changed since: this approval is stale
                    await uow.auth.void_links(person.id, now)
                    await uow.betrokkenen.update(replace(person, email=change.new_value))
                    await forget_if_unreached(uow, person.email, now)  # the old address left its person
                elif not same_address(person.email, change.new_value):
                    raise SignInFailed(CHANGE_FAILED)
                await uow.commit()
                log.info("sign-in address change confirmed betrokkene=%s step=%s", person.id, change.step.value)
                return change.field

        return await retry_on_conflict(attempt)

    async def tell_removed(self, uow: UnitOfWork, person: Betrokkene) -> None:
        """In the caller's transaction: tell a removed betrokkene at their address (content-free), if they have one."""
        await self._tell_recorded(uow, person, REMOVED_TEXT, "removed")

    async def tell_record_changed(self, uow: UnitOfWork, person: Betrokkene) -> None:
        """In the caller's transaction: tell a klant that someone else changed their kind, role or birth date."""
        await self._tell_recorded(uow, person, RECORD_CHANGED_TEXT, "record")

    async def tell_consenters_changed(self, uow: UnitOfWork, people: Iterable[Betrokkene]) -> None:
        """In the caller's transaction: tell each klant a change took out of who must consent (content-free)."""
        for person in people:
            await self._tell_recorded(uow, person, CONSENTERS_CHANGED_TEXT, "consenters")

    async def _tell_recorded(self, uow: UnitOfWork, person: Betrokkene, text: str, what: str) -> None:
        if not person.email or await uow.auth.email_unconfirmed(person.id):
            return  # no channel of theirs (an unconfirmed address may be someone else's)
        await self._tell(uow, person, person.email, text, None, f"{what}:{self._clock().isoformat()}")

    async def _tell(
        self, uow: UnitOfWork, person: Betrokkene, address: str, text: str, url: str | None, key: str
    ) -> None:
        await self._notices.queue_notice(
            uow, ContactNotice(person.household_id, person.id, address, text, url, f"contact:{key}", self._clock())
        )
