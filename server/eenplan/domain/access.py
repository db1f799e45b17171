"""Who may do what with a household's plan: the one pure policy that decides every access.

This first step knows two rules: every active betrokkene of a household may
read its plan, and only regisseurs may change it. Per-section scopes and the
klant's consent extend `readable_sections` / `writable_sections`; callers must
already go through these functions so that extension reaches every path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .betrokkene import Kind, Role, is_regisseur
from .errors import Forbidden
from .sections import SECTION_KEYS


@dataclass(frozen=True)
class Actor:
    """An authenticated betrokkene acting on one household."""

    betrokkene_id: str
    household_id: str
    kind: Kind
    role: Role

    @property
    def is_regisseur(self) -> bool:
        """Whether this actor holds a regisseur role in the household."""
        return is_regisseur(self.role)


@dataclass(frozen=True)
class Decision:
    """The outcome of the policy, with the ground that goes into the access log."""

    sections: frozenset[str]
    ground: str


ALL_SECTIONS = frozenset(SECTION_KEYS)


def readable_sections(actor: Actor) -> Decision:
    """The plan sections this actor may read, and on what ground."""
    return Decision(ALL_SECTIONS, f"betrokkene:{actor.role.value}")


def writable_sections(actor: Actor) -> Decision:
    """The plan sections this actor may change, and on what ground."""
    if actor.is_regisseur:
        return Decision(ALL_SECTIONS, f"regisseur:{actor.role.value}")
    return Decision(frozenset(), "geen schrijfrecht")


def require_write(actor: Actor, sections: set[str] | frozenset[str]) -> Decision:
    """Raise unless the actor may change every one of `sections`."""
    decision = writable_sections(actor)
    denied = sorted(set(sections) - decision.sections)
    if denied:
        raise Forbidden(f"you may not change: {', '.join(denied)}")
    return decision


def require_regisseur(actor: Actor, what: str) -> None:
    """Raise unless the actor is a regisseur of the household (to manage it)."""
    if not actor.is_regisseur:
        raise Forbidden(f"only a regisseur may {what}")


@dataclass(frozen=True)
class Principal:
    """Who a verified credential names: one betrokkene of one household."""

    betrokkene_id: str
    household_id: str
