"""The OpenAPI document describes every route the app serves."""

from __future__ import annotations


async def test_every_route_is_in_the_openapi_document(client):
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    served = set()
    for route in client.server.app.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue
        served.add((route.resource.canonical, route.method.lower()))
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
