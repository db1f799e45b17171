"""The OpenAPI document describes every route the app serves."""

from __future__ import annotations


async def test_every_route_is_in_the_openapi_document(client):
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    from aiohttp import web

    from eenplan.web.pages import PAGE_MODULES

    pages = {
        (r.path, r.method.lower()) for m in PAGE_MODULES for r in m.routes if isinstance(r, web.RouteDef)
    }  # HTML for people, not the API; none of them under /api
    assert pages and not any(path.startswith("/api") for path, _ in pages)
    served = set()
    for route in client.server.app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or route.resource is None:
            continue
        key = (route.resource.canonical, route.method.lower())
        if key not in pages and not route.resource.canonical.startswith("/static"):
            served.add(key)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert served, "the app serves no routes?"
    assert served - documented == set(), "routes missing from /api/openapi.json"
    assert documented - served == set(), "documented routes that do not exist"


async def test_body_schemas_are_documented(client):
    doc = await (await client.get("/api/openapi.json")).json()
    op = doc["paths"]["/api/households/{id}/betrokkenen"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert {"name", "kind", "role"} <= set(schema["properties"])
    patch = doc["paths"]["/api/households/{id}/plan"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])


async def test_every_reference_resolves_from_the_document_root(client):
    """Tools (schemathesis, code generators) resolve `$ref` from the document root: a body's enum
    definitions must live in components, not in a `$defs` block only its own schema can see."""
    doc = await (await client.get("/api/openapi.json")).json()
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert any(r.endswith("/Kind") for r in refs), "the betrokkene body's kind enum should be a reference"
    for ref in refs:
        assert ref.startswith("#/"), ref
        target: object = doc
        for part in ref[2:].split("/"):
            assert isinstance(target, dict) and part in target, f"unresolvable reference {ref}"
            target = target[part]
