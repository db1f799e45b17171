"""Stagnatie: cases and the escalation ladder, the klant's exclusions, the gemeente's aanspreekpunt."""

from __future__ import annotations

from aiohttp import web

from ..keys import principal, services
from ..registry import RouteTable
from ..response_schemas import CASE as CASE_SCHEMA
from ..response_schemas import CASES as CASES_SCHEMA
from ..response_schemas_more import AANSPREEKPUNT, EXCLUSIONS
from ..schemas import read_body
from ..stagnatie_schemas import CaseCommitment, CaseOpen, CaseOutcome, Exclusions

table = RouteTable("stagnatie")
CASES = "/api/households/{id}/stagnatie"
CASE = CASES + "/{case}"


@table.route(
    "POST",
    CASES,
    summary="Open a stagnation case at step 1 (regisseur)",
    body=CaseOpen,
    responses={201: "The case with its deadlines"},
    response=CASE_SCHEMA,
)
async def open_case(request: web.Request) -> web.Response:
    body = await read_body(request, CaseOpen)
    case = await services(request).stagnatie.open(
        principal(request),
        request.match_info["id"],
        doel_id=body.doel_id,
        actie_id=body.actie_id,
        betrokkene_id=body.betrokkene_id,
        organisatie=body.organisatie,
        toelichting=body.toelichting,
    )
    return web.json_response(case, status=201)


@table.route(
    "GET",
    CASES,
    summary="Stagnation cases with each step's due dates and overdue flags (regisseur; "
    "the aanspreekpunt its escalated cases)",
    response=CASES_SCHEMA,
)
async def list_cases(request: web.Request) -> web.Response:
    cases = await services(request).stagnatie.list(principal(request), request.match_info["id"])
    return web.json_response({"cases": cases, "overdue": sum(c["overdue"] for c in cases)})


@table.route("GET", CASE, summary="One stagnation case", response=CASE_SCHEMA)
async def get_case(request: web.Request) -> web.Response:
    case = await services(request).stagnatie.get(
        principal(request), request.match_info["id"], request.match_info["case"]
    )
    return web.json_response(case)


@table.route(
    "POST",
    CASE + "/escaleren",
    summary="Escalate to the next step (regisseur); step 4 gives the "
    "gemeentelijk aanspreekpunt access and an encrypted copy of the plan",
    response=CASE_SCHEMA,
)
async def escalate(request: web.Request) -> web.Response:
    case = await services(request).stagnatie.escalate(
        principal(request), request.match_info["id"], request.match_info["case"]
    )
    return web.json_response(case)


@table.route(
    "POST",
    CASE + "/uitkomst",
    summary="Record the running step's outcome (intern plan, managers' "
    "meeting, or the aanspreekpunt's actions, result and term)",
    body=CaseOutcome,
    response=CASE_SCHEMA,
)
async def record_outcome(request: web.Request) -> web.Response:
    body = await read_body(request, CaseOutcome)
    case = await services(request).stagnatie.record_outcome(
        principal(request),
        request.match_info["id"],
        request.match_info["case"],
        body.soort,
        datum=body.datum,
        acties=body.acties,
        resultaat=body.resultaat,
        termijn=body.termijn,
    )
    return web.json_response(case)


@table.route(
    "POST",
    CASE + "/commitment",
    summary="Record commitment: new agreements linked to a plan version",
    body=CaseCommitment,
    response=CASE_SCHEMA,
)
async def commitment(request: web.Request) -> web.Response:
    body = await read_body(request, CaseCommitment)
    case = await services(request).stagnatie.commit(
        principal(request), request.match_info["id"], request.match_info["case"], body.afspraken, body.plan_version
    )
    return web.json_response(case)


@table.route(
    "POST",
    CASE + "/afschalen",
    summary="Hand the case back to the regisseur; ends the aanspreekpunt's access at once",
    response=CASE_SCHEMA,
)
async def afschalen(request: web.Request) -> web.Response:
    case = await services(request).stagnatie.afschalen(
        principal(request), request.match_info["id"], request.match_info["case"]
    )
    return web.json_response(case)


@table.route(
    "GET",
    "/api/households/{id}/aanspreekpunt-uitsluitingen",
    summary="Sections the klanten keep from "
    "the gemeentelijk aanspreekpunt: `applies` (every klant's list together) and `mine` (a klant's own)",
    response=EXCLUSIONS,
)
async def get_exclusions(request: web.Request) -> web.Response:
    return web.json_response(
        await services(request).exclusions.exclusions(principal(request), request.match_info["id"])
    )


@table.route(
    "PUT",
    "/api/households/{id}/aanspreekpunt-uitsluitingen",
    summary="Set the sections this klant "
    "keeps from the aanspreekpunt (klant only; no klant can undo another's); grants in force follow at once",
    body=Exclusions,
    response=EXCLUSIONS,
)
async def put_exclusions(request: web.Request) -> web.Response:
    body = await read_body(request, Exclusions)
    return web.json_response(
        await services(request).exclusions.set_exclusions(principal(request), request.match_info["id"], body.sections)
    )


@table.route(
    "GET",
    "/api/households/{id}/aanspreekpunt",
    summary="The gemeentelijk aanspreekpunt of the household's gemeente (regisseur)",
    response=AANSPREEKPUNT,
)
async def get_aanspreekpunt(request: web.Request) -> web.Response:
    found = await services(request).aanspreekpunten.for_household(principal(request), request.match_info["id"])
    return web.json_response(found.as_dict())
