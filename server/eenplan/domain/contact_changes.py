"""Changing the contact data that signs someone in: the rules (pure).

An e-mail address is a sign-in channel (magic links go there; OIDC maps a verified address to a
professional). Whoever can change it can become the person, so:

* the person themself (their own, personal credential) changes it at once; the old address is told;
* someone else (a regisseur) changes or removes an existing address only as a *pending* change:
  nothing changes until the person approves through a link sent to the old address, which is
  thereby always told;
* someone else adding an address where there was none records it, but it signs nobody in until
  its owner confirms it through a link sent to it;
* the address recorded when a betrokkene is added is their channel (the regisseur's intake is the
  trust anchor; there is no earlier channel to ask);
* an address someone else added where there was none keeps who added it (`address_adder`): a
  session obtained through it is not the person's own (`Principal.issued_by` = the adder), so it
  never speaks for the person — consent, the klant's access log, exclusions — however it is
  confirmed, because whoever added it may own it. A change approved through that address keeps
  that origin (the adder may be the one approving); only the person's own personal change clears it.

An OpenPGP key signs nobody in (it encrypts what is mailed to the person): someone else may pin or
unpin it, and the person is told. An OIDC pin (issuer, subject) is set at a professional's first
OIDC sign-in and no route removes or replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from .access import Principal

if TYPE_CHECKING:
    from .ports import UnitOfWork

#: How long a pending change waits for the person's approval (or a new address for its owner's).
CONTACT_CHANGE_TTL = timedelta(days=7)

SUBJECT = "Wijziging van uw inloggegevens"
APPROVE_TEXT = (
    "Iemand heeft gevraagd het e-mailadres te wijzigen waarmee u inlogt bij het plan waar u bij\n"
    "betrokken bent. Er verandert niets zolang u dit niet zelf bevestigt.\n\n"
    "Nieuw adres: {new}\n\n"
    "Klopt dit? Bevestig het dan binnen 7 dagen met de link hieronder. Klopt het niet? Negeer dit\n"
    "bericht en neem contact op met uw regisseur.\n"
)
REMOVE_TEXT_NEW = "(geen: u kunt dan niet meer per e-mail inloggen)"
CONFIRM_TEXT = (
    "Dit e-mailadres is opgegeven als het adres waarmee u inlogt bij een plan waar u bij betrokken\n"
    "bent. Tot u het bevestigt, kunt u er niet mee inloggen.\n\n"
    "Is dit uw adres? Bevestig het dan binnen 7 dagen met de link hieronder. Anders kunt u dit\n"
    "bericht negeren.\n"
)
CHANGED_TEXT = (
    "Het e-mailadres waarmee u inlogt bij het plan waar u bij betrokken bent, is gewijzigd.\n"
    "Heeft u dit niet zelf gedaan? Neem dan direct contact op met uw regisseur.\n"
)
KEY_PINNED_TEXT = (
    "Iemand anders heeft een OpenPGP-sleutel voor u ingesteld bij het plan waar u bij betrokken bent.\n"
    "Versleutelde berichten gaan voortaan naar die sleutel. Heeft u dit niet gevraagd? Neem dan direct\n"
    "contact op met uw regisseur.\n"
)
KEY_REMOVED_TEXT = (
    "Iemand anders heeft uw OpenPGP-sleutel verwijderd bij het plan waar u bij betrokken bent. U krijgt\n"
    "voortaan alleen berichten zonder inhoud. Heeft u dit niet gevraagd? Neem dan direct contact op met\n"
    "uw regisseur.\n"
)

REMOVED_TEXT = (
    "U bent niet langer als betrokkene vastgelegd bij het plan waar u bij betrokken was. U kunt er niet\n"
    "meer mee inloggen. Klopt dit niet? Neem dan direct contact op met uw regisseur of de organisatie.\n"
)
RECORD_CHANGED_TEXT = (
    "Iemand heeft gewijzigd hoe u bent vastgelegd bij het plan waar u bij betrokken bent (uw rol of\n"
    "geboortedatum). Dat kan bepalen wie toestemming geeft voor het delen van informatie. Heeft u dit\n"
    "niet verwacht? Neem dan direct contact op met uw regisseur.\n"
)
CONSENTERS_CHANGED_TEXT = (
    "Er is iets veranderd aan wie toestemming geeft in uw plan. Log in om te zien wat.\n"
    "Heeft u dit niet verwacht? Neem dan direct contact op met uw regisseur.\n"
)


class Step(StrEnum):
    """What a requested change of a sign-in address does."""

    APPLY = "apply"  # the person's own change: at once, the old address is told
    APPROVE = "approve"  # someone else's change of an existing address: waits for the old address
    CONFIRM = "confirm"  # someone else adds an address where there was none: recorded, unconfirmed


def same_address(a: str | None, b: str | None) -> bool:
    """Whether two addresses are the same sign-in channel (compared case-insensitively, trimmed)."""
    return (a or "").strip().lower() == (b or "").strip().lower()


def is_personal(principal: Principal, betrokkene_id: str) -> bool:
    """Whether the caller is the person themself with a credential of their own (not one issued by another)."""
    return principal.betrokkene_id == betrokkene_id and principal.issued_by in (None, betrokkene_id)


def email_change_step(principal: Principal, betrokkene_id: str, old: str | None, new: str | None) -> Step:
    """How a change of `betrokkene_id`'s address from `old` to `new` (a real change) takes effect."""
    if is_personal(principal, betrokkene_id):
        return Step.APPLY
    return Step.APPROVE if old else Step.CONFIRM


def address_adder(principal: Principal, betrokkene_id: str) -> str:
    """Who adds an address where there was none, for `email_change_step`'s CONFIRM: whoever holds the credential
    (the caller, or for the person's own non-personal credential the one it came from)."""
    if principal.betrokkene_id != betrokkene_id:
        return principal.betrokkene_id
    return principal.issued_by or betrokkene_id


@dataclass(frozen=True)
class PendingContactChange:
    """A stored pending change as its confirmation returns it."""

    betrokkene_id: str
    household_id: str
    field: str
    step: Step
    old_value: str | None
    new_value: str | None
    requested_by: str


@dataclass(frozen=True)
class ContactNotice:
    """A content-free message about sign-in data to one address of one betrokkene (with a link or not)."""

    household_id: str
    betrokkene_id: str
    to_address: str
    text: str
    url: str | None
    dedupe_key: str
    at: datetime


class ContactNoticeSender(Protocol):
    """Delivers contact notices: queued in the caller's transaction (the mail outbox), or printed."""

    async def queue_notice(self, uow: UnitOfWork, notice: ContactNotice) -> None: ...
    def wake(self) -> None: ...
