"""Ons plan and Wat is er veranderd (issue 12, items 1-2): the scoped plan, its changes in words, its versions.

The services decide what the caller may read, cut the plan to it and log what they showed (channel `web`,
the PDF on `pdf`); this reads the query, formats names and dates, and renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from babel.dates import format_date
from markupsafe import Markup

from ...domain.errors import ValidationFailed
from ...domain.lru import ByteLru, text_bytes, texts_bytes
from ...domain.plan_words import SECTION_NAMES, as_day, changes_in_words
from ...services.plan_pages import LeftOut, PlanPage
from ..keys import services
from ..params import query_int
from . import guard
from .i18n import SOURCE_LANGUAGE, _
from .keys import WHERE
from .render import page

routes = web.RouteTableDef()

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: rendered sections by (view, names, reasons); views are shared and immutable, so entries never go stale
_SECTIONS: ByteLru[tuple[object, ...], str] = ByteLru(8 * 1024 * 1024, text_bytes)

LEEFGEBIEDEN = {
    "werk": _("Werk"),
    "inkomen_financien": _("Inkomen en financiën"),
    "sociale_steun": _("Sociale steun"),
    "wonen": _("Wonen"),
    "onderwijs": _("Onderwijs"),
    "jeugdzorg_zorg": _("Jeugdzorg en zorg"),
    "veiligheid": _("Veiligheid"),
    "gezondheid": _("Gezondheid"),
    "overig": _("Overig"),
}
STATUS_WORDS = {
    "open": _("Nog bezig"),
    "behaald": _("Behaald"),
    "niet_behaald": _("Niet behaald"),
    "gevraagd": _("Gevraagd"),
    "toegekend": _("Toegekend"),
    "afgewezen": _("Afgewezen"),
}
#: what a query parameter is called on the page (a 422 names it)
FIELD_LABELS = {"van": _("Van versie"), "tot": _("Tot versie"), "voor": _("Oudere versies")}


def day(value: Any) -> str:
    """A stored date (or a moment, in the households' time zone) as 'maandag 7 december 2026'."""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date()
    parsed = as_day(value)
    return format_date(parsed, "EEEE d MMMM y", locale=SOURCE_LANGUAGE) if parsed is not None else str(value or "")


def names_text(names: Sequence[str]) -> str:
    """'Fatima', 'Fatima en Youssef', 'Fatima, Youssef en Amira'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " " + _("en") + " " + names[-1]


def why_line(left: LeftOut) -> str:
    """One short line on why a section is absent or partly shown, naming whose consent would share it."""
    if left.partial:
        own = (
            _("U ziet hier alleen de acties die u zelf doet.")
            if left.key == "doelen"
            else _("U ziet hier alleen de afspraken die u zelf maakt.")
        )
        if len(left.deciders) == 1:
            return own + " " + _("De rest deelt %(name)s niet met u.") % {"name": left.deciders[0]}
        if left.deciders:
            return own + " " + _("De rest delen %(names)s niet met u.") % {"names": names_text(left.deciders)}
        return own
    if len(left.deciders) == 1:
        return _("%(name)s deelt dit deel niet met u.") % {"name": left.deciders[0]}
    if 1 < len(left.deciders) <= 3:
        return _("%(names)s delen dit deel niet met u.") % {"names": names_text(left.deciders)}
    return _("Dit deel is niet met u gedeeld.")


def moment(value: datetime) -> str:
    """A moment as 'maandag 7 december 2026 om 14:05' (households' time zone): versions of one day differ."""
    local = value.astimezone(AMSTERDAM)
    return _("%(day)s om %(time)s") % {"day": day(local), "time": f"{local:%H:%M}"}


def _helpers(names: Mapping[str, str], me: str = "") -> dict[str, Any]:
    def who(betrokkene_id: Any) -> str:
        return names.get(str(betrokkene_id), _("iemand")) if betrokkene_id else ""

    def wie(betrokkene_id: Any) -> str:  # who does an action or afspraak: "U" for the reader
        return _("U") if me and str(betrokkene_id) == me else who(betrokkene_id)

    return {
        "day": day,
        "moment": moment,
        "who": who,
        "wie": wie,
        "leefgebied": lambda key: LEEFGEBIEDEN.get(str(key), str(key)),
        "status": lambda key: STATUS_WORDS.get(str(key), str(key)),
        "section_names": SECTION_NAMES,
    }


def sections_html(request: web.Request, view: PlanPage) -> Markup:
    """The plan's sections as HTML, rendered once per (shared, immutable) view, names and reasons: the same
    view under the same decision gives the same HTML, so later readers of it skip the template."""
    key = (view.snapshot, tuple(sorted(view.names.items())), view.left_out, view.me)
    cached = _SECTIONS.get(key)
    if cached is None:
        left_out = {left.key: why_line(left) for left in view.left_out}
        order = [k for k in SECTION_NAMES if k in view.sections or k in left_out]
        template = aiohttp_jinja2.get_env(request.app).get_template("plan_sections.html")
        cached = template.render(view=view, order=order, left_out=left_out, **_helpers(view.names, view.me))
        # the key holds the snapshot too: its texts count against the budget with the HTML
        _SECTIONS.put(key, cached, size=text_bytes(cached) + texts_bytes(view.snapshot.sections.values()))
    return Markup(cached)  # rendered by the autoescaping template above


@routes.get("/huishoudens/{id}/plan", allow_head=False)  # a HEAD would be logged as a read
async def plan_page(request: web.Request) -> web.StreamResponse:
    """The current plan as the caller may read it: names, dates in words, absent sections with a reason."""
    household_id, principal = await guard.household(request)
    view = await services(request).plan_pages.plan(principal, household_id)
    request[WHERE] = view.household_name
    return page(
        request,
        "plan.html",
        {
            "view": view,
            "base": f"/huishoudens/{household_id}",
            "sections_html": sections_html(request, view),
            "day": day,
        },
    )


@routes.get("/huishoudens/{id}/plan.pdf", allow_head=False)
async def plan_pdf(request: web.Request) -> web.StreamResponse:
    """The same scoped plan as a PDF (logged on channel pdf, as an export)."""
    household_id, principal = await guard.household(request)
    pdf = await services(request).mailgroup.plan_pdf(principal, household_id)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="ons-plan.pdf"', "Cache-Control": "no-store"},
    )


def _bad_query(request: web.Request, household_id: str, err: ValidationFailed) -> web.Response:
    """422: the version form again, with the parameter that is wrong named next to its field."""
    problem = err.problems[0] if err.problems else None
    field = problem.field if problem is not None and problem.field in FIELD_LABELS else "van"
    if problem is not None and "after" in problem.problem:
        message = _("De eerste versie moet vóór de tweede komen.")
    else:
        message = _("Vul bij '%(label)s' het nummer van een versie in die bestaat, zoals 2.") % {
            "label": FIELD_LABELS[field]
        }
    return page(
        request,
        "veranderd_fout.html",
        {
            "base": f"/huishoudens/{household_id}",
            "field": field,
            "message": message,
            "van": request.query.get("van", "")[:10],
            "tot": request.query.get("tot", "")[:10],
        },
        status=422,
    )


@routes.get("/huishoudens/{id}/veranderd", allow_head=False)
async def changes_page(request: web.Request) -> web.StreamResponse:
    """What changed since the caller's last visit, or between two versions (?van=N&tot=M), in words."""
    household_id, principal = await guard.household(request)
    try:
        van, tot = query_int(request, "van"), query_int(request, "tot")
        view = await services(request).plan_pages.changes(principal, household_id, van, tot)
    except ValidationFailed as err:
        return _bad_query(request, household_id, err)
    request[WHERE] = view.household_name
    words = changes_in_words(view.changes, view.names, view.old, view.new, day, own=view.own)
    return page(
        request,
        "veranderd.html",
        {"view": view, "words": words, "base": f"/huishoudens/{household_id}", "chosen": (van, tot) != (None, None)},
    )


@routes.get("/huishoudens/{id}/veranderd/versies")
async def versions_page(request: web.Request) -> web.StreamResponse:
    """Every version, newest first, with the vastgestelde marked; each links to its changes."""
    household_id, principal = await guard.household(request)
    try:
        before = query_int(request, "voor")
    except ValidationFailed as err:
        return _bad_query(request, household_id, err)
    view = await services(request).plan_pages.versions(principal, household_id, before)
    request[WHERE] = view.household_name
    return page(
        request,
        "versies.html",
        {"view": view, "base": f"/huishoudens/{household_id}", **_helpers(view.names)},
    )
