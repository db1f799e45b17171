"""Overleggen: the startoverleg window, slot proposals, planning, invites, attendance, date polls."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ...domain.errors import ValidationFailed
from ...domain.overleg import DatePoll, OverlegType
from ...services.overleg_close import CloseRequest
from ...services.overleg_views import OverlegView
from ...services.overleggen import OverlegDraft
from ..keys import principal, services
from ..overleg_schemas import (
    AttendanceIn,
    OverlegClose,
    OverlegCreate,
    OverlegPatch,
    PollCreate,
    PollPick,
    PollVotes,
    invitees,
)
from ..params import parse_date, query_int
from ..registry import RouteTable, optional, required
from ..response_schemas import OVERLEG, OVERLEG_CLOSED, OVERLEG_SENT, OVERLEGGEN, POLL, WINDOW
from ..response_schemas_more import OVERLEG_STATUS, SLOTS, TEXT
from ..schemas import read_body

table = RouteTable("overleggen")
BASE = "/api/households/{id}/overleggen"
POLLS = "/api/households/{id}/polls"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(moment: datetime) -> str:
    """A moment as ISO 8601 in Europe/Amsterdam, the zone every overleg is planned in."""
    return moment.astimezone(AMSTERDAM).isoformat()


def overleg_dict(o: OverlegView) -> dict[str, Any]:
    """An overleg view as the API shows it (the service cut agenda and decisions to the caller)."""
    return {
        "id": o.id,
        "household_id": o.household_id,
        "type": o.type.value,
        "status": o.status.value,
        "start": local(o.start),
        "end": local(o.end),
        "location": o.location,
        "video_link": o.video_link,
        "chair_id": o.chair_id,
        "minute_taker_id": o.minute_taker_id,
        "invitees": [
            {"betrokkene_id": i.betrokkene_id, "must_attend": i.must_attend, "partstat": i.partstat.value}
            for i in o.invitees
        ],
        "agenda": o.agenda,
        "uid": o.uid,
        "sequence": o.sequence,
        "initiated": o.initiated_on.isoformat() if o.initiated_on else None,
        "outside_window_reason": o.outside_window_reason,
        "decisions": o.decisions,
        "adopted_version": o.adopted_version,
        "next_overleg_id": o.next_overleg_id,
        "no_next_reason": o.no_next_reason,
        "reminder_sent": o.reminder_sent,
    }


def poll_dict(p: DatePoll) -> dict[str, Any]:
    """A date poll with its options, everyone's votes and the tally."""
    tally = p.tally()
    return {
        "id": p.id,
        "type": p.type.value,
        "open": p.open,
        "overleg_id": p.overleg_id,
        "initiated": p.initiated_on.isoformat() if p.initiated_on else None,
        "invitees": [{"betrokkene_id": i.betrokkene_id, "must_attend": i.must_attend} for i in p.invitees],
        "options": [
            {
                "id": o.id,
                "start": local(o.start),
                "end": local(o.end),
                "votes": {b: v.value for b, v in p.votes.get(o.id, {}).items()},
                "tally": tally[o.id],
            }
            for o in p.options
        ],
    }


def _date(value: str | None, name: str) -> date:
    return parse_date(value, name)


def _type(value: str | None) -> OverlegType:
    try:
        return OverlegType(value or "startoverleg")
    except ValueError:
        raise ValidationFailed.one("type", f"must be one of {', '.join(t.value for t in OverlegType)}") from None


def _ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def draft_from(body: OverlegCreate) -> OverlegDraft:
    """The service's draft from a request body."""
    return OverlegDraft(
        type=body.type,
        start=body.start,
        end=body.end,
        invitees=invitees(body.invitees),
        agenda=body.agenda,
        location=body.location,
        video_link=body.video_link,
        chair_id=body.chair_id,
        minute_taker_id=body.minute_taker_id,
        initiated_on=body.initiated,
        reason=body.reason,
    )


@table.route(
    "GET",
    BASE + "/window",
    summary="The startoverleg window: werkdag 5 to 15 after initiation",
    query={
        "type": optional("startoverleg (the default)"),
        "initiated": required("initiation date YYYY-MM-DD", type="string", format="date"),
    },
    response=WINDOW,
)
async def overleg_window(request: web.Request) -> web.Response:
    earliest, latest = await services(request).overleggen.window_for(
        principal(request),
        request.match_info["id"],
        _type(request.query.get("type")),
        _date(request.query.get("initiated"), "initiated"),
    )
    return web.json_response({"earliest": earliest.isoformat(), "latest": latest.isoformat()})


