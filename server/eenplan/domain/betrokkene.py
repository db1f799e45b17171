"""Betrokkenen: everyone involved with a household, and what their role lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """How a betrokkene relates to the household."""

    KLANT = "klant"
    NETWERK = "netwerk"
    PROFESSIONAL = "professional"


class Role(StrEnum):
    """The betrokkene's role in the method (one per betrokkene record)."""

    OUDER = "ouder"
    JEUGDIGE = "jeugdige"
    GEZINSLID = "gezinslid"
    NETWERKLID = "netwerklid"
    MANTELZORGER = "mantelzorger"
    HULPVERLENER = "hulpverlener"
    PROCESREGISSEUR = "procesregisseur"
    CASUSREGISSEUR = "casusregisseur"
    MANAGER = "manager"
    AANSPREEKPUNT = "aanspreekpunt"  # gemeentelijk aanspreekpunt, added on escalation to step 4 (stagnatie)


REGISSEUR_ROLES = frozenset({Role.PROCESREGISSEUR, Role.CASUSREGISSEUR})

#: How a role is named to people (Dutch, B1; the pages pass these through their gettext catalog).
ROLE_LABELS: dict[Role, str] = {
    Role.OUDER: "ouder",
    Role.JEUGDIGE: "jongere",
    Role.GEZINSLID: "gezinslid",
    Role.NETWERKLID: "iemand uit het netwerk",
    Role.MANTELZORGER: "mantelzorger",
    Role.HULPVERLENER: "hulpverlener",
    Role.PROCESREGISSEUR: "procesregisseur",
    Role.CASUSREGISSEUR: "casusregisseur",
    Role.MANAGER: "manager",
    Role.AANSPREEKPUNT: "gemeentelijk aanspreekpunt",
}

#: Which roles fit which kind. The regisseur roles fit every kind: the klant
#: may be its own regisseur (domain.md, "People and roles").
ROLES_BY_KIND: dict[Kind, frozenset[Role]] = {
    Kind.KLANT: frozenset({Role.OUDER, Role.JEUGDIGE, Role.GEZINSLID}) | REGISSEUR_ROLES,
    Kind.NETWERK: frozenset({Role.NETWERKLID, Role.MANTELZORGER}) | REGISSEUR_ROLES,
    Kind.PROFESSIONAL: frozenset({Role.HULPVERLENER, Role.MANAGER, Role.AANSPREEKPUNT}) | REGISSEUR_ROLES,
}

WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
#: a phone number as recorded: digits, spaces, brackets and dashes, an optional leading +
PHONE_PATTERN = r"^\+?[0-9 ()-]{6,30}$"


class MailChoice(StrEnum):
    """What eenplan mails a person when the plan changes (their own choice on "Mijn gegevens")."""

    PLAN = "plan"  # the plan itself, encrypted, while a usable key is pinned (else a notice)
    MELDINGEN = "meldingen"  # only a content-free notice; the person reads the plan on the site


def may_share_address(a: Kind, b: Kind) -> bool:
    """Whether two betrokkenen of one household may sign in with one address: a family or network address may
    be shared (the person then says who they are), but a professional's never with a klant or network member —
    else a regisseur recording a klant with her own address would sign in, and speak, as that klant."""
    return (a is Kind.PROFESSIONAL) == (b is Kind.PROFESSIONAL)


def is_regisseur(role: Role | str | None) -> bool:
    """True for the roles that may change the plan and plan overleggen."""
    return role in REGISSEUR_ROLES


def role_fits_kind(kind: Kind, role: Role) -> bool:
    """Whether a role makes sense for a kind of betrokkene (an oma is no hulpverlener)."""
    return role in ROLES_BY_KIND[kind]


@dataclass(frozen=True)
class Betrokkene:
    """A person involved with one household: klant, network member or professional."""

    id: str
    household_id: str
    name: str
    kind: Kind
    role: Role
    relation: str
    organisation: str
    email: str | None
    phone: str | None
    reachable_days: tuple[str, ...]
    birth_date: date | None
    created_at: datetime
    removed_at: datetime | None = None
    mail_choice: MailChoice = MailChoice.PLAN

    @property
    def active(self) -> bool:
        """Whether the betrokkene is still part of the household."""
        return self.removed_at is None

    def age_on(self, day: date) -> int | None:
        """Age in whole years on `day`, when a birth date is recorded."""
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def wants_plan_by_mail(self) -> bool:
        """Whether a plan update may carry the plan itself (encrypted, given a usable key): not for a person
        who chose content-free notices only."""
        return self.mail_choice is MailChoice.PLAN

    def as_dict(self) -> dict[str, Any]:
        """The betrokkene as the API shows it."""
        return {
            "id": self.id,
            "household_id": self.household_id,
            "name": self.name,
            "kind": self.kind.value,
            "role": self.role.value,
            "relation": self.relation,
            "organisation": self.organisation,
            "email": self.email,
            "phone": self.phone,
            "reachable_days": list(self.reachable_days),
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "created_at": self.created_at.isoformat(),
            "mail_choice": self.mail_choice.value,
        }
