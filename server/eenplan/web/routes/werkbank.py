"""The regisseur's caseload as JSON: the same rows and counts as the page /werkbank."""

from __future__ import annotations

from aiohttp import web

from ...domain.caseload import Filter, parse_filter
from ...services.caseload import caseload_dict
from ..keys import PRINCIPAL, SESSION_TOKEN, principal, services
from ..registry import RouteTable, optional
from ..response_schemas_more import WERKBANK

table = RouteTable("werkbank")


@table.route(
    "GET",
    "/api/werkbank",
    summary="The caseload: every household where the caller is an active regisseur (a person's session: all of "
    "them; an API token: its one household), most urgent first, with phase, next overleg, overdue and upcoming "
    "deadlines (`kind`: `startoverleg` its window, `stagnatie` the stagnation steps, `plan-op-schrift` the plan in "
    "writing 14 days after someone asked for it, `vaststellen` the plan vastgesteld 6 weeks after the decision not "
    "to make a familiegroepsplan), open safety signals (count), consent requests waiting, "
    "betrokkenen without a usable key and undeliverable mail; `counts` are over all households, whatever the filter",
    query={
        "filter": optional(
            "only some households: " + ", ".join(f.value for f in Filter), enum=[f.value for f in Filter]
        )
    },
    response=WERKBANK,
)
async def werkbank(request: web.Request) -> web.Response:
    wanted = parse_filter(request.query.get("filter"))
    svc = services(request)
    if PRINCIPAL in request:
        caseload = await svc.caseload.for_principal(principal(request), wanted)
    else:
        caseload = await svc.caseload.for_session(request[SESSION_TOKEN], wanted)
    return web.json_response(caseload_dict(caseload))
