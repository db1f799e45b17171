"""Wie heeft ons plan bekeken and Inzage (issue 12, items 5 and 8): the access log for the klant, the AVG download.

The services decide (a klant speaking for themself, with a second factor for the log and the download) and
answer with views; this only reads the filter from the query and puts the views into words.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date

from ...domain.audit import Channel, Event
from ...domain.betrokkene import ROLE_LABELS
from ...domain.errors import ValidationFailed
from ...services.access_log import ClientLog, LogFilter, LogRow, Reader
from ...services.grounds import GroundKind
from ..keys import services
from ..params import parse_date, query_int
from . import guard
from .ground_words import ground_text, grounds_text
from .i18n import _
from .keys import WHERE
from .render import page

routes = web.RouteTableDef()

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: rows on one page of the log
PAGE_ROWS = 50

SECTION_NAMES = {
    "algemeen": _("Algemeen en betrokkenen"),
    "krachten_zorgen": _("Krachten en zorgen"),
    "analyse": _("Analyse en gewenst perspectief"),
    "doelen": _("Doelen en acties"),
    "voorzieningen": _("Gevraagde voorzieningen"),
    "veiligheidsplan": _("Veiligheidsplan"),
    "afspraken": _("Afspraken"),
}
CHANNEL_NAMES = {
    Channel.WEB: _("op de website"),
    Channel.MAIL: _("per e-mail"),
    Channel.API: _("via een computerprogramma (API)"),
    Channel.PDF: _("als PDF"),
    Channel.ICS: _("in een agenda"),
}
EVENT_NAMES = {
    Event.READ: _("bekeken"),
    Event.EXPORT: _("gedownload"),
    Event.DISCLOSE: _("gestuurd"),
    Event.CHANGE: _("gewijzigd"),
    Event.CREATE: _("gemaakt"),
}

#: what a wrong filter or page parameter of the log says, by the parameter's name
FILTER_ERRORS = {
    "tot": _("De einddatum ligt voor de begindatum."),
    "wie": _("Kies iemand uit de lijst."),
    "voor": _("Dit deel van de lijst bestaat niet. Begin bij het nieuwste."),
}


@dataclass(frozen=True)
class ShownRow:
    """One entry of the log in words."""

    when: str
    heading: str  # who did what, and when: "Inge Bakker las het plan — dinsdag 1 december 2026, 14:00"
    who: str
    organisation: str
    role: str
    what: str
    sections: list[str]
    channel: str
    grounds: list[str]
    on_behalf_of: str | None
    emergency: bool
    consent_recorded: bool = False  # someone recorded a klant's consent answer for them (no part of the plan)


def _when(row: LogRow) -> str:
    local = row.event.at.astimezone(AMSTERDAM)
    return f"{format_date(local.date(), 'EEEE d MMMM y', locale='nl')}, {local:%H:%M}"


def _sections(row: LogRow) -> list[str]:
    if row.event.sections:
        return [SECTION_NAMES.get(key, key) for key in row.event.sections]
    if row.event.detail.startswith(("overleg", "1 overleg")) or "overleggen" in row.event.detail:
        return [_("Agenda en besluiten van een overleg")]
    return []


def _person(reader: Reader | None) -> tuple[str, str, str]:
    if reader is None:
        return _("eenplan zelf, of iemand die niet meer bekend is"), "", ""
    name = reader.name + (f" ({_('doet niet meer mee')})" if reader.removed else "")
    return name, reader.organisation, _(ROLE_LABELS.get(reader.role, reader.role.value))


def _consent_recorded(row: LogRow) -> bool:
    """A regisseur recorded a klant's answer to a consent request for them (a form, or orally)."""
    return (
        row.event.event is Event.CHANGE
        and row.on_behalf_of is not None
        and not row.event.sections
        and row.event.detail.startswith("toestemming ")
    )


def _heading(row: LogRow, viewer: str | None) -> str:
    """Who did what: "Inge Bakker las het plan", "Sanne de Vries legde uw toestemming vast"."""
    name = row.reader.name if row.reader else _("Iemand")
    if _consent_recorded(row):
        assert row.on_behalf_of is not None
        if row.on_behalf_of.id == viewer:
            return _("%(name)s legde uw toestemming vast") % {"name": name}
        return _("%(name)s legde de toestemming van %(klant)s vast") % {"name": name, "klant": row.on_behalf_of.name}
    overleg = not row.event.sections and bool(_sections(row))
    if row.event.event is Event.READ:
        return (_("%(name)s las een overleg") if overleg else _("%(name)s las het plan")) % {"name": name}
    return (HEADINGS.get(row.event.event) or _("%(name)s deed iets met het plan")) % {"name": name}


#: an entry's heading by what happened (a read: `_heading`)
HEADINGS = {
    Event.EXPORT: _("%(name)s downloadde het plan"),
    Event.DISCLOSE: _("%(name)s kreeg het plan toegestuurd"),
    Event.CHANGE: _("%(name)s veranderde iets"),
    Event.CREATE: _("%(name)s maakte iets nieuws"),
}


