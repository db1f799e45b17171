"""What came back by mail (issue 14): answers to an overleg's invitation, proposed other times, and bounces."""

from __future__ import annotations

from aiohttp import web

from ..keys import principal, services
from ..registry import RouteTable
from ..response_schemas import BOUNCES
from ..response_schemas_more import BY_MAIL

table = RouteTable("inbound")


@table.route(
    "GET",
    "/api/households/{id}/overleggen/{oid}/per-mail",
    summary="Answers by mail (iMIP REPLY, signed by the pinned key or not) and proposed times (COUNTER); regisseur",
    response=BY_MAIL,
)
async def by_mail(request: web.Request) -> web.Response:
    answers, proposals = await services(request).inbound.answers(
        principal(request), request.match_info["id"], request.match_info["oid"]
    )
    return web.json_response(
        {
            "answers": [
                {
                    "betrokkene_id": a.betrokkene_id,
                    "partstat": a.partstat.value,
                    "signed": a.signed,
                    "received_at": a.received_at.isoformat(),
                }
                for a in answers
            ],
            "proposals": [
                {
                    "id": p.id,
                    "betrokkene_id": p.betrokkene_id,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "signed": p.signed,
                    "received_at": p.received_at.isoformat(),
                }
                for p in proposals
            ],
        }
    )


@table.route(
    "GET",
    "/api/households/{id}/mail/bounces",
    summary="Addresses whose mail bounced lately: score, last bounce, and whether mail still goes (regisseur)",
    response=BOUNCES,
)
async def bounces(request: web.Request) -> web.Response:
    found = await services(request).bounces.in_household(principal(request), request.match_info["id"])
    return web.json_response(
        [
            {"betrokkene_id": b.betrokkene_id, "score": b.score, "last_bounce_on": b.last_bounce_on, "works": b.works}
            for b in found
        ]
    )


@table.route(
    "DELETE",
    "/api/households/{id}/mail/bounces/{bid}",
    summary="Try an address again: forget its bounces (the person themself or a regisseur)",
    responses={204: "Its bounces are forgotten; mail goes to it again"},
)
async def try_again(request: web.Request) -> web.Response:
    await services(request).bounces.try_again(principal(request), request.match_info["id"], request.match_info["bid"])
    return web.Response(status=204)
