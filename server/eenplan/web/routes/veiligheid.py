"""Safety: signals of onveiligheid / onvoldoende basiszorg, their resolution, the veiligheidsplan's signature."""

from __future__ import annotations

from aiohttp import web

from ..keys import principal, services
from ..registry import RouteTable
from ..response_schemas import SIGNAL
from ..response_schemas import SIGNALS as SIGNAL_LIST
from ..response_schemas_more import SAFETY_STATUS, SIGNED
from ..schemas import read_body
from ..stagnatie_schemas import SignalRaise, SignalResolve

table = RouteTable("veiligheid")
SIGNALS = "/api/households/{id}/veiligheid/signalen"


@table.route(
    "POST",
    SIGNALS,
    summary="Raise a safety signal (any professional, any phase)",
    body=SignalRaise,
    responses={201: "The signal"},
    response=SIGNAL,
)
async def raise_signal(request: web.Request) -> web.Response:
    body = await read_body(request, SignalRaise)
    signal = await services(request).veiligheid.raise_signal(
        principal(request), request.match_info["id"], body.soort, body.toelichting
    )
    return web.json_response(signal, status=201)


@table.route("GET", SIGNALS, summary="The household's safety signals (professionals)", response=SIGNAL_LIST)
async def list_signals(request: web.Request) -> web.Response:
    found = await services(request).veiligheid.signals(principal(request), request.match_info["id"])
    return web.json_response({"signalen": found})


@table.route(
    "POST",
    SIGNALS + "/{signal}/afhandelen",
    summary="Resolve a signal with the five afwegingen and the decision melden|hulp|beide (the raiser or a regisseur)",
    body=SignalResolve,
    response=SIGNAL,
)
async def resolve_signal(request: web.Request) -> web.Response:
    body = await read_body(request, SignalResolve)
    signal = await services(request).veiligheid.resolve(
        principal(request), request.match_info["id"], request.match_info["signal"], body.afwegingen, body.besluit
    )
    return web.json_response(signal)


@table.route(
    "GET",
    "/api/households/{id}/veiligheid",
    summary="Open signals (professionals) and whether the klant must (re-)sign the veiligheidsplan (opnieuw_tekenen)",
    response=SAFETY_STATUS,
)
async def safety_status(request: web.Request) -> web.Response:
    return web.json_response(await services(request).veiligheid.status(principal(request), request.match_info["id"]))


@table.route(
    "POST",
    "/api/households/{id}/veiligheidsplan/handtekening",
    summary="The klant signs the veiligheidsplan (a new plan version with only the signature changed)",
    response=SIGNED,
)
async def sign(request: web.Request) -> web.Response:
    return web.json_response(await services(request).veiligheid.sign(principal(request), request.match_info["id"]))
