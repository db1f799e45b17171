"""Households: open one, read it, move it through the phases."""

from __future__ import annotations

from aiohttp import web

from ...domain.access import Principal
from ...domain.household import Phase
from ...services.households import NewHousehold
from ..keys import PRINCIPAL, SESSION_TOKEN, principal, services
from ..registry import RouteTable
from ..response_schemas import HOUSEHOLD, HOUSEHOLD_OPENED, HOUSEHOLDS, PHASES
from ..schemas import HouseholdCreate, PhaseChangeRequest, read_body

table = RouteTable("households")


@table.route(
    "POST",
    "/api/households",
    summary="Open a new household; the calling regisseur becomes its procesregisseur (a session reaches it at "
    "once; an API token's caller receives a token for it)",
    body=HouseholdCreate,
    responses={201: "Created: household, betrokkene and token"},
    response=HOUSEHOLD_OPENED,
)
async def create_household(request: web.Request) -> web.Response:
    body = await read_body(request, HouseholdCreate)
    svc = services(request)
    if PRINCIPAL in request:  # an API token: the new household's first token comes back
        opener = principal(request)
        household, me = await svc.households.open_by(opener, NewHousehold(body.code, body.name, body.gemeente))
        token: str | None = svc.tokens.issue(Principal(me.id, household.id, second_factor=opener.second_factor))
    else:  # a person's session: it reaches the new household itself (no token to outlive it)
        session = request[SESSION_TOKEN]
        opener = await svc.people.home_principal(session)
        household, me = await svc.households.open_by(opener, NewHousehold(body.code, body.name, body.gemeente))
        await svc.sessions.join(session, household.id, me.id)
        token = None
    return web.json_response({"household": household.as_dict(), "betrokkene": me.as_dict(), "token": token}, status=201)


@table.route(
    "GET",
    "/api/households",
    summary="The households the caller reaches: for a person's session every household where their address "
    "belongs to an active betrokkene (with who they are there); for an API token its one household",
    response=HOUSEHOLDS,
)
async def list_households(request: web.Request) -> web.Response:
    svc = services(request)
    if PRINCIPAL in request:
        p = principal(request)
        household = await svc.households.get(p, p.household_id)
        return web.json_response({"households": [household.as_dict()]})
    entries = await svc.people.households(request[SESSION_TOKEN])
    return web.json_response(
        {
            "households": [
                {
                    "id": e.household_id,
                    "name": e.name,
                    "gemeente": e.gemeente,
                    "betrokkene_id": e.betrokkene_id,
                    "betrokkene_name": e.betrokkene_name,
                    "kind": e.kind,
                    "role": e.role,
                    "role_label": e.role_label,
                    "chosen": e.chosen,
                }
                for e in entries
            ]
        }
    )


@table.route("GET", "/api/households/{id}", summary="One household", response=HOUSEHOLD)
async def get_household(request: web.Request) -> web.Response:
    household = await services(request).households.get(principal(request), request.match_info["id"])
    return web.json_response(household.as_dict())


@table.route(
    "POST",
    "/api/households/{id}/phase",
    summary="Move the household to another phase (regisseur)",
    body=PhaseChangeRequest,
    response=HOUSEHOLD,
)
async def change_phase(request: web.Request) -> web.Response:
    body = await read_body(request, PhaseChangeRequest)
    household = await services(request).households.change_phase(
        principal(request), request.match_info["id"], Phase(body.to), body.reason
    )
    return web.json_response(household.as_dict())


@table.route("GET", "/api/households/{id}/phases", summary="The household's phase history", response=PHASES)
async def phase_history(request: web.Request) -> web.Response:
    history = await services(request).households.phase_history(principal(request), request.match_info["id"])
    return web.json_response(
        {
            "phases": [
                {
                    "from": int(c.from_phase) if c.from_phase else None,
                    "to": int(c.to_phase),
                    "to_name": c.to_phase.label,
                    "at": c.at.isoformat(),
                    "by": c.by_betrokkene_id,
                    "reason": c.reason,
                }
                for c in history
            ]
        }
    )
