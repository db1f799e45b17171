"""Termijnen van het plan (issue 13): the regisseur records what the plan's own deadlines count from — someone
asked to have the plan in writing (14 days), it was decided not to make a familiegroepsplan (6 weeks) — and sees
each with its last day and whether it is met.

Every rule (who may ask, no day in the future, due, met, overdue, regisseurs only) is `PlanDeadlineService`'s;
the same use cases answer `POST /api/households/{id}/plan-deadlines/…`. The page shows names and days only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from babel.dates import format_date

from ...domain.errors import NotFound, ValidationFailed
from ...domain.pages import HouseholdPage
from ...domain.plan_deadlines import EventKind, EventStatus
from ...services.overleg_drafts import AMSTERDAM
from ...services.plan_deadlines import OverlegChoice
from ..keys import services
from . import forms, guard
from .betrokkenen_pages import role_label
from .forms import Posted
from .i18n import SOURCE_LANGUAGE, _
from .regie_forms import day_of
from .render import page, redirect
from .werkbank_pages import OVERLEG_TEXTS, long_date

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/" + HouseholdPage.REGIE_TERMIJNEN.value

KIND_TEXTS: dict[EventKind, str] = {
    EventKind.WRITTEN_PLAN_ASKED: _("Gevraagd om het plan op schrift"),
    EventKind.NO_FAMILIEGROEPSPLAN: _("Besloten: geen familiegroepsplan"),
}
DONE_TEXTS: dict[str, str] = {
    "verwijderd": _("Verwijderd. Deze termijn telt niet meer mee."),
    "gevraagd": _("Vastgelegd. Het plan moet binnen 14 dagen op schrift staan."),
    "besloten": _("Vastgelegd. Het plan moet binnen 6 weken vastgesteld zijn."),
}
#: a refused field's Dutch text (the services' own messages are English and for developers)
FIELD_TEXTS: dict[str, str] = {
    "gevraagd-wie": _("Kies wie erom vroeg: de jongere, een ouder of een hulpverlener."),
    "gevraagd-datum": _("Vul een datum in die niet in de toekomst ligt."),
    "besloten-datum": _("Vul een datum in die niet in de toekomst ligt."),
}
#: the same event twice (same kind, day and person) is refused next to the day
DUPLICATE_TEXTS: dict[str, str] = {
    "gevraagd-datum": _("Deze vraag is al vastgelegd voor deze persoon en deze dag."),
    "besloten-datum": _("Dit besluit is al vastgelegd voor deze dag."),
}


#: the vaststellen form's refusals, next to its fields (the editor's form)
ADOPT_TEXTS: dict[str, str] = {
    "overleg": _("Kies een overleg dat is gehouden of dat vandaag is."),
    "versie": _("Deze versie is al vastgesteld."),
    "kiezen": _("Kies bij welk overleg het plan is goedgekeurd. Of kies: niet bij een overleg."),
}
#: the vaststellen form's value for "Niet bij een overleg" (an explicit choice; the empty value is no choice)
NO_OVERLEG = "geen"


def adoption_options(choices: list[OverlegChoice]) -> list[tuple[str, str]]:
    """The overleggen the editor's vaststellen form offers, in words: type, day, and held or today."""
    out = []
    for c in choices:
        when = _("gehouden") if c.held else _("vandaag")
        out.append((c.id, f"{OVERLEG_TEXTS[c.type]}, {long_date(c.start.astimezone(AMSTERDAM).date())} ({when})"))
    return out


def adopt_errors(err: ValidationFailed) -> dict[str, str]:
    """A refused vaststelling: the overleg's field, else the version's."""
    fields = {p.field for p in err.problems}
    return {"overleg": ADOPT_TEXTS["overleg"]} if "overleg" in fields else {"versie": ADOPT_TEXTS["versie"]}


def state_text(status: EventStatus) -> str:
    """Whether the deadline is met, still open, or overdue, in words."""
    if status.met and status.late_days and status.met_on:
        return _("Gedaan, te laat (%(day)s, %(n)d dagen na de termijn)") % {
            "day": format_date(status.met_on, "d MMMM", locale=SOURCE_LANGUAGE),
            "n": status.late_days,
        }
    if status.met:
        return _("Gedaan")
    if status.overdue:
        return _("Te laat")
    return _("Nog niet gedaan")


