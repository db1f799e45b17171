"""Betrokkenen: the household's contact list, kept by its regisseur."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import SQLModel

from ..keys import principal, services
from ..registry import RouteTable
from ..response_schemas import BETROKKENE, BETROKKENEN, BOOL, STR, TOKEN_ISSUED, obj
from ..schemas import BetrokkeneCreate, BetrokkenePatch, read_body

table = RouteTable("betrokkenen")

FEED_STOPPED = obj("CalendarFeedStopped", {"betrokkene_id": STR, "stopped": BOOL})


def _fields(body: SQLModel) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    if "reachable_days" in data and data["reachable_days"] is not None:
        data["reachable_days"] = tuple(data["reachable_days"])
    return data


@table.route("GET", "/api/households/{id}/betrokkenen", summary="The household's betrokkenen", response=BETROKKENEN)
async def list_betrokkenen(request: web.Request) -> web.Response:
    people = await services(request).betrokkenen.list(principal(request), request.match_info["id"])
    return web.json_response({"betrokkenen": [b.as_dict() for b in people]})


@table.route(
    "POST",
    "/api/households/{id}/betrokkenen",
    summary="Record a betrokkene (regisseur)",
    body=BetrokkeneCreate,
    responses={201: "Created"},
    response=BETROKKENE,
)
async def add_betrokkene(request: web.Request) -> web.Response:
    body = await read_body(request, BetrokkeneCreate)
    data = _fields(body)
    data.setdefault("relation", "")
    data.setdefault("organisation", "")
    for name in ("email", "phone", "birth_date"):
        data.setdefault(name, None)
    data.setdefault("reachable_days", ())
    created = await services(request).betrokkenen.add(principal(request), request.match_info["id"], data)
    return web.json_response(created.as_dict(), status=201)


@table.route("GET", "/api/households/{id}/betrokkenen/{bid}", summary="One betrokkene", response=BETROKKENE)
async def get_betrokkene(request: web.Request) -> web.Response:
    found = await services(request).betrokkenen.get(
        principal(request), request.match_info["id"], request.match_info["bid"]
    )
    return web.json_response(found.as_dict())


@table.route(
    "PATCH",
    "/api/households/{id}/betrokkenen/{bid}",
    summary="Change a betrokkene's details "
    "(regisseur; or one's own contact details). Someone else's change of an e-mail address is pending "
    "(answer: `pending`) until the person approves it through a link sent to the old address. "
    "One's own phone, reachable days and mail choice change only with the person's own credential: "
    "a token a regisseur issued (or a session through an address someone else added) gets 403",
    body=BetrokkenePatch,
    response=BETROKKENE,
)
async def update_betrokkene(request: web.Request) -> web.Response:
    body = await read_body(request, BetrokkenePatch)
    fields = _fields(body)
    updated = await services(request).betrokkenen.update(
        principal(request), request.match_info["id"], request.match_info["bid"], fields
    )
    data = updated.as_dict()
    if "email" in fields and (fields["email"] or "").lower() != (updated.email or "").lower():
        # someone else's change of a sign-in address waits for the person's approval at the old address
        data["pending"] = {"email": fields["email"]}
    return web.json_response(data)


@table.route(
    "DELETE",
    "/api/households/{id}/betrokkenen/{bid}",
    summary="End a betrokkene's involvement; their tokens stop working at once (regisseur)",
    responses={204: "Removed"},
)
async def remove_betrokkene(request: web.Request) -> web.Response:
    await services(request).betrokkenen.remove(principal(request), request.match_info["id"], request.match_info["bid"])
    return web.Response(status=204)


@table.route(
    "POST",
    "/api/households/{id}/betrokkenen/{bid}/token",
    summary="Issue an API token for a betrokkene (regisseur), e.g. for a machine client",
    responses={201: "Created"},
    response=TOKEN_ISSUED,
)
async def issue_token(request: web.Request) -> web.Response:
    # A regisseur-issued token can read and work as the betrokkene (machine clients), but it never gives
    # consent, revokes it, records overmacht or reads the klant's access log: those need the person.
    # None is issued for the gemeentelijk aanspreekpunt (services.tokens.issue_for).
    bid = request.match_info["bid"]
    issued = await services(request).tokens.issue_for(principal(request), request.match_info["id"], bid)
    return web.json_response(
        {
            "betrokkene_id": bid,
            "token": issued.token,
            "jti": issued.jti,
            "expires_at": issued.expires_at.isoformat(),
        },
        status=201,
    )


@table.route(
    "DELETE",
    "/api/households/{id}/tokens/{jti}",
    summary="Revoke an API token of this household "
    "by its id (`jti`, returned when it was issued); it fails from the next request on (regisseur)",
    responses={204: "Revoked"},
)
async def revoke_token(request: web.Request) -> web.Response:
    await services(request).tokens.revoke(principal(request), request.match_info["id"], request.match_info["jti"])
    return web.Response(status=204)


@table.route(
    "DELETE",
    "/api/households/{id}/betrokkenen/{bid}/calendar-feed",
    summary="Stop a betrokkene's personal calendar feed link (`/agenda/<token>.ics`), e.g. one that leaked "
    "(regisseur). The link answers 404 from then on; the person can make a new one on their overleggen page. "
    "`stopped` says whether a link was working",
    response=FEED_STOPPED,
)
async def stop_calendar_feed(request: web.Request) -> web.Response:
    bid = request.match_info["bid"]
    stopped = await services(request).calendar_feeds.stop_for(principal(request), request.match_info["id"], bid)
    return web.json_response({"betrokkene_id": bid, "stopped": stopped})
