"""An add sent twice adds one item (issue 13, the review's defect 1): a POST naming its item's id, repeated with
the same content, answers as the first did and writes nothing — no version, no mail; the same id with other
content is 409 naming `id`; an id that cannot be one is 422 naming `id`."""

from __future__ import annotations

import asyncio

from support.helpers import bearer, plan_url

from eenplan.domain.access import Principal
from eenplan.domain.mailgroup import OutboxKind

ACTIE = {"wat": "Youssef ophalen na school", "start": "2026-12-07", "einde": "2026-12-21", "evaluatie": "Na 2 weken"}


def _h(who, version: int) -> dict[str, str]:
    return {**bearer(who), "If-Match": f'"{version}"'}


async def _plan(client, demo) -> dict:
    return await (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).json()


async def _plan_mails(services, demo) -> int:
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    rows = await services.mailgroup.outbox(me, demo["household"]["id"], None, 10_000)
    return sum(1 for r in rows if r.kind is OutboxKind.PLAN_UPDATE)


def _oma(demo) -> str:
    return demo["by_name"]["Khadija El Amrani"]["id"]


async def test_an_action_posted_twice_with_its_id_is_added_once(client, services, demo):
    v = (await _plan(client, demo))["version"]
    body = {**ACTIE, "wie": _oma(demo), "id": "ophalen-oma"}
    first = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=_h(demo["regisseur"], v))
    assert first.status == 201, await first.text()
    answer = await first.json()
    mails = await _plan_mails(services, demo)
    assert mails > 0  # the first add told the betrokkenen
    # the answer was lost; the client sends the very same request again (its If-Match now stale)
    again = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=_h(demo["regisseur"], v))
    assert again.status == 201, await again.text()
    assert await again.json() == answer
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Location"] == first.headers["Location"]
    plan = await _plan(client, demo)
    assert plan["version"] == v + 1  # no second version
    assert [a["id"] for a in plan["sections"]["doelen"][1]["acties"]].count("ophalen-oma") == 1
    assert await _plan_mails(services, demo) == mails  # no second "Nieuwe versie van het plan"


async def test_a_goal_and_an_afspraak_posted_twice_are_added_once(client, demo):
    v = (await _plan(client, demo))["version"]
    goal = {"id": "rust-in-huis", "titel": "Rust in huis", "acties": [{**ACTIE, "wie": _oma(demo)}]}
    for _ in range(2):
        resp = await client.post(plan_url(demo, "/doelen"), json=goal, headers=_h(demo["regisseur"], v))
        assert resp.status == 201, await resp.text()
        assert (await resp.json())["version"] == v + 1
    afspraak = {"id": "elke-maandag", "wat": "Elke maandag bellen", "wanneer": "maandag"}
    for _ in range(2):
        resp = await client.post(plan_url(demo, "/afspraken"), json=afspraak, headers=_h(demo["regisseur"], v + 1))
        assert resp.status == 201, await resp.text()
        assert (await resp.json())["version"] == v + 2
    plan = await _plan(client, demo)
    assert plan["version"] == v + 2
    assert [g["id"] for g in plan["sections"]["doelen"]].count("rust-in-huis") == 1
    assert [a["id"] for a in plan["sections"]["afspraken"]].count("elke-maandag") == 1


async def test_the_same_id_with_other_content_is_409_naming_the_field(client, demo):
    v = (await _plan(client, demo))["version"]
    body = {**ACTIE, "wie": _oma(demo), "id": "ophalen-oma"}
    first = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=_h(demo["regisseur"], v))
    assert first.status == 201, await first.text()
    other = {**body, "wat": "Youssef brengen"}
    resp = await client.post(plan_url(demo, "/doelen/school/acties"), json=other, headers=_h(demo["regisseur"], v + 1))
    assert resp.status == 409, await resp.text()
    problem = await resp.json()
    assert problem["errors"] == [{"field": "id", "problem": "is already used by an item with other content"}]
    assert "Youssef" not in problem["detail"]  # the problem never quotes content
    # the same action under another goal is that id used elsewhere, too
    elsewhere = await client.post(
        plan_url(demo, "/doelen/financien/acties"), json=body, headers=_h(demo["regisseur"], v + 1)
    )
    assert elsewhere.status == 409, await elsewhere.text()
    assert (await _plan(client, demo))["version"] == v + 1  # nothing written by either


async def test_an_id_that_cannot_be_one_is_422_naming_the_field(client, demo):
    v = (await _plan(client, demo))["version"]
    body = {**ACTIE, "wie": _oma(demo), "id": "Niet Goed!"}
    resp = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=_h(demo["regisseur"], v))
    assert resp.status == 422
    assert [e["field"] for e in (await resp.json())["errors"]] == ["id"]
    assert (await _plan(client, demo))["version"] == v


async def test_two_concurrent_adds_with_one_id_add_one_item(client, services, demo):
    """A real double click: both requests arrive before either has written; the second lands on the first's
    version, finds the id and writes nothing."""
    v = (await _plan(client, demo))["version"]
    body = {**ACTIE, "wie": _oma(demo), "id": "ophalen-oma"}
    url, headers = plan_url(demo, "/doelen/school/acties"), _h(demo["regisseur"], v)
    answers = await asyncio.gather(*(client.post(url, json=body, headers=headers) for _ in range(2)))
    assert [r.status for r in answers] == [201, 201], [await r.text() for r in answers]
    bodies = [await r.json() for r in answers]
    assert bodies[0] == bodies[1] and not bodies[0]["merged"]
    plan = await _plan(client, demo)
    assert plan["version"] == v + 1
    assert [a["id"] for a in plan["sections"]["doelen"][1]["acties"]].count("ophalen-oma") == 1


async def test_a_repeat_is_refused_where_the_add_would_be(client, services, demo):
    """A token someone else issued for Sanne writes nothing in her name (403): sending her add again with it is
    refused the same way, not answered as her add was."""
    sanne, hid = demo["regisseur"], demo["household"]["id"]
    ruud = {"name": "Ruud Smit", "kind": "professional", "role": "procesregisseur", "organisation": "Gemeente"}
    added = await client.post(f"/api/households/{hid}/betrokkenen", headers=bearer(sanne), json=ruud)
    assert added.status == 201, await added.text()
    by_ruud = {"token": services.tokens.issue(Principal((await added.json())["id"], hid))}
    issued = await client.post(f"/api/households/{hid}/betrokkenen/{sanne['id']}/token", headers=bearer(by_ruud))
    assert issued.status == 201, await issued.text()
    v = (await _plan(client, demo))["version"]
    body = {**ACTIE, "wie": _oma(demo), "id": "ophalen-oma"}
    first = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=_h(sanne, v))
    assert first.status == 201, await first.text()
    token = {"Authorization": f"Bearer {(await issued.json())['token']}", "If-Match": f'"{v}"'}
    again = await client.post(plan_url(demo, "/doelen/school/acties"), json=body, headers=token)
    assert again.status == 403, await again.text()
