"""A route table that also describes each route, so the OpenAPI document can never miss one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Param:
    """A query or header parameter as a generated client must see it: whether the server requires it,
    and the JSON schema of its value (a plain string in a route's `query=` means optional and a string)."""

    description: str
    required: bool = False
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


def required(description: str, **schema: Any) -> Param:
    """A parameter the server refuses the request without (422 naming it); `schema` defaults to a string."""
    return Param(description, True, {"type": "string", **schema})


def optional(description: str, **schema: Any) -> Param:
    """A parameter the request may leave out; `schema` gives its type (e.g. `type="integer"`)."""
    return Param(description, False, {"type": "string", **schema})


#: a response body: a pydantic model, or a JSON schema (its `$defs` go to the components)
ResponseBody = type | dict[str, Any] | None


@dataclass(frozen=True)
class Route:
    """One HTTP route and what the OpenAPI document says of it."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type | None = None
    query: dict[str, str | Param] = field(default_factory=dict)
    headers: dict[str, str | Param] = field(default_factory=dict)
    responses: dict[int, str] = field(default_factory=dict)
    auth: bool = True
    response: ResponseBody = None
    body_required: bool = True
    media: dict[str, dict[str, Any]] = field(default_factory=dict)


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
        query: dict[str, str | Param] | None = None,
        headers: dict[str, str | Param] | None = None,
        responses: dict[int, str] | None = None,
        auth: bool = True,
        response: ResponseBody = None,
        body_required: bool = True,
        media: dict[str, dict[str, Any]] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a handler for METHOD PATH with its documentation: `body` the model the handler validates
        its JSON body with (`body_required=False` when it may be left out), `response` the model or schema
        of its 2xx JSON answer, `media` the schemas of its other (or only) 2xx media types (a PDF, iCalendar,
        CSV), `query`/`headers` descriptions or `Param`s (required, type)."""

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
                    response,
                    body_required,
                    media or {},
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
        params += [_param(name, "query", spec) for name, spec in r.query.items()]
        params += [_param(name, "header", spec) for name, spec in r.headers.items()]
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
            op["requestBody"] = {"required": r.body_required, "content": {"application/json": {"schema": schema}}}
        if r.response is not None or r.media:
            ok = min((code for code in r.responses if 200 <= code < 300), default=200)
            answer = op["responses"].setdefault(str(ok), {"description": "OK"})
            content = {}
            if r.response is not None:
                content["application/json"] = {"schema": _body_schema(r.response, schemas)}
            content.update({media: {"schema": dict(schema)} for media, schema in r.media.items()})
            answer["content"] = content
        if not r.auth:
            op["security"] = []
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return paths


def _param(name: str, where: str, spec: str | Param) -> dict[str, Any]:
    p = spec if isinstance(spec, Param) else Param(spec)
    return {"name": name, "in": where, "required": p.required, "description": p.description, "schema": p.schema}


def _body_schema(model: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """A body's JSON schema (a model's, or a schema dict as is); shared definitions go to `schemas`."""
    if isinstance(model, dict):
        schema = dict(model)
    elif hasattr(model, "model_json_schema"):
        schema = dict(model.model_json_schema(ref_template=REF_TEMPLATE))
    else:
        return {"type": "object"}
    defs: dict[str, Any] = schema.pop("$defs", {})
    renamed: dict[str, str] = {}
    for name, definition in defs.items():
        if name in schemas and schemas[name] != definition:  # two enums named Besluit: both must stay right
            renamed[name] = _free_name(f"{schema.get('title', 'Body')}{name}", schemas)
    if renamed:
        schema, defs = _renamed(schema, renamed), {renamed.get(k, k): _renamed(v, renamed) for k, v in defs.items()}
    for name, definition in defs.items():
        schemas.setdefault(name, definition)
    return schema


def _free_name(name: str, schemas: dict[str, Any]) -> str:
    candidate, n = name, 2
    while candidate in schemas:
        candidate, n = f"{name}{n}", n + 1
    return candidate


def _renamed(node: Any, renamed: dict[str, str]) -> Any:
    """A copy of a schema whose references to the `renamed` definitions point at their new names."""
    if isinstance(node, dict):
        out = {k: _renamed(v, renamed) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_TEMPLATE.format(model="")):
            name = ref.removeprefix(REF_TEMPLATE.format(model=""))
            out["$ref"] = REF_TEMPLATE.format(model=renamed.get(name, name))
        return out
    if isinstance(node, list):
        return [_renamed(v, renamed) for v in node]
    return node


def _path_params(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
