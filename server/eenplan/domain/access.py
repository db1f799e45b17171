"""Who may do what with a household's plan: the one pure policy that decides every access.

`decide()` is the only place that turns a betrokkene, the grants the klant
gave them (toestemming) or a professional recorded (overmacht), and today's
date into per-section access. Every path — API, versions, diffs, exports,
mail, PDF, invites — asks it before reading plan content, and `scope_section`
cuts a section down to what the decision allows.

Defaults, without any consent:
- regisseurs (procesregisseur, casusregisseur) read and write every section;
- klanten read their own plan (every section);
- network members and other professionals see `algemeen` (contact and
  coordination) and, in `doelen` and `afspraken`, only the actions and
  agreements they own themselves. Anything beyond that needs consent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from functools import cached_property
from typing import Any

from .betrokkene import Kind, Role, is_regisseur
from .errors import Forbidden, SecondFactorRequired
from .sections import SECTION_KEYS


class Level(IntEnum):
    """Access to one section, weakest first."""

    NONE = 0
    OWN = 1  # only the parts the betrokkene owns (their actions and agreements)
    READ = 2
    WRITE = 3


LEVEL_NAMES = {"none": Level.NONE, "read": Level.READ, "write": Level.WRITE}
OWNABLE = frozenset({"doelen", "afspraken"})


@dataclass(frozen=True)
class Principal:
    """Who a verified credential names: one betrokkene of one household.

    `issued_by` is set when someone else (a regisseur) issued the credential, e.g. for a machine
    client: such a credential may read and work, but never speak for the person (consent, overmacht).
    A person's sign-in session reaches several households: it gives one Principal per household asked for.
    """

    betrokkene_id: str
    household_id: str
    issued_by: str | None = None
    #: the credential was obtained with a second factor (a passkey, TOTP, a recovery code, or an OIDC login
    #: whose amr/acr shows MFA): what reading the access log needs (NEN 7513)
    second_factor: bool = False


@dataclass(frozen=True)
class Actor:
    """An authenticated betrokkene acting on one household (`issued_by`: as the credential's Principal)."""

    betrokkene_id: str
    household_id: str
    kind: Kind
    role: Role
    issued_by: str | None = None

    @property
    def is_regisseur(self) -> bool:
        """Whether this actor holds a regisseur role in the household."""
        return is_regisseur(self.role)


@dataclass(frozen=True)
class Grant:
    """Access to sections beyond the defaults: from a toestemming or an overmacht decision."""

    sections: frozenset[str]
    level: Level
    ground: str  # "toestemming:<id>" or "overmacht:<id>"
    until: date | None  # last day it holds (Europe/Amsterdam), inclusive
    emergency: bool = False  # overmacht: flagged in the access log

    def holds_on(self, today: date) -> bool:
        """Whether the grant is still in force today."""
        return self.until is None or today <= self.until


@dataclass(frozen=True)
class Access:
    """The decision: per section a level and the ground it rests on."""

    actor: Actor
    levels: dict[str, Level]
    grounds: dict[str, str]
    emergency_sections: frozenset[str] = field(default_factory=frozenset)

    def level(self, section: str) -> Level:
        """The caller's level on one section."""
        return self.levels.get(section, Level.NONE)

    @cached_property
    def readable(self) -> tuple[str, ...]:
        """Sections (or parts of them) the caller may see, in plan order."""
        return tuple(k for k in SECTION_KEYS if self.level(k) >= Level.OWN)

    @cached_property
    def fully_readable(self) -> tuple[str, ...]:
        """Sections the caller may see whole."""
        return tuple(k for k in SECTION_KEYS if self.level(k) >= Level.READ)

    @cached_property
    def view_key(self) -> tuple[object, ...]:
        """Everything a view of a plan version depends on besides the version: equal keys, equal views."""
        return (
            self.actor,
            tuple(self.level(k) for k in SECTION_KEYS),
            tuple(sorted(self.grounds.items())),
            self.emergency_sections,
        )

    def ground_for(self, sections: Iterable[str]) -> str:
        """The grounds for a set of sections, for the access log."""
        return ",".join(sorted({self.grounds[k] for k in sections if k in self.grounds})) or "geen"

    def emergency_for(self, sections: Iterable[str]) -> bool:
        """Whether reaching these sections used an overmacht grant."""
        return bool(self.emergency_sections & set(sections))


def _defaults(actor: Actor) -> tuple[Level, dict[str, Level], str]:
    if actor.is_regisseur:
        return Level.WRITE, {}, f"rol:{actor.role.value}"
    if actor.kind is Kind.KLANT:
        return Level.READ, {}, "klant"
    return Level.NONE, {"algemeen": Level.READ, "doelen": Level.OWN, "afspraken": Level.OWN}, "standaard"


def decide(actor: Actor, grants: Iterable[Grant], today: date) -> Access:
    """Per-section access for this actor today: role defaults raised by every grant still in force."""
    base, specific, ground = _defaults(actor)
    levels = {k: specific.get(k, base) for k in SECTION_KEYS}
    grounds = {k: ground for k in SECTION_KEYS if levels[k] > Level.NONE}
    emergency: set[str] = set()
    for grant in grants:
        if not grant.holds_on(today):
            continue
        for key in grant.sections & set(SECTION_KEYS):
            if grant.level > levels[key]:
                levels[key] = grant.level
                grounds[key] = grant.ground
                emergency.discard(key)
                if grant.emergency:
                    emergency.add(key)
    return Access(actor, levels, grounds, frozenset(emergency))


def scope_section(key: str, value: Any, level: Level, betrokkene_id: str) -> Any:
    """The part of a section's content this level allows (None for OWN sections with nothing owned)."""
    if level >= Level.READ:
        return value
    if level is Level.OWN and key == "doelen":
        goals = []
        for goal in value or []:
            mine = [a for a in goal["acties"] if a.get("wie") == betrokkene_id]
            if mine:
                goals.append(
                    {
                        "id": goal["id"],
                        "titel": goal["titel"],
                        "status": goal["status"],
                        "behaald_in_plaats": None,
                        "acties": mine,
                    }
                )
        return goals
    if level is Level.OWN and key == "afspraken":
        return [item for item in value or [] if item.get("wie") == betrokkene_id]
    raise ValueError(f"no access to {key}")


def require_write(access: Access, sections: Iterable[str]) -> None:
    """Raise unless the decision allows changing every one of `sections`."""
    denied = sorted(k for k in set(sections) if access.level(k) < Level.WRITE)
    if denied:
        raise Forbidden(f"you may not change: {', '.join(denied)}")


def require_regisseur(actor: Actor, what: str) -> None:
    """Raise unless the actor is a regisseur of the household (to manage it)."""
    if not actor.is_regisseur:
        raise Forbidden(f"only a regisseur may {what}")


def require_personal(principal: Principal, what: str) -> None:
    """Raise when the credential was issued by someone else: consent is given by the person themself."""
    if principal.issued_by is not None and principal.issued_by != principal.betrokkene_id:
        raise Forbidden(f"a token issued by someone else cannot {what}")


def require_second_factor(principal: Principal, what: str) -> None:
    """Raise unless the credential was obtained with a second factor (reading the access log: NEN 7513)."""
    if not principal.second_factor:
        raise SecondFactorRequired(f"confirm your sign-in with a second factor to {what}")


def require_klant(actor: Actor, what: str) -> None:
    """Raise unless the actor is a member of the household being supported."""
    if actor.kind is not Kind.KLANT:
        raise Forbidden(f"only the klant may {what}")


# ---------------------------------------------------------------------------------------------------------
# Derived visibility: content that is not a plan section but is read under the plan's policy. Services ask
# these rules (never their own tests of levels or roles), cut what they answer to them, and log what they
# showed with the sections named here.

#: What an overleg's agenda and decisions rest on: they concern the whole plan.
OVERLEG_CONTENT_BASIS: tuple[str, ...] = SECTION_KEYS
#: A stagnation case's free text (toelichting, actions, result, agreements) is about goals and agreements.
CASE_TEXT_SECTIONS: tuple[str, ...] = ("doelen", "afspraken")
#: Safety signals and the klant's signature belong to the veiligheidsplan.
SIGNAL_SECTION = "veiligheidsplan"


def may_see_overleg(actor: Actor, invitee_ids: Iterable[str]) -> bool:
    """Whether an overleg exists for this caller at all: regisseurs see every one, others those they are
    invited to (anyone else gets the same 404 as for a missing overleg)."""
    return actor.is_regisseur or actor.betrokkene_id in set(invitee_ids)


def may_read_overleg_content(access: Access) -> bool:
    """Agenda and decisions are care content about the whole plan: only for callers who may read every
    section whole (regisseurs, klanten, or others with consent for every section)."""
    return len(access.fully_readable) == len(OVERLEG_CONTENT_BASIS)


def may_list_cases(actor: Actor) -> bool:
    """Stagnation cases are work of regisseurs; the gemeentelijk aanspreekpunt sees the ones escalated to it."""
    return actor.is_regisseur or actor.role is Role.AANSPREEKPUNT


def may_see_case(actor: Actor, aanspreekpunt_id: str | None, afgeschaald: bool) -> bool:
    """The aanspreekpunt's scope over cases: a regisseur sees every case, the aanspreekpunt only a case
    escalated to them that was not handed back (afgeschaald)."""
    return actor.is_regisseur or (
        actor.role is Role.AANSPREEKPUNT and aanspreekpunt_id == actor.betrokkene_id and not afgeschaald
    )


def may_see_exclusions(actor: Actor) -> bool:
    """What the klanten keep from the aanspreekpunt is theirs to know, and the regisseurs' who escalate."""
    return actor.kind is Kind.KLANT or actor.is_regisseur


def may_read_case_text(access: Access) -> bool:
    """A case's free text only with whole read access to `doelen` and `afspraken` (the klant may have kept
    them from the aanspreekpunt)."""
    return all(access.level(k) >= Level.READ for k in CASE_TEXT_SECTIONS)


def may_see_others_signals(access: Access) -> bool:
    """Whether signals raised by others are listed: regisseurs and readers of the veiligheidsplan;
    everyone else sees only their own."""
    return access.actor.is_regisseur or access.level(SIGNAL_SECTION) >= Level.READ


def may_read_signal_text(actor: Actor, raised_by: str) -> bool:
    """A signal's toelichting and afwegingen: for regisseurs and the professional who raised it."""
    return actor.is_regisseur or actor.betrokkene_id == raised_by


def may_read_signature(access: Access) -> bool:
    """The klant's signature (and whether to sign again) is part of the veiligheidsplan section."""
    return access.level(SIGNAL_SECTION) >= Level.READ


def unshareable_sections(access: Access, wanted: Iterable[str]) -> list[str]:
    """Share only what you may read: the sections of `wanted` the caller may not read whole, sorted."""
    return sorted({k for k in wanted if access.level(k) < Level.READ})
