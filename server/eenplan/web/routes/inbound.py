"""What came back by mail to an overleg (issue 14): answers to the invitation and proposed other times."""

from __future__ import annotations

from aiohttp import web

from ..keys import principal, services
from ..registry import RouteTable

table = RouteTable("inbound")


@table.route(
    "GET",
    "/api/households/{id}/overleggen/{oid}/per-mail",
    summary="Answers by mail (iMIP REPLY, signed by the pinned key or not) and proposed times (COUNTER); regisseur",
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
