"""Which of a household's pages a betrokkene is offered (issue 12). The services answer with these; every
page still asks its own service, which decides again: this list only keeps the menu honest."""

from __future__ import annotations

from enum import StrEnum

from .access import Actor
from .betrokkene import Kind, Role


class HouseholdPage(StrEnum):
    """A page under `/huishoudens/{id}/`; the value is its path segment."""

    PLAN = "plan"
    BEWERKEN = "plan/bewerken"  # the plan editor (issue 13 item 2)
    VERANDERD = "veranderd"
    OVERLEGGEN = "overleggen"
    JOURNAAL = "journaal"
    WIE_ZIET_WAT = "wie-ziet-wat"
    BEKEKEN = "bekeken"
    GEGEVENS = "gegevens"
    INZAGE = "inzage"
    MAIL = "mail"
    BETROKKENEN = "betrokkenen"  # who is involved, their keys and tokens (issue 13 item 3)
    REGIE_OVERLEGGEN = "regie/overleggen"  # planning: the startoverleg window, polls, attendance (issue 13 item 4)
    REGIE_STAGNATIE = "regie/stagnatie"  # the escalation ladder, safety signals, the phase (issue 13 item 5)
    REGIE_TERMIJNEN = "regie/termijnen"  # the plan in writing (14 days), vastgesteld (6 weeks): their events
    ESCALATIE = "escalatie"  # the gemeentelijk aanspreekpunt's escalated cases and its copy of the plan


#: the pages about the klant's own control and rights: consent, the access log (NEN 7513), inzage (AVG art. 15)
KLANT_PAGES = frozenset({HouseholdPage.WIE_ZIET_WAT, HouseholdPage.BEKEKEN, HouseholdPage.INZAGE})
#: the regisseur's pages of one household: the plan editor, the mail (outbox, groups, missing keys, bounces)
REGISSEUR_PAGES = frozenset(
    {
        HouseholdPage.BEWERKEN,
        HouseholdPage.MAIL,
        HouseholdPage.BETROKKENEN,
        HouseholdPage.REGIE_OVERLEGGEN,
        HouseholdPage.REGIE_STAGNATIE,
        HouseholdPage.REGIE_TERMIJNEN,
    }
)


def pages_for(actor: Actor) -> tuple[HouseholdPage, ...]:
    """The pages offered to `actor`, in menu order: everyone reads the plan, its changes, their overleggen and
    their own details; only a klant decides who sees what, sees who looked and downloads everything; only a
    regisseur edits the plan and manages the household's mail; only the gemeentelijk aanspreekpunt is offered
    its escalated cases."""
    return tuple(
        p
        for p in HouseholdPage
        if (p not in KLANT_PAGES or actor.kind is Kind.KLANT)
        and (p not in REGISSEUR_PAGES or actor.is_regisseur)
        and (p is not HouseholdPage.ESCALATIE or actor.role is Role.AANSPREEKPUNT)
    )


def asks_the_regisseur(offered: tuple[HouseholdPage, ...]) -> bool:
    """Whether the start page says "ask your regisseur": not to a regisseur (she is offered her own pages)."""
    return not REGISSEUR_PAGES & set(offered)
