"""Telling a person by mail that a way of signing in was added to or removed from their account.

A content-free, signed notice (or, with a pinned key, an encrypted one) to the person's sign-in address,
queued in the same transaction as the change: someone who got hold of a mailbox or a session and added
their own passkey is seen by the owner at once. The mail goes through the outbox of the first household
the address belongs to, like a sign-in link.
"""

from __future__ import annotations

from ..domain.contact_changes import ContactNotice, ContactNoticeSender
from ..domain.factors import PASSKEY, RECOVERY_CODES, TOTP
from ..domain.ports import Clock, UnitOfWork

#: how each kind of factor is named in the notice (Dutch, B1)
FACTOR_NAMES = {
    PASSKEY: "een passkey",
    TOTP: "een app die inlogcodes maakt",
    RECOVERY_CODES: "nieuwe herstelcodes",
}
ADDED_TEXT = (
    "Bij uw account van eenplan is een manier om in te loggen toegevoegd: {what}.\n"
    "Heeft u dit niet zelf gedaan? Neem dan direct contact op met uw regisseur. Iemand kan uw e-mail\n"
    "lezen: verander het wachtwoord van uw e-mail. De beheerder van eenplan kan de manier verwijderen.\n"
)
REMOVED_TEXT = (
    "Bij uw account van eenplan is een manier om in te loggen verwijderd: {what}.\n"
    "Heeft u dit niet zelf gedaan? Neem dan direct contact op met uw regisseur.\n"
)


class MailFactorNotices:
    """`FactorNotices` by mail: one notice per change to the person's sign-in address."""

    def __init__(self, sender: ContactNoticeSender, clock: Clock) -> None:
        self._sender = sender
        self._clock = clock

    async def factor_changed(self, uow: UnitOfWork, person_id: str, what: str, added: bool) -> None:
        """Queue the notice in the caller's transaction; the outbox is woken once it commits."""
        email = await uow.persons.email_of(person_id)
        people = await uow.persons.reached_by_email(email) if email else []
        if not email or not people:
            return  # nobody reachable any more: there is no household to send through
        now = self._clock()
        text = (ADDED_TEXT if added else REMOVED_TEXT).format(what=FACTOR_NAMES.get(what, "een manier om in te loggen"))
        first = people[0]
        notice = ContactNotice(
            first.household_id,
            first.id,
            email,
            text,
            None,
            f"signin:factor:{'added' if added else 'removed'}:{what}:{now.isoformat()}",
            now,
        )
        await self._sender.queue_notice(uow, notice)
        uow.on_commit(self._sender.wake)