@table.route(
    "GET",
    BASE + "/slots",
    summary="Slot proposals where every must-attend betrokkene is reachable (regisseur)",
    query={
        "type": "startoverleg (default) or another type",
        "initiated": optional("required for a startoverleg (the default type): initiation date", format="date"),
        "from": "other types: first date",
        "to": "other types: last date",
        "must": "comma-separated betrokkene ids who must attend",
        "optional": "comma-separated optional betrokkene ids",
        "duration": optional("minutes (default 60)", type="integer", minimum=1),
        "limit": optional("default 10", type="integer", minimum=1),
        "per_day": optional("slots per day (default 2)", type="integer", minimum=1),
    },
    response=SLOTS,
)
async def overleg_slots(request: web.Request) -> web.Response:
    q = request.query
    svc = services(request).overleggen
    kind = _type(q.get("type"))
    if kind is OverlegType.STARTOVERLEG:
        earliest, latest = svc.window(kind, _date(q.get("initiated"), "initiated"))
    else:
        earliest, latest = _date(q.get("from"), "from"), _date(q.get("to"), "to")
    found = await svc.slots(
        principal(request),
        request.match_info["id"],
        earliest=earliest,
        latest=latest,
        must=_ids(q.get("must")),
        optional=_ids(q.get("optional")),
        duration=timedelta(minutes=query_int(request, "duration", default=60, maximum=24 * 60)),
        limit=min(query_int(request, "limit", default=10), 100),
        max_per_day=query_int(request, "per_day", default=2, maximum=100),
    )
    return web.json_response(
        {
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
            "slots": [
                {
                    "start": local(s.start),
                    "end": local(s.end),
                    "optional_reachable": list(s.optional_reachable),
                    "optional_unreachable": list(s.optional_unreachable),
                }
                for s in found
            ],
        }
    )


@table.route(
    "GET",
    BASE + "/status",
    summary="Whether the household needs an overleg planned (phase 4/5 without a future one)",
    response=OVERLEG_STATUS,
)
async def overleg_status(request: web.Request) -> web.Response:
    return web.json_response(await services(request).overleggen.status(principal(request), request.match_info["id"]))


@table.route(
    "GET", BASE, summary="The overleggen the caller may see (regisseur: all; others: invited)", response=OVERLEGGEN
)
async def list_overleggen(request: web.Request) -> web.Response:
    found = await services(request).overleggen.list(principal(request), request.match_info["id"])
    return web.json_response({"overleggen": [overleg_dict(o) for o in found]})


@table.route(
    "POST",
    BASE,
    summary="Plan an overleg and send its invitations (regisseur)",
    body=OverlegCreate,
    responses={201: "Planned"},
    response=OVERLEG_SENT,
)
async def plan_overleg(request: web.Request) -> web.Response:
    body = await read_body(request, OverlegCreate)
    overleg, queued = await services(request).overleggen.plan(
        principal(request), request.match_info["id"], draft_from(body)
    )
    return web.json_response({**overleg_dict(overleg), "invites_queued": queued}, status=201)


@table.route("GET", BASE + "/{oid}", summary="One overleg (regisseur or invitee)", response=OVERLEG)
async def get_overleg(request: web.Request) -> web.Response:
    found = await services(request).overleggen.get(
        principal(request), request.match_info["id"], request.match_info["oid"]
    )
    return web.json_response(overleg_dict(found))


@table.route(
    "PATCH",
    BASE + "/{oid}",
    summary="Reschedule or change an overleg; re-invites (regisseur)",
    body=OverlegPatch,
    response=OVERLEG_SENT,
)
async def change_overleg(request: web.Request) -> web.Response:
    body = await read_body(request, OverlegPatch)
    changes = body.model_dump(exclude_unset=True)
    if body.invitees is not None:  # (null is refused by the schema)
        changes["invitees"] = invitees(body.invitees)
    overleg, queued = await services(request).overleggen.change(
        principal(request), request.match_info["id"], request.match_info["oid"], changes
    )
    return web.json_response({**overleg_dict(overleg), "invites_queued": queued})


@table.route(
    "POST", BASE + "/{oid}/cancel", summary="Cancel an overleg; sends METHOD:CANCEL (regisseur)", response=OVERLEG_SENT
)
async def cancel_overleg(request: web.Request) -> web.Response:
    overleg, queued = await services(request).overleggen.cancel(
        principal(request), request.match_info["id"], request.match_info["oid"]
    )
    return web.json_response({**overleg_dict(overleg), "invites_queued": queued})


