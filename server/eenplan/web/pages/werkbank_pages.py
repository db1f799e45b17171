"""De werkbank: the regisseur's caseload across households (issue 13 item 1), most urgent first.

The page renders `CaseloadService.for_werkbank` — the same `Caseload` that `GET /api/werkbank` answers with,
so the counts on the page are the API's; someone who is regisseur nowhere is sent to the start page the
service names. Every rule (deadlines, urgency, filters, who starts where) is `domain.caseload`'s.
"""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web
from babel.dates import format_date

from ...domain.caseload import DeadlineItem, DeadlineKind, Filter, StartPage, Urgency, parse_filter
from ...domain.errors import ValidationFailed
from ...domain.overleg import OverlegType
from ...domain.pages import HouseholdPage
from ...services.overleg_drafts import AMSTERDAM
from ..keys import services
from . import guard
from .errors import error_page
from .households import phase_label
from .i18n import SOURCE_LANGUAGE, _
from .regie_words import deadline_words
from .render import page

routes = web.RouteTableDef()

FILTER_TEXTS: dict[Filter, str] = {
    Filter.ALL: _("Alle huishoudens"),
    Filter.OVERDUE: _("Te laat"),
    Filter.UPCOMING: _("Binnenkort"),
    Filter.SAFETY: _("Zorgen over veiligheid"),
    Filter.NO_OVERLEG: _("Geen volgend overleg"),
    Filter.CONSENT: _("Toestemming gevraagd"),
    Filter.MAIL: _("Post komt niet aan"),
    Filter.NO_KEY: _("Geen sleutel"),
}

URGENCY_TEXTS: dict[Urgency, str] = {
    Urgency.OVERDUE: _("Te laat"),
    Urgency.SAFETY: _("Veiligheid"),
    Urgency.ACTION: _("Actie nodig"),
    Urgency.UPCOMING: _("Binnenkort"),
    Urgency.CALM: _("Rustig"),
}

OVERLEG_TEXTS: dict[OverlegType, str] = {
    OverlegType.STARTOVERLEG: _("Startoverleg"),
    OverlegType.VOORTGANGSOVERLEG: _("Voortgangsoverleg"),
    OverlegType.SPOEDOVERLEG: _("Spoedoverleg"),
    OverlegType.AFSLUITEND_OVERLEG: _("Afsluitend overleg"),
}


def long_date(day: date) -> str:
    """A date in words: "maandag 7 december 2026"."""
    return format_date(day, "EEEE d MMMM y", locale=SOURCE_LANGUAGE)


def moment_text(moment: datetime) -> str:
    """A moment in Amsterdam, in words and hours."""
    local = moment.astimezone(AMSTERDAM)
    return f"{long_date(local.date())}, {local:%H:%M}"


def deadline_text(item: DeadlineItem) -> str:
    """What the deadline is about, in short words (the date is shown beside it)."""
    if item.kind is DeadlineKind.STARTOVERLEG:
        return _("Startoverleg houden (binnen 5 tot 15 werkdagen)")
    if item.kind is DeadlineKind.PLAN_OP_SCHRIFT:
        return _("Plan op schrift zetten (binnen 14 dagen nadat erom is gevraagd)")
    if item.kind is DeadlineKind.VASTSTELLEN:
        return _("Plan vaststellen (6 weken na het besluit dat er geen familiegroepsplan komt)")
    return _("Stagnatie") + ": " + deadline_words(item.key)  # the ladder's deadline by its key, in words


#: the household page where each kind of deadline is worked on
DEADLINE_PAGES: dict[DeadlineKind, HouseholdPage] = {
    DeadlineKind.STARTOVERLEG: HouseholdPage.REGIE_OVERLEGGEN,
    DeadlineKind.STAGNATIE: HouseholdPage.REGIE_STAGNATIE,
    DeadlineKind.PLAN_OP_SCHRIFT: HouseholdPage.BEWERKEN,
    DeadlineKind.VASTSTELLEN: HouseholdPage.BEWERKEN,
}


def deadline_href(household_id: str, item: DeadlineItem) -> str:
    """The page of the household where this deadline is worked on."""
    return f"/huishoudens/{household_id}/{DEADLINE_PAGES[item.kind].value}"


def unknown_filter(request: web.Request) -> web.Response:
    """422: the address names a filter that does not exist; the page says so and names the filters there are."""
    names = ", ".join(FILTER_TEXTS[f] for f in Filter)
    return error_page(
        request,
        422,
        _("Dit filter bestaat niet"),
        _("Dit filter bestaat niet. Kies op de werkbank een van deze filters: %(names)s.") % {"names": names},
    )


@routes.get("/werkbank")
async def werkbank(request: web.Request) -> web.StreamResponse:
    """The caseload: every household where the person is regisseur, with what needs doing."""
    await guard.signed_in(request)
    try:
        wanted = parse_filter(request.query.get("filter"))  # the API's validator: the same filters, the same 422
    except ValidationFailed:
        return unknown_filter(request)
    caseload = await services(request).caseload.for_werkbank(guard.token_or_401(request), wanted)
    if isinstance(caseload, StartPage):  # regisseur of no household: the service names where they belong
        raise web.HTTPSeeOther(caseload.value)
    return page(
        request,
        "werkbank.html",
        {
            "caseload": caseload,
            "filters": [(f, FILTER_TEXTS[f], caseload.counts[f.value]) for f in Filter],
            "urgency_text": URGENCY_TEXTS,
            "overleg_text": OVERLEG_TEXTS,
            "phase_label": phase_label,
            "long_date": long_date,
            "moment_text": moment_text,
            "deadline_text": deadline_text,
            "deadline_href": deadline_href,
            "today": long_date(caseload.today),
        },
    )
