"""Households, phases and betrokkenen through the API."""

from __future__ import annotations

from support.helpers import bearer


def hh_url(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def test_open_household_gives_regisseur_and_empty_plan(client, demo):
    resp = await client.post(
        "/api/households",
        json={"code": "h-2026-042", "name": "Gezin Jansen", "gemeente": "Sittard-Geleen"},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["household"]["code"] == "H-2026-042" and body["household"]["phase"] == 1
    assert body["betrokkene"]["role"] == "procesregisseur" and body["betrokkene"]["name"] == "Sanne de Vries"
    headers = {"Authorization": f"Bearer {body['token']}"}
    plan = await (await client.get(f"/api/households/{body['household']['id']}/plan", headers=headers)).json()
    assert plan["version"] == 1 and plan["sections"]["doelen"] == []
    duplicate = await client.post(
        "/api/households", json={"code": "H-2026-042", "name": "x", "gemeente": "y"}, headers=bearer(demo["regisseur"])
    )
    assert duplicate.status == 422 and (await duplicate.json())["errors"][0]["field"] == "code"


async def test_only_regisseurs_open_households(client, demo):
    resp = await client.post(
        "/api/households",
        json={"code": "H-X-1", "name": "x", "gemeente": "y"},
        headers=bearer(demo["by_name"]["Fatima El Amrani"]),
    )
    assert resp.status == 403


async def test_phase_transitions_follow_the_method(client, demo):
    headers = bearer(demo["regisseur"])
    skip = await client.post(hh_url(demo, "/phase"), json={"to": 4}, headers=headers)
    assert skip.status == 422
    assert "cannot move to 4" in (await skip.json())["errors"][0]["problem"]
    for to in (2, 3, 4, 5, 4):
        resp = await client.post(hh_url(demo, "/phase"), json={"to": to, "reason": "volgende stap"}, headers=headers)
        assert resp.status == 200, await resp.text()
    history = await (await client.get(hh_url(demo, "/phases"), headers=headers)).json()
    assert [p["to"] for p in history["phases"]] == [1, 2, 3, 4, 5, 4]
    assert history["phases"][1]["from"] == 1
    out_of_range = await client.post(hh_url(demo, "/phase"), json={"to": 7}, headers=headers)
    assert out_of_range.status == 422 and (await out_of_range.json())["errors"][0]["field"] == "to"
    klant = await client.post(
        hh_url(demo, "/phase"), json={"to": 5}, headers=bearer(demo["by_name"]["Fatima El Amrani"])
    )
    assert klant.status == 403


async def test_betrokkenen_listing_matches_demo(client, demo):
    resp = await client.get(hh_url(demo, "/betrokkenen"), headers=bearer(demo["by_name"]["Youssef El Amrani"]))
    people = (await resp.json())["betrokkenen"]
    assert {(p["name"], p["kind"], p["role"]) for p in people} == {
        (b["name"], b["kind"], b["role"]) for b in demo["betrokkenen"]
    }
    youssef = next(p for p in people if p["name"] == "Youssef El Amrani")
    assert youssef["birth_date"] and youssef["reachable_days"] == ["wo", "vr"]


async def test_add_betrokkene_validates_each_field(client, demo):
    headers = bearer(demo["regisseur"])
    bad = await client.post(
        hh_url(demo, "/betrokkenen"),
        json={
            "name": "",
            "kind": "buurman",
            "role": "netwerklid",
            "email": "geen-adres",
            "reachable_days": ["maandag"],
        },
        headers=headers,
    )
    assert bad.status == 422
    fields = {e["field"] for e in (await bad.json())["errors"]}
    assert {"name", "kind", "email", "reachable_days.0"} <= fields
    mismatch = await client.post(
        hh_url(demo, "/betrokkenen"), json={"name": "Piet", "kind": "netwerk", "role": "hulpverlener"}, headers=headers
    )
    assert mismatch.status == 422 and (await mismatch.json())["errors"][0]["field"] == "role"
    minor = await client.post(
        hh_url(demo, "/betrokkenen"), json={"name": "Sara", "kind": "klant", "role": "jeugdige"}, headers=headers
    )
    assert (await minor.json())["errors"][0]["field"] == "birth_date"
    ok = await client.post(
        hh_url(demo, "/betrokkenen"),
        json={
            "name": "Buurman Piet",
            "kind": "netwerk",
            "role": "netwerklid",
            "relation": "buurman",
            "email": "Piet@Example.org",
            "reachable_days": ["za"],
        },
        headers=headers,
    )
    assert ok.status == 201
    assert (await ok.json())["email"] == "piet@example.org"
    by_klant = await client.post(
        hh_url(demo, "/betrokkenen"),
        json={"name": "X", "kind": "netwerk", "role": "netwerklid"},
        headers=bearer(demo["by_name"]["Fatima El Amrani"]),
    )
    assert by_klant.status == 403


async def test_betrokkene_updates_own_contact_details_only(client, demo):
    oma = demo["by_name"]["Khadija El Amrani"]
    own = await client.patch(
        hh_url(demo, f"/betrokkenen/{oma['id']}"), json={"phone": "06 9999 0000"}, headers=bearer(oma)
    )
    assert own.status == 200 and (await own.json())["phone"] == "06 9999 0000"
    promote = await client.patch(
        hh_url(demo, f"/betrokkenen/{oma['id']}"), json={"role": "procesregisseur"}, headers=bearer(oma)
    )
    assert promote.status == 403
    other = await client.patch(
        hh_url(demo, f"/betrokkenen/{demo['regisseur']['id']}"), json={"phone": "0612345678"}, headers=bearer(oma)
    )
    assert other.status == 403


async def test_last_regisseur_cannot_be_removed(client, demo):
    resp = await client.delete(
        hh_url(demo, f"/betrokkenen/{demo['regisseur']['id']}"), headers=bearer(demo["regisseur"])
    )
    assert resp.status == 422


async def test_regisseur_issues_token_for_machine_client(client, demo):
    joost = demo["by_name"]["Joost Willems"]
    resp = await client.post(hh_url(demo, f"/betrokkenen/{joost['id']}/token"), headers=bearer(demo["regisseur"]))
    assert resp.status == 201
    token = (await resp.json())["token"]
    assert (await client.get(hh_url(demo, "/plan"), headers={"Authorization": f"Bearer {token}"})).status == 200
    refused = await client.post(hh_url(demo, f"/betrokkenen/{joost['id']}/token"), headers=bearer(joost))
    assert refused.status == 403


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"
