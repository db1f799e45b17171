"""De overleggen van de regisseur (issue 13, item 4): the startoverleg window as a calendar, slots where every
must-attend is reachable, the date poll and its results, the pick, and planning directly. One overleg's page
(attendance, reschedule, cancel, close) is `regie_overleg_one_pages`.

The services decide: `OverlegService.window_calendar`/`slots`, `PollService.open_polls` and the inbound
answers are the regisseur's only (403 for everyone else); every form goes through the same use cases as the
API. This module reads forms, words dates and errors, and renders.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from babel.dates import format_date
from multidict import MultiMapping

from ...domain.audit import Channel
from ...domain.errors import ValidationFailed
from ...domain.overleg import Invitee, OverlegType
from ...services.overleg_slots import SlotRequest
from ...services.overleggen import OverlegDraft
from ..keys import services
from . import forms, guard
from .forms import Posted
from .i18n import SOURCE_LANGUAGE, _
from .overleg_pages import status_label, type_label, when
from .regie_forms import (
    day_of,
    must_of,
    names_of,
    slot_of,
)
from .regie_words import day_words, overleg_errors
from .render import page

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/regie/overleggen"
ONE = BASE + "/{oid}"
WEEKDAYS = (_("maandag"), _("dinsdag"), _("woensdag"), _("donderdag"), _("vrijdag"), _("zaterdag"), _("zondag"))


async def _overview(
    request: web.Request, errors: dict[str, str] | None = None, entered: MultiMapping[str] | None = None
) -> web.Response:
    household_id, principal = await guard.household(request)
    svc = services(request)
    source: MultiMapping[str] = entered if entered is not None else request.query
    errors = dict(errors or {})
    try:
        started = day_of(source.get("gestart"), "gestart")
    except ValidationFailed:
        started, errors["gestart"] = None, _("Vul een bestaande datum in.")
    cal = await svc.overleggen.window_calendar(principal, household_id, started)
    people = await names_of(request, principal, household_id)
    chosen: list[str] | None = None  # before the regisseur chooses, the service's default says who must come
    optional: list[str] = []
    if "gekozen" in source:
        chosen, optional = must_of(source, people)
    want = SlotRequest(cal.earliest, cal.latest, timedelta(minutes=60), limit=12)
    choice = await svc.overleggen.slot_choice(principal, household_id, want, chosen, optional)
    polls = await svc.polls.open_polls(principal, household_id)
    overleggen = await svc.overleggen.list(principal, household_id, channel=Channel.WEB, content=False)
    await guard.named_household(request, principal, household_id)
    return page(
        request,
        "regie_overleggen.html",
        {
            "household_id": household_id,
            "cal": cal,
            "month_name": lambda d: format_date(d, "MMMM y", locale=SOURCE_LANGUAGE),
            "long_date": lambda d: format_date(d, "EEEE d MMMM y", locale=SOURCE_LANGUAGE),
            "day_words": day_words,
            "weekdays": WEEKDAYS,
            "people": people,
            "must": choice.must,
            "choice": choice,
            "slots": [(f"{s.start.isoformat()}|{s.end.isoformat()}", when(s.start, s.end), s) for s in choice.slots],
            "polls": [(p, [(o, when(o.start, o.end), p.tally()[o.id]) for o in p.options]) for p in polls],
            "overleggen": [(o, type_label(o.type), when(o.start, o.end), status_label(o.status)) for o in overleggen],
            "errors": errors or {},
            "entered": entered if entered is not None else {},
            "notice": request.query.get("gelukt", ""),
        },
        status=422 if errors else 200,
    )


@routes.get(BASE)
async def overview(request: web.Request) -> web.Response:
    """The window, the slots, the open polls and every overleg of the household."""
    return await _overview(request)


def _here(request: web.Request, what: str, oid: str = "") -> str:
    """Back to the overview (or one overleg's page) with what was done."""
    return f"/huishoudens/{request.match_info['id']}/regie/overleggen" + (f"/{oid}" if oid else "") + f"?gelukt={what}"


def _invitees(must: list[str], optional: list[str]) -> tuple[Invitee, ...]:
    return tuple(Invitee(b, True) for b in must) + tuple(Invitee(b, False) for b in optional)


async def _overview_again(post: Posted, err: ValidationFailed) -> web.Response:
    return await _overview(post.request, overleg_errors(err), post.form)


@routes.post(BASE + "/prikker")
async def create_poll(request: web.Request) -> web.StreamResponse:
    """Open a date poll with the chosen slots; everyone is invited, the `moet` ones must come."""

    async def act(post: Posted) -> str:
        must, optional = must_of(post.form, await names_of(request, post.principal, post.household_id))
        poll = await services(request).polls.create(
            post.principal,
            post.household_id,
            overleg_type=OverlegType.STARTOVERLEG,
            options=[slot_of(v) for v in post.form.getall("optie", [])],
            invitees=_invitees(must, optional),
            initiated_on=day_of(post.form.get("gestart"), "gestart"),
            reason=post.form.get("reden") or None,
        )
        return _here(request, "prikker") + f"#prikker-{poll.id}"

    return await forms.handle(request, act, _overview_again)


@routes.post(BASE + "/plannen")
async def plan_directly(request: web.Request) -> web.StreamResponse:
    """Plan the startoverleg at the one chosen slot (without a poll) and send the invitations."""

    async def act(post: Posted) -> str:
        must, optional = must_of(post.form, await names_of(request, post.principal, post.household_id))
        chosen = post.form.getall("optie", [])
        if len(chosen) != 1:
            raise ValidationFailed.one("options", "choose exactly one slot")
        start, end = slot_of(chosen[0])
        view, _queued = await services(request).overleggen.plan(
            post.principal,
            post.household_id,
            OverlegDraft(
                type=OverlegType.STARTOVERLEG,
                start=start,
                end=end,
                invitees=_invitees(must, optional),
                location=post.form.get("locatie") or None,
                initiated_on=day_of(post.form.get("gestart"), "gestart"),
                reason=post.form.get("reden") or None,
            ),
        )
        return _here(request, "gepland", view.id)

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _overview(request, overleg_errors(err, one=True), post.form)

    return await forms.handle(request, act, refused)


@routes.post(BASE + "/prikker/{pid}/kiezen")
async def pick(request: web.Request) -> web.StreamResponse:
    """Pick one option of a poll: it becomes the overleg and its invitations; the poll closes."""
    pid = request.match_info["pid"]

    async def act(post: Posted) -> str:
        view, _queued = await services(request).polls.pick(
            post.principal, post.household_id, pid, post.text("optie"), location=post.form.get("locatie") or None
        )
        return _here(request, "gepland", view.id)

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _overview(request, {f"kies-{pid}": _("Kies een van de tijden.")})

    return await forms.handle(request, act, refused)
