"""Health, readiness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ... import __version__
from ..keys import SERVICES
from ..registry import Route, RouteTable, describe
from ..response_schemas_more import HEALTH, OPENAPI_DOCUMENT, READY

table = RouteTable("meta")
OPENAPI = web.AppKey("openapi", dict)


@table.route("GET", "/healthz", summary="The process is alive", auth=False, response=HEALTH)
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@table.route(
    "GET",
    "/readyz",
    summary="Storage can do its work",
    auth=False,
    responses={200: "Ready", 503: "Database unreachable, or a storage fault (full, read-only, I/O)"},
    response=READY,
)
async def readyz(request: web.Request) -> web.Response:
    """Red while the database is unreachable or a storage fault lasts (logged once by kind); green again
    by itself once the fault clears (`storage/faults.py`)."""
    ok = await request.app[SERVICES].is_ready()
    return web.json_response({"status": "ready" if ok else "unavailable"}, status=200 if ok else 503)


@table.route(
    "GET", "/api/openapi.json", summary="This API's OpenAPI 3.1 document", auth=False, response=OPENAPI_DOCUMENT
)
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "problem": {"type": "string"}}},
        },
    },
}


def build_document(routes: list[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every route of the app (every `$ref` resolves within it)."""
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eenplan",
            "version": __version__,
            "description": "One household, one plan, one regisseur: versioned plans with scoped access.",
        },
        "paths": describe(routes, schemas),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
    }