async def _render(
    request: web.Request, errors: dict[str, str] | None = None, entered: dict[str, str] | None = None
) -> web.Response:
    household_id, principal = await guard.household(request)
    overview = await services(request).plan_deadlines.overview(principal, household_id)
    household = await guard.named_household(request, principal, household_id)
    context: dict[str, Any] = {
        "household": household,
        "base": BASE.format(id=household_id),
        "overview": overview,
        "kind_text": KIND_TEXTS,
        "state_text": state_text,
        "role_label": role_label,
        "long_date": long_date,
        "today": overview.today.isoformat(),
        "errors": errors or {},
        "entered": entered or {},
        "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
        "written": EventKind.WRITTEN_PLAN_ASKED,
    }
    return page(request, "regie_termijnen.html", context, status=422 if errors else 200)


def _errors(err: ValidationFailed, form: str) -> dict[str, str]:
    """The service's refusal as the Dutch text next to the field it names."""
    out: dict[str, str] = {}
    for problem in err.problems:
        key = f"{form}-wie" if problem.field == "asked_by" else f"{form}-datum"
        duplicate = problem.field == "on" and "already recorded" in problem.problem
        out.setdefault(key, DUPLICATE_TEXTS[key] if duplicate else FIELD_TEXTS[key])
    return out


@routes.get(BASE)
async def overview(request: web.Request) -> web.Response:
    """The recorded events with their last day, and the two forms."""
    return await _render(request)


def _required_day(post: Posted) -> date:
    """The form's day: required, and a date."""
    on = day_of(post.form.get("datum"), "on")
    if on is None:
        raise ValidationFailed.one("on", "is required")
    return on


def _done(request: web.Request, what: str) -> str:
    return BASE.format(id=request.match_info["id"]) + f"?gelukt={what}#melding"


@routes.post(BASE + "/gevraagd")
async def asked(request: web.Request) -> web.StreamResponse:
    """Someone asked to have the plan in writing: the written plan is due 14 days later."""

    async def act(post: Posted) -> str:
        on = _required_day(post)
        await services(request).plan_deadlines.record_written_request(
            post.principal, post.household_id, post.text("wie"), on
        )
        return _done(request, "gevraagd")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        entered = {"gevraagd-wie": post.text("wie"), "gevraagd-datum": post.text("datum")}
        return await _render(request, _errors(err, "gevraagd"), entered)

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/geen-familiegroepsplan")
async def decided(request: web.Request) -> web.StreamResponse:
    """It was decided not to make a familiegroepsplan: the plan is to be vastgesteld within 6 weeks."""

    async def act(post: Posted) -> str:
        on = _required_day(post)
        await services(request).plan_deadlines.record_no_familiegroepsplan(post.principal, post.household_id, on)
        return _done(request, "besloten")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _render(request, _errors(err, "besloten"), {"besloten-datum": post.text("datum")})

    return await forms.handle(request, act, refused)


def _status_of(statuses: tuple[EventStatus, ...], event_id: str) -> EventStatus:
    """The listed event `event_id`; one the household does not have is the usual 404 page."""
    for s in statuses:
        if s.event.id == event_id:
            return s
    raise NotFound("deadline event not found")


@routes.get(BASE + "/{eid}/verwijderen")
async def confirm_removal(request: web.Request) -> web.Response:
    """The confirmation step before an event recorded by mistake is deleted."""
    household_id, principal = await guard.household(request)
    overview = await services(request).plan_deadlines.overview(principal, household_id)
    status = _status_of(overview.statuses, request.match_info["eid"])
    await guard.named_household(request, principal, household_id)
    context: dict[str, Any] = {
        "base": BASE.format(id=household_id),
        "status": status,
        "overview": overview,
        "kind_text": KIND_TEXTS,
        "long_date": long_date,
    }
    return page(request, "regie_termijn_verwijderen.html", context)


@routes.post(BASE + "/{eid}/verwijderen")
async def remove(request: web.Request) -> web.StreamResponse:
    """Delete one event (the regisseur confirmed); the service decides who may."""
    post = await forms.posted(request)
    await services(request).plan_deadlines.remove(post.principal, post.household_id, request.match_info["eid"])
    raise redirect(_done(request, "verwijderd"))
