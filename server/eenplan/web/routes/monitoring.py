"""Aggregate monitoring per gemeente and period, as JSON or CSV; monitoring tokens only."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from ...domain.errors import ValidationFailed
from ...domain.monitoring import as_csv
from ..keys import MONITORING, services
from ..params import query_date
from ..registry import RouteTable, optional, required
from ..response_schemas_more import MONITORING as FIGURES
from ..response_schemas_more import TEXT

table = RouteTable("monitoring")


def _day(request: web.Request, name: str) -> date:
    return query_date(request, name)


@table.route(
    "GET",
    "/api/monitoring",
    summary="Households per phase, escalations opened and solved per step, "
    'median werkdagen to solution, overdue steps — no personal data; counts below 5 shown as "<5". '
    "Needs a monitoring token (eenplan monitoring-token)",
    query={
        "gemeente": required("the gemeente"),
        "from": required("first day of a month (YYYY-MM-01)", type="string", format="date"),
        "to": required("last day of a month (YYYY-MM-DD); periods are whole months", type="string", format="date"),
        "format": optional("json (default) or csv", type="string", enum=["json", "csv"]),
    },
    response=FIGURES,
    media={"text/csv": TEXT},
)
async def monitoring(request: web.Request) -> web.Response:
    gemeente = (request.query.get("gemeente") or "").strip()
    if not gemeente:
        raise ValidationFailed.one("gemeente", "is required")
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationFailed.one("format", "must be json or csv")
    data = await services(request).monitoring.figures(
        request[MONITORING], gemeente, _day(request, "from"), _day(request, "to")
    )
    if fmt == "csv":
        return web.Response(
            text=as_csv(data),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="monitoring.csv"'},
        )
    return web.json_response(data)
