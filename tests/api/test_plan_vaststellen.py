"""Vaststellen over the API follows the editor's rule (issue 13 follow-up): a plan is vastgesteld at an overleg that
was held or is planned for today, never at a future or cancelled one (422 naming `overleg`, nothing written)."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer


def _url(demo: dict, tail: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{tail}"


async def _plan_overleg(client, demo, clock, days: int) -> str:
    day = (clock.today() + timedelta(days=days)).isoformat()
    body = {
        "type": "voortgangsoverleg",
        "start": f"{day}T10:00:00+01:00",
        "end": f"{day}T11:00:00+01:00",
        "invitees": [{"betrokkene_id": demo["by_name"]["Joost Willems"]["id"], "must_attend": False}],
    }
    resp = await client.post(_url(demo, "/overleggen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _vaststellen(client, demo, number: int, overleg: str):
    return await client.post(
        _url(demo, f"/plan/versions/{number}/vaststellen"), json={"overleg": overleg}, headers=bearer(demo["regisseur"])
    )


async def test_the_api_adopts_only_at_a_held_or_todays_overleg(client, demo, clock):
    today = await _plan_overleg(client, demo, clock, 2)
    future = await _plan_overleg(client, demo, clock, 9)
    cancelled = await _plan_overleg(client, demo, clock, 2)
    cancel = await client.post(_url(demo, f"/overleggen/{cancelled}/cancel"), headers=bearer(demo["regisseur"]))
    assert cancel.status == 200, await cancel.text()
    clock.advance(days=2)  # the first and the cancelled one are today now
    plan = await client.get(_url(demo, "/plan"), headers=bearer(demo["regisseur"]))
    number = int(plan.headers["ETag"].strip('"'))

    for refused in (future, cancelled):
        resp = await _vaststellen(client, demo, number, refused)
        assert resp.status == 422, await resp.text()
        assert [e["field"] for e in (await resp.json())["errors"]] == ["overleg"]
    version = await client.get(_url(demo, f"/plan/versions/{number}"), headers=bearer(demo["regisseur"]))
    assert (await version.json())["vastgesteld"] is False  # a refusal writes nothing

    resp = await _vaststellen(client, demo, number, today)
    assert resp.status == 200, await resp.text()
    adopted = await resp.json()
    assert adopted["vastgesteld"] is True and adopted["vastgesteld_overleg"] == today
