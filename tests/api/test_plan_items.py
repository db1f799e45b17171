"""One goal, action or afspraak at a time over the API (issue 13 item 2): nothing else in the plan moves."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer, plan_url


def _h(who, version) -> dict[str, str]:
    headers = bearer(who)
    if version is not None:
        headers["If-Match"] = version if isinstance(version, str) else f'"{version}"'
    return headers


async def _plan(client, demo):
    return await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()


def _oma(demo) -> str:
    return demo["by_name"]["Khadija El Amrani"]["id"]


ACTIE = {"wat": "Youssef ophalen na school", "start": "2026-12-07", "einde": "2026-12-21", "evaluatie": "Na 2 weken"}


async def test_add_one_action_for_the_grandmother_keeps_the_other_goals(client, demo):
    before = await _plan(client, demo)
    resp = await client.post(
        plan_url(demo, "/doelen/school/acties"),
        json={**ACTIE, "wie": _oma(demo)},
        headers=_h(demo["regisseur"], before["version"]),
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["version"] == before["version"] + 1 and resp.headers["ETag"] == f'"{body["version"]}"'
    assert body["item"]["wie"] == _oma(demo) and body["item"]["id"] == body["item_id"] and not body["merged"]
    assert resp.headers["Location"].endswith(f"/plan/doelen/school/acties/{body['item_id']}")
    after = await _plan(client, demo)
    old_goals, new_goals = before["sections"]["doelen"], after["sections"]["doelen"]
    assert new_goals[0] == old_goals[0]  # the other goal is untouched
    assert new_goals[1]["acties"][:-1] == old_goals[1]["acties"]
    assert new_goals[1]["acties"][-1] == body["item"]
    assert after["sections"]["analyse"] == before["sections"]["analyse"]


async def test_change_and_remove_one_action_and_one_afspraak(client, demo, clock):
    v = (await _plan(client, demo))["version"]
    later = (clock.today() + timedelta(days=60)).isoformat()  # after the action's start (the demo's day)
    resp = await client.patch(
        plan_url(demo, "/doelen/financien/acties/post-ordenen"),
        json={"einde": later},
        headers=_h(demo["regisseur"], v),
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["item"]["einde"] == later
    plan = await _plan(client, demo)
    afspraak = plan["sections"]["afspraken"][0]
    assert afspraak["id"]  # afspraken carry stable ids too
    resp = await client.patch(
        plan_url(demo, f"/afspraken/{afspraak['id']}"),
        json={"wanneer": "elke maandag"},
        headers=_h(demo["regisseur"], v + 1),
    )
    assert resp.status == 200, await resp.text()
    resp = await client.delete(
        plan_url(demo, "/doelen/financien/acties/budgetplan"), headers=_h(demo["regisseur"], v + 2)
    )
    assert resp.status == 200 and (await resp.json())["item"] is None
    plan = await _plan(client, demo)
    assert [a["id"] for a in plan["sections"]["doelen"][0]["acties"]] == ["post-ordenen"]
    assert plan["sections"]["afspraken"][0]["wanneer"] == "elke maandag"
    assert plan["version"] == v + 3


async def test_add_goal_and_afspraak_then_remove_goal(client, demo):
    v = (await _plan(client, demo))["version"]
    resp = await client.post(
        plan_url(demo, "/doelen"), json={"titel": "Rust in huis"}, headers=_h(demo["regisseur"], v)
    )
    assert resp.status == 201, await resp.text()
    gid = (await resp.json())["item_id"]
    resp = await client.post(
        plan_url(demo, "/afspraken"),
        json={"wat": "Oma belt op vrijdag", "wie": _oma(demo)},
        headers=_h(demo["regisseur"], v + 1),
    )
    assert resp.status == 201
    plan = await _plan(client, demo)
    assert [g["id"] for g in plan["sections"]["doelen"]] == ["financien", "school", gid]
    assert len(plan["sections"]["afspraken"]) == 2
    resp = await client.delete(plan_url(demo, f"/doelen/{gid}"), headers=_h(demo["regisseur"], v + 2))
    assert resp.status == 200
    assert [g["id"] for g in (await _plan(client, demo))["sections"]["doelen"]] == ["financien", "school"]


async def test_if_match_missing_or_star_is_428_and_writes_nothing(client, demo):
    url = plan_url(demo, "/doelen/school/acties")
    for version in (None, "*"):
        resp = await client.post(url, json={**ACTIE, "wie": _oma(demo)}, headers=_h(demo["regisseur"], version))
        assert resp.status == 428, version
        assert resp.content_type == "application/problem+json"
    assert (await _plan(client, demo))["version"] == 2


async def test_stale_if_match_on_the_same_item_is_412_with_the_item_now(client, demo):
    url = plan_url(demo, "/doelen/school/acties/mentor")
    first = await client.patch(url, json={"wat": "Gesprek met mentor"}, headers=_h(demo["regisseur"], 2))
    assert first.status == 200
    stale = await client.patch(url, json={"wat": "Gesprek met de mentor en oma"}, headers=_h(demo["regisseur"], 2))
    assert stale.status == 412, await stale.text()
    body = await stale.json()
    assert body["current_version"] == 3 and body["current_item"]["wat"] == "Gesprek met mentor"
    plan = await _plan(client, demo)
    assert plan["version"] == 3 and plan["sections"]["doelen"][1]["acties"][0]["wat"] == "Gesprek met mentor"
    unknown = await client.patch(url, json={"wat": "x"}, headers=_h(demo["regisseur"], 9))
    assert unknown.status == 412


async def test_concurrent_edits_of_different_items_are_both_kept(client, demo):
    one = await client.patch(
        plan_url(demo, "/doelen/school/acties/mentor"),
        json={"evaluatie": "Na 4 weken"},
        headers=_h(demo["regisseur"], 2),
    )
    assert one.status == 200
    two = await client.post(
        plan_url(demo, "/doelen/school/acties"), json={**ACTIE, "wie": _oma(demo)}, headers=_h(demo["regisseur"], 2)
    )
    assert two.status == 201, await two.text()
    assert (await two.json())["merged"] is True
    goal = (await _plan(client, demo))["sections"]["doelen"][1]
    assert goal["acties"][0]["evaluatie"] == "Na 4 weken" and goal["acties"][1]["wie"] == _oma(demo)


async def test_invalid_item_is_422_naming_the_field_and_writes_nothing(client, demo):
    url = plan_url(demo, "/doelen/school/acties")
    bad_dates = await client.post(
        url, json={**ACTIE, "einde": "2026-12-01", "wie": _oma(demo)}, headers=_h(demo["regisseur"], 2)
    )
    assert bad_dates.status == 422
    assert [e["field"] for e in (await bad_dates.json())["errors"]] == ["einde"]
    stranger = await client.post(url, json={**ACTIE, "wie": "nobody"}, headers=_h(demo["regisseur"], 2))
    assert stranger.status == 422
    assert [e["field"] for e in (await stranger.json())["errors"]] == ["wie"]
    far = await client.patch(f"{url}/mentor", json={"einde": "9999-12-31"}, headers=_h(demo["regisseur"], 2))
    assert far.status == 422 and (await far.json())["errors"][0]["field"] == "einde"
    unknown_field = await client.patch(f"{url}/mentor", json={"wiee": "x"}, headers=_h(demo["regisseur"], 2))
    assert unknown_field.status == 422 and (await unknown_field.json())["errors"][0]["field"] == "wiee"
    assert (await _plan(client, demo))["version"] == 2


async def test_missing_items_are_404(client, demo):
    h = _h(demo["regisseur"], 2)
    assert (await client.delete(plan_url(demo, "/doelen/nope"), headers=h)).status == 404
    assert (await client.delete(plan_url(demo, "/doelen/school/acties/nope"), headers=h)).status == 404
    assert (await client.patch(plan_url(demo, "/afspraken/NOT_AN_ID"), json={"wat": "x"}, headers=h)).status == 404
    assert (
        await client.post(plan_url(demo, "/doelen/nope/acties"), json={**ACTIE, "wie": _oma(demo)}, headers=h)
    ).status == 404


async def test_who_may_not_write_doelen_gets_403_and_nothing_changes(client, demo):
    resp = await client.post(
        plan_url(demo, "/doelen/school/acties"),
        json={**ACTIE, "wie": _oma(demo)},
        headers=_h(demo["by_name"]["Khadija El Amrani"], 2),
    )
    assert resp.status == 403
    assert (await _plan(client, demo))["version"] == 2
