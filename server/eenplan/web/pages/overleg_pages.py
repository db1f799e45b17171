"""Onze overleggen (issue 12, item 6): the caller's overleggen, their answer, the date poll, the invite (.ics).

The services decide what a person sees: `OverlegService.list/get` answer with views already cut by
`may_read_overleg_content` and log what they showed (channel WEB here); the answer, the vote and the invite
go through the same services as the API. The calendar feed's pages are in `agenda_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_time

from ...domain.audit import Channel
from ...domain.overleg import DatePoll, Invitee, OverlegStatus, OverlegType, Partstat, Vote
from ...domain.pages import HouseholdPage
from ...services.overleg_views import OverlegView
from ..keys import services
from . import forms, guard
from .i18n import SOURCE_LANGUAGE, _
from .render import page, redirect

routes = web.RouteTableDef()

ZONE = ZoneInfo("Europe/Amsterdam")
LIST = "/huishoudens/{id}/" + HouseholdPage.OVERLEGGEN.value
ONE = LIST + "/{oid}"
ANSWER = ONE + "/antwoord"
INVITE = ONE + "/uitnodiging.ics"
POLL = LIST + "/prikker/{pid}"

#: the answer form's values and what they mean
ANSWERS = {"ja": Partstat.ACCEPTED, "nee": Partstat.DECLINED, "misschien": Partstat.TENTATIVE}
#: a date poll's values per option
VOTES = {"ja": Vote.YES, "misschien": Vote.MAYBE, "nee": Vote.NO}


def when(start: datetime, end: datetime) -> str:
    """A time span as pages show it: "maandag 7 december 2026, 14:00–15:30" (Dutch local time; an end on
    another day gets its date)."""
    start, end = start.astimezone(ZONE), end.astimezone(ZONE)
    day = format_date(start.date(), "EEEE d MMMM y", locale=SOURCE_LANGUAGE)
    until = format_time(end, "HH:mm", locale=SOURCE_LANGUAGE)
    if end.date() != start.date():
        until = format_date(end.date(), "EEEE d MMMM y", locale=SOURCE_LANGUAGE) + ", " + until
    return f"{day}, {format_time(start, 'HH:mm', locale=SOURCE_LANGUAGE)}–{until}"


def answer_label(partstat: Partstat) -> str:
    """An answer in words."""
    labels = {
        Partstat.ACCEPTED: _("Ja, ik kom"),
        Partstat.DECLINED: _("Nee, ik kom niet"),
        Partstat.TENTATIVE: _("Misschien"),
        Partstat.NEEDS_ACTION: _("U heeft nog niet geantwoord"),
    }
    return labels[partstat]


def type_label(kind: OverlegType) -> str:
    """The kind of overleg, as the method calls it."""
    labels = {
        OverlegType.STARTOVERLEG: _("Startoverleg"),
        OverlegType.VOORTGANGSOVERLEG: _("Voortgangsoverleg"),
        OverlegType.SPOEDOVERLEG: _("Spoedoverleg"),
        OverlegType.AFSLUITEND_OVERLEG: _("Afsluitend overleg"),
    }
    return labels[kind]


def status_label(status: OverlegStatus) -> str:
    """Where an overleg stands, in words."""
    labels = {
        OverlegStatus.PLANNED: _("Gepland"),
        OverlegStatus.HELD: _("Geweest"),
        OverlegStatus.CANCELLED: _("Gaat niet door"),
    }
    return labels[status]


@dataclass(frozen=True)
class Shown:
    """One overleg as a page shows it: the view and its words."""

    view: OverlegView
    kind: str
    when: str
    status: str
    mine: Invitee | None
    answer: str
    upcoming: bool

    @property
    def href(self) -> str:
        """The overleg's own page."""
        return f"/huishoudens/{self.view.household_id}/overleggen/{self.view.id}"

    @property
    def may_answer(self) -> bool:
        """Whether the caller is invited and the overleg still planned: the answer form is on its page."""
        return self.mine is not None and self.view.status is OverlegStatus.PLANNED


def shown(view: OverlegView, me: str, now: datetime) -> Shown:
    """The view with its date, status and the caller's invitation in words."""
    mine = next((i for i in view.invitees if i.betrokkene_id == me), None)
    return Shown(
        view,
        type_label(view.type),
        when(view.start, view.end),
        status_label(view.status),
        mine,
        answer_label(mine.partstat) if mine else "",
        view.status is OverlegStatus.PLANNED and view.end > now,
    )


def poll_options(poll: DatePoll, me: str) -> list[dict[str, str]]:
    """A poll's options for the form: id, date and time in words, and the caller's vote so far ('' none)."""
    back = {v: k for k, v in VOTES.items()}
    options = []
    for o in poll.options:
        mine = poll.votes.get(o.id, {}).get(me)
        options.append({"id": o.id, "when": when(o.start, o.end), "vote": back[mine] if mine else ""})
    return options


