"""A route table that also describes each route, so the OpenAPI document can never miss one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One HTTP route and what the OpenAPI document says of it."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    responses: dict[int, str] = field(default_factory=dict)
    auth: bool = True


class RouteTable:
    """Collects routes declared with the `route` decorator in one module."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        responses: dict[int, str] | None = None,
        auth: bool = True,
    ) -> Callable[[Handler], Handler]:
        """Declare a handler for METHOD PATH with its documentation."""

        def decorate(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method,
                    path,
                    handler,
                    summary,
                    self.tag,
                    body,
                    query or {},
                    headers or {},
                    responses or {200: "OK"},
                    auth,
                )
            )
            return handler

        return decorate

    def install(self, app: web.Application) -> None:
        """Add every declared route to the app."""
        for r in self.routes:
            app.router.add_route(r.method, r.path, r.handler)


#: Where pydantic's shared definitions go: the document's components, so every `$ref` resolves.
REF_TEMPLATE = "#/components/schemas/{model}"


def describe(routes: list[Route], schemas: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI paths object for the routes (schemas via pydantic for request bodies).

    Shared definitions of the body models are added to `schemas` (the document's components), so
    every reference in the document resolves from its root.
    """
    paths: dict[str, Any] = {}
    for r in routes:
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_params(r.path)
        ]
        params += [
            {"name": k, "in": "query", "required": False, "description": v, "schema": {"type": "string"}}
            for k, v in r.query.items()
        ]
        params += [
            {"name": k, "in": "header", "required": False, "description": v, "schema": {"type": "string"}}
            for k, v in r.headers.items()
        ]
        op: dict[str, Any] = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": r.handler.__name__,
            "responses": {str(code): {"description": text} for code, text in r.responses.items()},
        }
        op["responses"].setdefault(
            "default",
            {
                "description": "Error (RFC 9457 problem details)",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        )
        if params:
            op["parameters"] = params
        if r.body is not None:
            schema = _body_schema(r.body, schemas)
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        if not r.auth:
            op["security"] = []
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return paths


def _body_schema(model: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    if not hasattr(model, "model_json_schema"):
        return {"type": "object"}
    schema = dict(model.model_json_schema(ref_template=REF_TEMPLATE))
    schemas.update(schema.pop("$defs", {}))
    return schema


def _path_params(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
