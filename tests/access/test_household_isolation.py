"""Swapping ids between two households on every endpoint leaks nothing."""

from __future__ import annotations

import re

from support.helpers import bearer, plan_url

MARKER = "MX-ISOLATION-ANALYSE-13"


async def test_every_household_route_refuses_other_households(client, demo):
    resp = await client.patch(
        plan_url(demo), json={"analyse": {"analyse": MARKER}}, headers=bearer(demo["regisseur"]) | {"If-Match": '"2"'}
    )
    assert resp.status == 200
    other = await client.post(
        "/api/households",
        json={"code": "H-ISO-2", "name": "Ander", "gemeente": "Venlo"},
        headers=bearer(demo["regisseur"]),
    )
    stranger = {"Authorization": f"Bearer {(await other.json())['token']}"}
    ids = {
        "id": demo["household"]["id"],
        "bid": demo["by_name"]["Fatima El Amrani"]["id"],
        "n": "2",
        "cid": "00000000-0000-0000-0000-000000000000",
        "oid": "00000000-0000-0000-0000-000000000000",
    }
    missing = ids | {"id": "00000000-0000-4000-8000-000000000000"}
    checked = 0
    for route in client.server.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if "{id}" not in path or route.method in ("HEAD", "OPTIONS"):
            continue
        responses = []
        for values in (ids, missing):
            url = re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m, values=values: values.get(m.group(1), "x"), path)
            resp = await client.request(
                route.method, url + "?from=1&to=2", headers=stranger | {"If-Match": '"2"'}, json={}
            )
            body = await resp.text()
            assert MARKER not in body and "Fatima" not in body, (route.method, path)
            assert resp.status >= 400, (route.method, path, resp.status)
            responses.append((resp.status, body.replace(values["id"], "ID")))
        # A stranger cannot tell this household from one that does not exist.
        assert responses[0] == responses[1], (route.method, path, responses)
        checked += 1
    assert checked >= 20
