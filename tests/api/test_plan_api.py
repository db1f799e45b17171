"""The plan API as a client sees it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer, patch_plan, plan_url


async def test_current_plan_has_etag_and_all_sections(client, demo):
    resp = await client.get(plan_url(demo), headers=bearer(demo["by_name"]["Fatima El Amrani"]))
    assert resp.status == 200
    body = await resp.json()
    assert resp.headers["ETag"] == f'"{body["version"]}"' == '"2"'
    assert set(body["sections"]) == {
        "algemeen",
        "krachten_zorgen",
        "analyse",
        "doelen",
        "voorzieningen",
        "veiligheidsplan",
        "afspraken",
    }
    assert body["sections"]["doelen"][0]["titel"] == "Fatima heeft overzicht over haar geld"


async def test_patch_without_if_match_is_428_and_changes_nothing(client, demo):
    resp = await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=None)
    assert resp.status == 428
    assert resp.content_type == "application/problem+json"
    current = await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()
    assert current["version"] == 2 and current["sections"]["analyse"]["analyse"] != "nieuw"


async def test_patch_creates_new_version_with_summary(client, demo):
    resp = await patch_plan(
        client, demo, {"analyse": {"analyse": "Nieuwe analyse", "gewenst_perspectief": "x"}}, version=2
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["version"] == 3 and resp.headers["ETag"] == '"3"'
    assert body["changed_sections"] == ["analyse"]
    assert body["author_id"] == demo["regisseur"]["id"]
    assert "Nieuwe analyse" not in body["summary"]  # summaries never quote content


async def test_identical_patch_creates_no_version(client, demo):
    current = await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()
    resp = await patch_plan(client, demo, {"analyse": current["sections"]["analyse"]}, version=2)
    assert resp.status == 200
    assert (await resp.json())["version"] == 2


async def test_stale_base_merges_when_other_sections_changed(client, demo):
    first = await patch_plan(client, demo, {"analyse": {"analyse": "A"}}, version=2)
    assert first.status == 200
    second = await patch_plan(client, demo, {"voorzieningen": [{"voorziening": "Woonbegeleiding"}]}, version=2)
    assert second.status == 200
    body = await second.json()
    assert body["version"] == 4 and body["base_version"] == 2
    assert body["sections"]["analyse"]["analyse"] == "A"
    assert body["sections"]["voorzieningen"][0]["voorziening"] == "Woonbegeleiding"


async def test_stale_base_on_changed_section_is_409_with_current_content(client, demo):
    assert (await patch_plan(client, demo, {"analyse": {"analyse": "eerste"}}, version=2)).status == 200
    resp = await patch_plan(client, demo, {"analyse": {"analyse": "tweede"}, "afspraken": []}, version=2)
    assert resp.status == 409
    problem = await resp.json()
    assert problem["conflicting_sections"] == ["analyse"]
    assert problem["current"]["analyse"]["analyse"] == "eerste"
    assert problem["current_version"] == 3
    current = await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()
    assert current["version"] == 3 and current["sections"]["afspraken"] != []  # nothing half-written


async def test_future_base_is_412(client, demo):
    resp = await patch_plan(client, demo, {"analyse": {"analyse": "x"}}, version=99)
    assert resp.status == 412


async def test_invalid_section_names_the_field(client, demo):
    body = {
        "doelen": [
            {
                "titel": "Doel",
                "acties": [
                    {"wie": demo["regisseur"]["id"], "wat": "iets", "start": "2026-12-10", "einde": "2026-12-01"}
                ],
            }
        ],
        "onbekend": {},
    }
    resp = await patch_plan(client, demo, body, version=2)
    assert resp.status == 422
    problem = await resp.json()
    fields = {e["field"]: e["problem"] for e in problem["errors"]}
    assert "einde is before start" in fields["doelen[0].acties[0]"]
    assert "unknown section" in fields["onbekend"]


async def test_action_owner_must_be_a_betrokkene(client, demo):
    body = {
        "doelen": [
            {
                "titel": "Doel",
                "acties": [{"wie": "iemand-anders", "wat": "iets", "start": "2026-12-01", "einde": "2026-12-10"}],
            }
        ]
    }
    resp = await patch_plan(client, demo, body, version=2)
    assert resp.status == 422
    assert (await resp.json())["errors"][0]["field"] == "doelen[0].acties[0].wie"


async def test_goals_and_actions_get_ids(client, demo):
    body = {
        "doelen": [
            {
                "titel": "Nieuw doel",
                "acties": [
                    {"wie": demo["regisseur"]["id"], "wat": "bellen", "start": "2026-12-01", "einde": "2026-12-10"}
                ],
            }
        ]
    }
    resp = await patch_plan(client, demo, body, version=2)
    goal = (await resp.json())["sections"]["doelen"][0]
    assert goal["id"] and goal["acties"][0]["id"] and goal["status"] == "open"


async def test_non_regisseur_cannot_change_the_plan(client, demo):
    resp = await patch_plan(
        client, demo, {"analyse": {"analyse": "x"}}, version=2, person=demo["by_name"]["Joost Willems"]
    )
    assert resp.status == 403


async def test_versions_list_get_and_adopt(client, demo):
    for i in range(3):
        assert (await patch_plan(client, demo, {"analyse": {"analyse": f"v{i}"}}, version=2 + i)).status == 200
    headers = bearer(demo["by_name"]["Fatima El Amrani"])
    listing = await (await client.get(plan_url(demo, "/versions?limit=2"), headers=headers)).json()
    assert listing["current_version"] == 5
    assert [v["version"] for v in listing["versions"]] == [5, 4]
    older = await (
        await client.get(plan_url(demo, f"/versions?before={listing['next_before']}"), headers=headers)
    ).json()
    assert [v["version"] for v in older["versions"]] == [3, 2, 1]
    v3 = await client.get(plan_url(demo, "/versions/3"), headers=headers)
    assert v3.headers["ETag"] == '"3"' and (await v3.json())["sections"]["analyse"]["analyse"] == "v0"
    assert (await client.get(plan_url(demo, "/versions/9"), headers=headers)).status == 404
    bogus = await client.post(
        plan_url(demo, "/versions/4/vaststellen"), json={"overleg": "geen-overleg"}, headers=bearer(demo["regisseur"])
    )
    assert bogus.status == 422 and (await bogus.json())["errors"][0]["field"] == "overleg"
    adopt = await client.post(plan_url(demo, "/versions/4/vaststellen"), json={}, headers=bearer(demo["regisseur"]))
    assert adopt.status == 200 and (await adopt.json())["vastgesteld"] is True
    again = await client.post(plan_url(demo, "/versions/4/vaststellen"), json={}, headers=bearer(demo["regisseur"]))
    assert again.status == 422
    assert (await (await client.get(plan_url(demo, "/versions/4"), headers=headers)).json())["vastgesteld"]


async def test_diff_is_plan_aware(client, demo, clock):
    plan = await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()
    doelen = plan["sections"]["doelen"]
    inge, oma = demo["by_name"]["Inge Bakker"]["id"], demo["by_name"]["Khadija El Amrani"]["id"]
    doelen[0]["acties"][0]["wie"] = oma  # owner changed
    doelen[0]["acties"][1]["einde"] = (clock.today() + timedelta(days=60)).isoformat()  # dates changed
    doelen[1]["acties"].append({"wie": inge, "wat": "Huisbezoek", "start": "2026-12-01", "einde": "2026-12-05"})
    doelen.append({"titel": "Youssef sport weer", "acties": []})
    removed_goal = doelen.pop(1)
    doelen.append(removed_goal | {"id": "school-2"})  # old goal removed, a new one added
    resp = await patch_plan(client, demo, {"doelen": doelen}, version=2)
    assert resp.status == 200
    diff = await (await client.get(plan_url(demo, "/diff?from=2&to=3"), headers=bearer(demo["regisseur"]))).json()
    ops = [(c["op"], c.get("action_id"), c.get("field")) for c in diff["sections"]["doelen"]]
    assert ("action_owner_changed", "budgetplan", "wie") in ops
    assert ("action_dates_changed", "post-ordenen", "einde") in ops
    assert ("goal_removed", None, None) in ops
    assert sum(1 for op in ops if op[0] == "goal_added") == 2
    assert list(diff["sections"]) == ["doelen"]
    owner = next(c for c in diff["sections"]["doelen"] if c["op"] == "action_owner_changed")
    assert owner["from"] == demo["by_name"]["Joost Willems"]["id"] and owner["to"] == oma
    empty = await (await client.get(plan_url(demo, "/diff?from=3&to=3"), headers=bearer(demo["regisseur"]))).json()
    assert empty["sections"] == {}
    bad = await client.get(plan_url(demo, "/diff?from=2"), headers=bearer(demo["regisseur"]))
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"] == "to"


async def test_body_size_is_limited(client, demo):
    huge = {"analyse": {"analyse": "x" * 2_000_000}}
    resp = await patch_plan(client, demo, huge, version=2)
    assert resp.status == 413
    assert resp.content_type == "application/problem+json"


async def test_not_json_is_a_clear_4xx(client, demo):
    headers = bearer(demo["regisseur"]) | {"If-Match": '"2"', "Content-Type": "application/json"}
    resp = await client.patch(plan_url(demo), data=b"{not json", headers=headers)
    assert resp.status == 422
    assert (await resp.json())["errors"][0]["field"] == "body"