def _grounds(row: LogRow) -> list[str]:
    """The entry's grounds in words. A role ground ("rol:…") is the reader's own; any other rests on the access
    of whom the entry was on behalf of (a token issued for them: theirs)."""
    holder = row.on_behalf_of or row.reader
    texts = []
    for view in row.grounds:
        person = row.reader if view.kind is GroundKind.ROL else holder
        texts.append(
            ground_text(view, person=person.name if person else None, role=person.role.value if person else None)
        )
    return texts or grounds_text(())


def shown_row(row: LogRow, viewer: str | None = None) -> ShownRow:
    """An entry of the client view as the page shows it; `viewer` is the klant reading the log (their own
    consent recorded by a regisseur reads "uw toestemming")."""
    who, organisation, role = _person(row.reader)
    recorded = _consent_recorded(row)
    when = _when(row)
    return ShownRow(
        when=when,
        heading=f"{_heading(row, viewer)} — {when}",
        who=who,
        organisation=organisation,
        role=role,
        what=_("toestemming vastgelegd") if recorded else EVENT_NAMES.get(row.event.event, row.event.event.value),
        sections=_sections(row),
        channel=CHANNEL_NAMES.get(row.event.channel, row.event.channel.value),
        grounds=_grounds(row),
        on_behalf_of=row.on_behalf_of.name if row.on_behalf_of else None,
        emergency=row.event.emergency,
        consent_recorded=recorded,
    )


def _day(request: web.Request, name: str, errors: dict[str, str]) -> date | None:
    value = request.query.get(name, "").strip()
    if not value:
        return None
    try:
        return parse_date(value, name)
    except ValidationFailed:
        errors[name] = _("Vul een datum in, zoals 2026-12-07.")
        return None


@routes.get("/huishoudens/{id}/bekeken")
async def log_page(request: web.Request) -> web.StreamResponse:
    """Wie heeft ons plan bekeken: the log for the klant, newest first, filtered by period and person, 50 a page.
    A bad date answers the page again with 422 and the field named."""
    household_id, principal = await guard.household(request)
    errors: dict[str, str] = {}
    since, until = _day(request, "van", errors), _day(request, "tot", errors)
    person = request.query.get("wie", "").strip() or None
    wanted = LogFilter(since, until, person)
    try:
        before = query_int(request, "voor")
        log = await services(request).access_log.client_view(
            principal, household_id, wanted, before=before, limit=PAGE_ROWS
        )
    except ValidationFailed as err:
        for problem in err.problems:
            errors[problem.field] = FILTER_ERRORS.get(problem.field, FILTER_ERRORS["wie"])
        log = await services(request).access_log.client_view(principal, household_id, LogFilter(), limit=1)
    request[WHERE] = log.household_name
    context = _context(household_id, request, log, errors, principal.betrokkene_id)
    return page(request, "bekeken.html", context, status=422 if errors else 200)


def _context(
    household_id: str, request: web.Request, log: ClientLog, errors: dict[str, str], viewer: str
) -> dict[str, object]:
    query = {k: request.query[k] for k in ("van", "tot", "wie") if request.query.get(k)}
    older = None
    if log.next_before is not None and not errors:
        older = f"/huishoudens/{household_id}/bekeken?" + urllib.parse.urlencode({**query, "voor": log.next_before})
    return {
        "household_id": household_id,
        "rows": [] if errors else [shown_row(r, viewer) for r in log.rows],
        "people": log.people,
        "van": request.query.get("van", ""),
        "tot": request.query.get("tot", ""),
        "wie": request.query.get("wie", ""),
        "errors": errors,
        "filtered": bool(query),
        "older": older,
        "first_page": "voor" not in request.query,
        "newest": f"/huishoudens/{household_id}/bekeken?" + urllib.parse.urlencode(query),
    }


@routes.get("/huishoudens/{id}/inzage")
async def inzage_page(request: web.Request) -> web.StreamResponse:
    """Inzage: what AVG art. 15 gives the klant, in B1, with the download button."""
    household_id, principal = await guard.household(request)
    offer = await services(request).inzage.offer(principal, household_id)
    request[WHERE] = offer.household.name
    step = "/inloggen/tweede-stap?" + urllib.parse.urlencode({"next": f"/huishoudens/{household_id}/inzage"})
    return page(request, "inzage.html", {"household_id": household_id, "ready": offer.ready, "step": step})


@routes.get("/huishoudens/{id}/inzage.zip", allow_head=False)  # a HEAD would log an export
async def inzage_zip(request: web.Request) -> web.StreamResponse:
    """The download: a zip of JSON files and the PDF, never cached, its name without anyone's name."""
    household_id, principal = await guard.household(request)
    name, body = await services(request).inzage.export(principal, household_id)
    return web.Response(
        body=body,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
