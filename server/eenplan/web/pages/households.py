"""The person's households and a household's start page, with the menu of the household's pages."""

from __future__ import annotations

from aiohttp import web

from ...domain.household import Phase
from ...domain.pages import HouseholdPage, asks_the_regisseur
from ..keys import services
from . import guard
from .i18n import _
from .keys import WHERE
from .render import page

routes = web.RouteTableDef()

#: each household page's link text and one line on what it holds (B1)
PAGE_TEXTS: dict[HouseholdPage, tuple[str, str]] = {
    HouseholdPage.PLAN: (_("Ons plan"), _("Lees het plan. U ziet de delen die u mag lezen.")),
    HouseholdPage.BEWERKEN: (_("Plan bewerken"), _("Doelen, acties en afspraken een voor een wijzigen; vaststellen.")),
    HouseholdPage.VERANDERD: (_("Wat is er veranderd"), _("Zie wat er anders is sinds de vorige keer.")),
    HouseholdPage.OVERLEGGEN: (_("Onze overleggen"), _("Wanneer en waar we samenkomen. Zeg of u komt.")),
    HouseholdPage.JOURNAAL: (_("Journaal"), _("Berichten die betrokkenen aan uw groep schreven.")),
    HouseholdPage.WIE_ZIET_WAT: (_("Wie ziet wat"), _("Bepaal wie welk deel van het plan mag lezen.")),
    HouseholdPage.BEKEKEN: (_("Wie heeft ons plan bekeken"), _("Zie wie het plan heeft gelezen, en wanneer.")),
    HouseholdPage.GEGEVENS: (_("Mijn gegevens"), _("Uw telefoon, uw dagen, uw sleutel en wat eenplan u stuurt.")),
    HouseholdPage.INZAGE: (_("Alles downloaden"), _("Download alles wat eenplan over uw gezin bewaart.")),
    HouseholdPage.MAIL: (_("Mail"), _("Welke berichten aankomen, de groepen, wie geen sleutel heeft.")),
    HouseholdPage.BETROKKENEN: (_("Betrokkenen"), _("Wie meedoet, hoe u ze bereikt, wie een sleutel heeft.")),
    HouseholdPage.REGIE_OVERLEGGEN: (
        _("Overleggen plannen"),
        _("Het venster voor het startoverleg, een datumprikker, wie er komt, afsluiten."),
    ),
    HouseholdPage.REGIE_STAGNATIE: (
        _("Stagnatie en veiligheid"),
        _("De escalatieladder, veiligheidssignalen en de fase van het huishouden."),
    ),
    HouseholdPage.REGIE_TERMIJNEN: (
        _("Termijnen van het plan"),
        _("Het plan op schrift binnen 14 dagen, vastgesteld binnen 6 weken."),
    ),
    HouseholdPage.ESCALATIE: (
        _("Escalatie"),
        _("De zaken die bij u als gemeentelijk aanspreekpunt liggen, met het plan."),
    ),
}


def phase_label(phase: Phase) -> str:
    """The phase as families and professionals call it."""
    labels = {
        Phase.AANMELDING: _("Aanmelding"),
        Phase.INTAKE: _("Intake"),
        Phase.STARTOVERLEG: _("Startoverleg"),
        Phase.VOORTGANG: _("Voortgang"),
        Phase.VOORTGANGSOVERLEG: _("Voortgangsoverleg"),
        Phase.AFSLUITEN: _("Afsluiten"),
    }
    return labels[phase]


def phase_explanation(phase: Phase) -> str:
    """What the phase means for the people in the household, in one or two short sentences (B1)."""
    texts = {
        Phase.AANMELDING: _("Er is gevraagd om hulp. Eerst kijken we wat er nodig is."),
        Phase.INTAKE: _("We praten over uw vraag. Over wat goed gaat en waar zorgen over zijn."),
        Phase.STARTOVERLEG: _("Iedereen die helpt, komt samen. Samen maken we het plan."),
        Phase.VOORTGANG: _("Het plan is klaar. Iedereen doet wat is afgesproken. De regisseur kijkt hoe het gaat."),
        Phase.VOORTGANGSOVERLEG: _("Iedereen komt weer samen. We kijken wat goed gaat en wat anders moet."),
        Phase.AFSLUITEN: _("De hulp stopt of gaat naar iemand anders. Het plan wordt afgesloten."),
    }
    return texts[phase]


@routes.get("/huishoudens")
async def household_list(request: web.Request) -> web.StreamResponse:
    """Every household the person is an active betrokkene of, with who they are there."""
    view = await guard.signed_in(request)
    listed = await services(request).people.household_list(guard.token_or_401(request))
    return page(
        request,
        "huishoudens.html",
        {"entries": listed.entries, "choices_pending": view.choices_pending, "werkbank": listed.regisseur_somewhere},
    )


@routes.get("/huishoudens/{id}")
async def household_start(request: web.Request) -> web.StreamResponse:
    """A household's start page: its name, the person's role there, the phase. A household the person is
    not in answers the same 404 page as one that does not exist (the services decide)."""
    household_id, principal = await guard.household(request)
    household, offered = await services(request).households.start(principal, household_id)
    entries = await services(request).people.households(guard.token_or_401(request))
    mine = next((e for e in entries if e.household_id == household_id), None)
    request[WHERE] = household.name
    return page(
        request,
        "huishouden.html",
        {
            "household": household,
            "entry": mine,
            "phase": phase_label(household.phase),
            "phase_explanation": phase_explanation(household.phase),
            "menu": [(f"/huishoudens/{household_id}/{p.value}", *PAGE_TEXTS[p]) for p in offered],
            "ask_regisseur": asks_the_regisseur(offered),
        },
    )
