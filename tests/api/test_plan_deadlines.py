"""The plan's own deadlines over the API (issue 13): record a request for the plan in writing and the decision
not to make a familiegroepsplan; the caseload (`GET /api/werkbank`) shows them as upcoming, then overdue, until a
new version (written) or a vaststelling (6 weeks) meets them."""

from __future__ import annotations

from support.helpers import bearer

from eenplan.storage.tables_plan_deadlines import PlanDeadlineEventRow


def _url(demo: dict, tail: str = "") -> str:
    return f"/api/households/{demo['household']['id']}/plan-deadlines{tail}"


async def _werkbank_row(client, demo) -> dict:
    body = await (await client.get("/api/werkbank", headers=bearer(demo["regisseur"]))).json()
    (row,) = body["households"]
    return row


async def _new_version(client, demo) -> int:
    hid, reg = demo["household"]["id"], bearer(demo["regisseur"])
    plan = await client.get(f"/api/households/{hid}/plan", headers=reg)
    etag = plan.headers["ETag"]
    resp = await client.patch(
        f"/api/households/{hid}/plan",
        json={"afspraken": [{"wat": "Elke maandag bellen"}]},
        headers={**reg, "If-Match": etag},
    )
    assert resp.status == 200, await resp.text()
    return int((await resp.json())["version"])


async def test_a_request_for_the_plan_in_writing_is_due_14_days_later_on_the_werkbank(client, demo, clock):
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    today = clock.today()
    resp = await client.post(
        _url(demo, "/written-plan-requests"),
        json={"asked_by": fatima, "on": today.isoformat()},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 201, await resp.text()
    event = await resp.json()
    assert event["kind"] == "plan-op-schrift" and event["asked_by"] == fatima and not event["met"]
    row = await _werkbank_row(client, demo)
    assert [d["kind"] for d in row["deadlines_upcoming"]] == ["plan-op-schrift"]
    clock.advance(days=15)
    row = await _werkbank_row(client, demo)
    assert [d["kind"] for d in row["deadlines_overdue"]] == ["plan-op-schrift"]
    assert row["urgency"] == "te-laat"
    await _new_version(client, demo)  # written late: met all the same
    row = await _werkbank_row(client, demo)
    assert "plan-op-schrift" not in {d["kind"] for d in row["deadlines_overdue"] + row["deadlines_upcoming"]}
    listed = await (await client.get(_url(demo), headers=bearer(demo["regisseur"]))).json()
    assert listed["events"][0]["met"] is True
    # met, but late: the day and how late stay visible (review of issue 13)
    assert listed["events"][0]["met_on"] == clock.today().isoformat() and listed["events"][0]["late_days"] == 1
    assert row["deadlines_met_late"] == 1  # the werkbank counts it too
    body = await (await client.get("/api/werkbank", headers=bearer(demo["regisseur"]))).json()
    assert body["counts"]["deadlines_met_late"] == 1


async def test_the_decision_against_a_familiegroepsplan_is_met_by_a_vaststelling_not_a_version(client, demo, clock):
    reg = bearer(demo["regisseur"])
    resp = await client.post(_url(demo, "/no-familiegroepsplan"), json={"on": clock.today().isoformat()}, headers=reg)
    assert resp.status == 201, await resp.text()
    clock.advance(days=43)
    number = await _new_version(client, demo)
    row = await _werkbank_row(client, demo)
    assert [d["kind"] for d in row["deadlines_overdue"]] == ["vaststellen"]
    hid = demo["household"]["id"]
    adopted = await client.post(f"/api/households/{hid}/plan/versions/{number}/vaststellen", json={}, headers=reg)
    assert adopted.status == 200, await adopted.text()
    row = await _werkbank_row(client, demo)
    assert row["deadlines_overdue"] == []


async def test_refused_requests_write_nothing(client, demo, services, clock):
    reg = bearer(demo["regisseur"])
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]  # the grandmother: the network does not ask
    tomorrow = clock.today().toordinal() + 1
    from datetime import date

    cases = [
        ({"asked_by": khadija, "on": clock.today().isoformat()}, "asked_by"),
        ({"asked_by": demo["by_name"]["Fatima El Amrani"]["id"], "on": date.fromordinal(tomorrow).isoformat()}, "on"),
        ({"asked_by": "nobody", "on": clock.today().isoformat()}, "asked_by"),
    ]
    for body, field in cases:
        resp = await client.post(_url(demo, "/written-plan-requests"), json=body, headers=reg)
        assert resp.status == 422, await resp.text()
        assert (await resp.json())["errors"][0]["field"] == field
    resp = await client.post(_url(demo, "/no-familiegroepsplan"), json={"on": "2026-13-01"}, headers=reg)
    assert resp.status == 422
    async with services.plan._uow() as uow:
        import sqlalchemy as sa

        assert (await uow.session.execute(sa.select(sa.func.count()).select_from(PlanDeadlineEventRow))).scalar() == 0


async def test_only_a_regisseur_records_or_reads_them(client, demo, clock):
    fatima = demo["by_name"]["Fatima El Amrani"]
    body = {"asked_by": fatima["id"], "on": clock.today().isoformat()}
    assert (await client.post(_url(demo, "/written-plan-requests"), json=body, headers=bearer(fatima))).status == 403
    assert (await client.get(_url(demo), headers=bearer(demo["by_name"]["Joost Willems"]))).status == 403


async def test_an_exact_duplicate_is_refused_and_a_mistake_can_be_deleted(client, demo, clock):
    """Review of issue 13: the same request twice was accepted, and nothing recorded could be corrected."""
    reg = bearer(demo["regisseur"])
    body = {"asked_by": demo["by_name"]["Fatima El Amrani"]["id"], "on": clock.today().isoformat()}
    first = await client.post(_url(demo, "/written-plan-requests"), json=body, headers=reg)
    assert first.status == 201
    again = await client.post(_url(demo, "/written-plan-requests"), json=body, headers=reg)
    assert again.status == 422 and (await again.json())["errors"][0]["field"] == "on"
    youssef = {**body, "asked_by": demo["by_name"]["Youssef El Amrani"]["id"]}
    assert (await client.post(_url(demo, "/written-plan-requests"), json=youssef, headers=reg)).status == 201
    decided = {"on": clock.today().isoformat()}
    assert (await client.post(_url(demo, "/no-familiegroepsplan"), json=decided, headers=reg)).status == 201
    assert (await client.post(_url(demo, "/no-familiegroepsplan"), json=decided, headers=reg)).status == 422
    eid = (await first.json())["id"]
    fatima = bearer(demo["by_name"]["Fatima El Amrani"])
    assert (await client.delete(_url(demo, f"/{eid}"), headers=fatima)).status == 403
    assert (await client.delete(_url(demo, f"/{eid}"), headers=reg)).status == 204
    assert (await client.delete(_url(demo, f"/{eid}"), headers=reg)).status == 404
    listed = await (await client.get(_url(demo), headers=reg)).json()
    assert eid not in {e["id"] for e in listed["events"]} and len(listed["events"]) == 2
    assert (await client.post(_url(demo, "/written-plan-requests"), json=body, headers=reg)).status == 201