@routes.get(LIST, allow_head=False)  # a HEAD would be logged as a read
async def overleggen(request: web.Request) -> web.Response:
    """The overleggen I am invited to (a regisseur: all), upcoming first; open date polls; my calendar link."""
    household_id, principal = await guard.household(request)
    svc = services(request)
    views = await svc.overleggen.list(principal, household_id, channel=Channel.WEB)
    polls = await svc.polls.open_for(principal, household_id)
    has_feed = await svc.calendar_feeds.has_feed(principal, household_id)
    now = svc.overleggen.now()
    items = [shown(v, principal.betrokkene_id, now) for v in views]
    upcoming = sorted((i for i in items if i.upcoming), key=lambda i: i.view.start)
    earlier = sorted((i for i in items if not i.upcoming), key=lambda i: i.view.start, reverse=True)
    await guard.named_household(request, principal, household_id)
    return page(
        request,
        "overleggen.html",
        {
            "household_id": household_id,
            "upcoming": upcoming,
            "earlier": earlier,
            "polls": [(p, when(p.options[0].start, p.options[0].end) if p.options else "") for p in polls],
            "has_feed": has_feed,
            "notice": request.query.get("gelukt", ""),
            "content_withheld": any(not i.view.content_readable for i in items),
        },
    )


async def _detail(request: web.Request, errors: dict[str, str] | None = None) -> web.Response:
    household_id, principal = await guard.household(request)
    svc = services(request)
    view = await svc.overleggen.get(principal, household_id, request.match_info["oid"], channel=Channel.WEB)
    polls = await svc.polls.open_for(principal, household_id)
    item = shown(view, principal.betrokkene_id, svc.overleggen.now())
    await guard.named_household(request, principal, household_id)
    context: dict[str, Any] = {
        "household_id": household_id,
        "item": item,
        "may_answer": item.may_answer,
        "current": {v: k for k, v in ANSWERS.items()}.get(item.mine.partstat, "") if item.mine else "",
        "polls": polls,
        "errors": errors or {},
        "notice": request.query.get("gelukt", ""),
    }
    return page(request, "overleg.html", context, status=422 if errors else 200)


@routes.get(ONE, allow_head=False)
async def overleg(request: web.Request) -> web.Response:
    """One overleg: when, where, whether I must come, my answer form, the invite; agenda and decisions when the
    view has them. Someone not invited gets the same 404 as for an overleg that does not exist."""
    return await _detail(request)


@routes.post(ANSWER)
async def answer(request: web.Request) -> web.Response:
    """Ja / nee / misschien → OverlegService.attendance; back to the overleg's page (PRG)."""
    post = await forms.posted(request)
    chosen = ANSWERS.get(post.text("antwoord"))
    if chosen is None:
        return await _detail(request, {"antwoord": _("Kies ja, nee of misschien.")})
    oid = request.match_info["oid"]
    await services(request).overleggen.attendance(post.principal, post.household_id, oid, chosen, channel=Channel.WEB)
    raise redirect(f"/huishoudens/{post.household_id}/overleggen/{oid}?gelukt=antwoord")


@routes.get(ANSWER)
async def answer_back(request: web.Request) -> web.Response:
    """A GET of the answer form's address (a refresh) goes back to the overleg's page."""
    raise redirect(f"/huishoudens/{request.match_info['id']}/overleggen/{request.match_info['oid']}")


@routes.get(INVITE, allow_head=False)
async def invite(request: web.Request) -> web.Response:
    """My invite as .ics, the reduced one without place or other people (logged on channel ICS)."""
    household_id, principal = await guard.household(request)
    oid = request.match_info["oid"]
    _uid, ics = await services(request).overleggen.invite_ics(principal, household_id, oid, None, cleartext=True)
    return web.Response(
        body=ics,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="overleg-{oid}.ics"'},
    )


async def _poll_page(request: web.Request, errors: dict[str, str] | None = None) -> web.Response:
    household_id, principal = await guard.household(request)
    poll = await services(request).polls.get(principal, household_id, request.match_info["pid"])
    await guard.named_household(request, principal, household_id)
    context = {
        "household_id": household_id,
        "poll": poll,
        "options": poll_options(poll, principal.betrokkene_id),
        "may_vote": poll.open and any(i.betrokkene_id == principal.betrokkene_id for i in poll.invitees),
        "errors": errors or {},
        "notice": request.query.get("gelukt", ""),
    }
    return page(request, "overleg_prikker.html", context, status=422 if errors else 200)


@routes.get(POLL)
async def poll_page(request: web.Request) -> web.Response:
    """A date poll: per option ja / misschien / nee (only for those invited; others get 404)."""
    return await _poll_page(request)


@routes.post(POLL)
async def vote(request: web.Request) -> web.Response:
    """My votes → PollService.vote; back to the poll's page (PRG). Options left open keep their vote."""
    post = await forms.posted(request)
    votes = {
        str(key).removeprefix("optie-"): VOTES[str(value)]
        for key, value in post.raw.items()
        if str(key).startswith("optie-") and str(value) in VOTES
    }
    if not votes:
        return await _poll_page(request, {"stemmen": _("Kies bij minstens één datum ja, misschien of nee.")})
    pid = request.match_info["pid"]
    await services(request).polls.vote(post.principal, post.household_id, pid, votes)
    raise redirect(f"/huishoudens/{post.household_id}/overleggen/prikker/{pid}?gelukt=stem")