@table.route(
    "POST",
    BASE + "/{oid}/close",
    summary="Record a held overleg: decisions, adopted version, next overleg (regisseur)",
    body=OverlegClose,
    response=OVERLEG_CLOSED,
)
async def close_overleg(request: web.Request) -> web.Response:
    body = await read_body(request, OverlegClose)
    overleg, warnings, queued = await services(request).overleggen.close(
        principal(request),
        request.match_info["id"],
        request.match_info["oid"],
        CloseRequest(
            decisions=body.decisions,
            adopted_version=body.adopted_version,
            next_overleg_id=body.next_overleg_id,
            next_draft=draft_from(body.next) if body.next else None,
            no_next_reason=body.no_next_reason,
        ),
    )
    return web.json_response({**overleg_dict(overleg), "warnings": warnings, "invites_queued": queued})


@table.route(
    "PUT",
    BASE + "/{oid}/attendance",
    summary="Answer an invitation: accepted, declined or tentative",
    body=AttendanceIn,
    response=OVERLEG,
)
async def put_attendance(request: web.Request) -> web.Response:
    body = await read_body(request, AttendanceIn)
    overleg = await services(request).overleggen.attendance(
        principal(request), request.match_info["id"], request.match_info["oid"], body.partstat
    )
    return web.json_response(overleg_dict(overleg))


@table.route(
    "GET",
    BASE + "/{oid}/invite.ics",
    summary="The caller's own invitation as iCalendar (content-free)",
    query={"for": "betrokkene id (default: the caller; others only for a regisseur)"},
    media={"text/calendar": TEXT},
)
async def invite_ics(request: web.Request) -> web.Response:
    oid = request.match_info["oid"]
    _uid, ics = await services(request).overleggen.invite_ics(
        principal(request), request.match_info["id"], oid, request.query.get("for")
    )
    method = "CANCEL" if b"METHOD:CANCEL" in ics else "REQUEST"
    safe = "".join(c for c in oid if c.isalnum() or c == "-")[:40] or "overleg"
    return web.Response(
        body=ics,
        headers={
            "Content-Type": f"text/calendar; method={method}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="overleg-{safe}.ics"',
        },
    )


@table.route(
    "POST",
    POLLS,
    summary="Open a date poll with candidate slots (regisseur)",
    body=PollCreate,
    responses={201: "Created"},
    response=POLL,
)
async def create_poll(request: web.Request) -> web.Response:
    body = await read_body(request, PollCreate)
    poll = await services(request).polls.create(
        principal(request),
        request.match_info["id"],
        overleg_type=body.type,
        options=[(o.start, o.end) for o in body.options],
        invitees=invitees(body.invitees),
        initiated_on=body.initiated,
        reason=body.reason,
    )
    return web.json_response(poll_dict(poll), status=201)


@table.route("GET", POLLS + "/{pid}", summary="A date poll with votes (regisseur or invitee)", response=POLL)
async def get_poll(request: web.Request) -> web.Response:
    poll = await services(request).polls.get(principal(request), request.match_info["id"], request.match_info["pid"])
    return web.json_response(poll_dict(poll))


@table.route(
    "PUT", POLLS + "/{pid}/votes", summary="Vote yes, maybe or no per option (invitee)", body=PollVotes, response=POLL
)
async def put_votes(request: web.Request) -> web.Response:
    body = await read_body(request, PollVotes)
    poll = await services(request).polls.vote(
        principal(request), request.match_info["id"], request.match_info["pid"], dict(body.votes)
    )
    return web.json_response(poll_dict(poll))


@table.route(
    "POST",
    POLLS + "/{pid}/pick",
    summary="Pick an option: it becomes the overleg and its invitations (regisseur)",
    body=PollPick,
    responses={201: "Planned"},
    response=OVERLEG_SENT,
)
async def pick_poll(request: web.Request) -> web.Response:
    body = await read_body(request, PollPick)
    overleg, queued = await services(request).polls.pick(
        principal(request),
        request.match_info["id"],
        request.match_info["pid"],
        body.option_id,
        agenda=body.agenda,
        location=body.location,
        video_link=body.video_link,
        chair_id=body.chair_id,
        minute_taker_id=body.minute_taker_id,
    )
    return web.json_response({**overleg_dict(overleg), "invites_queued": queued}, status=201)
