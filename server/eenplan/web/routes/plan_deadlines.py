"""The plan's own deadlines (issue 13): record a request for the plan in writing (due 14 days later) and the
decision not to make a familiegroepsplan (vastgesteld due 6 weeks later); list them with due, met and overdue.
The rules are `services.plan_deadlines` / `domain.plan_deadlines`'; these routes only read bodies and serialise."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aiohttp import web
from pydantic import StringConstraints

from ...domain.plan_deadlines import EventKind, EventStatus
from ..keys import principal, services
from ..registry import RouteTable
from ..response_schemas import BOOL, DAY, INT, STR, enum, listed, maybe, obj
from ..schemas import _Body, read_body

table = RouteTable("plan-deadlines")
BASE = "/api/households/{id}/plan-deadlines"

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class WrittenPlanRequest(_Body):
    """Who asked to have the plan in writing (the jeugdige, a parent or a provider: a betrokkene id) and on which
    day (not in the future)."""

    asked_by: Ref
    on: date


class NoFamiliegroepsplan(_Body):
    """The day it was decided not to make a familiegroepsplan (not in the future)."""

    on: date


DEADLINE_EVENT = obj(
    "PlanDeadlineEvent",
    {
        "id": STR,
        "kind": enum(EventKind),
        "on": DAY,
        "asked_by": maybe(STR),
        "due": DAY,
        "met": BOOL,
        "overdue": BOOL,
        "met_on": maybe(DAY),
        "late_days": INT,
    },
)
DEADLINE_EVENTS = listed("events", DEADLINE_EVENT, today=DAY)


def event_dict(status: EventStatus) -> dict[str, Any]:
    """One event as the API shows it, with its deadline judged today."""
    e = status.event
    return {
        "id": e.id,
        "kind": e.kind.value,
        "on": e.on.isoformat(),
        "asked_by": e.asked_by,
        "due": status.due.isoformat(),
        "met": status.met,
        "overdue": status.overdue,
        "met_on": status.met_on.isoformat() if status.met_on else None,
        "late_days": status.late_days,
    }


@table.route(
    "GET",
    BASE,
    summary="The plan's deadline events (regisseur): each request for the plan in writing (due 14 days later, met by "
    "the first plan version on or after its day) and each decision not to make a familiegroepsplan (due 6 weeks "
    "later, met by the first vaststelling on or after its day), newest first",
    response=DEADLINE_EVENTS,
)
async def list_events(request: web.Request) -> web.Response:
    overview = await services(request).plan_deadlines.overview(principal(request), request.match_info["id"])
    return web.json_response(
        {"today": overview.today.isoformat(), "events": [event_dict(s) for s in overview.statuses]}
    )


@table.route(
    "POST",
    BASE + "/written-plan-requests",
    summary="Record that the jeugdige, a parent or a provider asked to have the plan in writing (regisseur); the "
    "written plan is due 14 days after `on`",
    body=WrittenPlanRequest,
    responses={
        201: "The event with its deadline",
        422: "Not one who may ask, a day in the future, or this request already recorded (`on`)",
    },
    response=DEADLINE_EVENT,
)
async def record_written_request(request: web.Request) -> web.Response:
    body = await read_body(request, WrittenPlanRequest)
    status = await services(request).plan_deadlines.record_written_request(
        principal(request), request.match_info["id"], body.asked_by, body.on
    )
    return web.json_response(event_dict(status), status=201)


@table.route(
    "POST",
    BASE + "/no-familiegroepsplan",
    summary="Record the decision not to make a familiegroepsplan (regisseur); the plan is to be vastgesteld within "
    "6 weeks after `on`",
    body=NoFamiliegroepsplan,
    responses={201: "The event with its deadline", 422: "A day in the future, or this decision already recorded"},
    response=DEADLINE_EVENT,
)
async def record_no_familiegroepsplan(request: web.Request) -> web.Response:
    body = await read_body(request, NoFamiliegroepsplan)
    status = await services(request).plan_deadlines.record_no_familiegroepsplan(
        principal(request), request.match_info["id"], body.on
    )
    return web.json_response(event_dict(status), status=201)


@table.route(
    "DELETE",
    BASE + "/{event_id}",
    summary="Delete one deadline event recorded by mistake or twice (regisseur); its deadline is gone with it",
    responses={204: "Deleted", 404: "The household has no such event"},
)
async def remove_event(request: web.Request) -> web.Response:
    await services(request).plan_deadlines.remove(
        principal(request), request.match_info["id"], request.match_info["event_id"]
    )
    return web.Response(status=204)
