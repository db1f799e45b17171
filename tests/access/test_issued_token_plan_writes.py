"""A token issued by someone else never writes the plan in that person's name (the sweep's rule, for every plan write).

A plan version names its author, a vaststelling the regisseur who made it, a deadline event who recorded it: each
is the person's own act. So every route that writes a version or marks one vastgesteld — PATCH …/plan (in
test_issued_token_acts_as_nobody), the item routes …/plan/doelen…, …/plan/afspraken…, …/plan/versions/{n}/vaststellen,
closing an overleg with an adopted version — and the deadline events (…/plan-deadlines…) answers 403 "…issued by
someone else…" to such a token and writes nothing (the version number stays), while the person's own credential
still writes. The token here is one a second regisseur (Ruud) issued for Sanne, the demo's regisseur, and one
Sanne issued for Joost, who has a write grant.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from support.helpers import bearer

from eenplan.domain.access import Principal

ACTIE = {"wat": "Youssef ophalen na school", "start": "2026-12-07", "einde": "2026-12-21", "evaluatie": "Na 2 weken"}


def hh(demo: dict[str, Any], suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _token_for_sanne(client, demo: dict[str, Any], services) -> dict[str, str]:
    """A token a second regisseur (Ruud, with his own credential) issues for Sanne: hers in name only."""
    sanne, hid = demo["regisseur"], demo["household"]["id"]
    body = {"name": "Ruud Smit", "kind": "professional", "role": "procesregisseur", "organisation": "Gemeente"}
    added = await client.post(hh(demo, "/betrokkenen"), headers=bearer(sanne), json=body)
    assert added.status == 201, await added.text()
    ruud = {"token": services.tokens.issue(Principal((await added.json())["id"], hid))}
    issued = await client.post(hh(demo, f"/betrokkenen/{sanne['id']}/token"), headers=bearer(ruud))
    assert issued.status == 201, await issued.text()
    return {"Authorization": f"Bearer {(await issued.json())['token']}"}


async def _forbidden(resp) -> None:
    assert resp.status == 403, await resp.text()
    assert "issued by someone else" in (await resp.json())["detail"]


async def _version(client, demo: dict[str, Any]) -> str:
    return str((await client.get(hh(demo, "/plan"), headers=bearer(demo["regisseur"]))).headers["ETag"])


#: (method, path under …/plan, body) of every item route, on the demo plan's own goals, actions and afspraak
ITEM_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/doelen", {"titel": "Fatima vindt werk"}),
    ("PATCH", "/doelen/school", {"status": "behaald"}),
    ("DELETE", "/doelen/school", None),
    ("POST", "/doelen/school/acties", ACTIE),
    ("PATCH", "/doelen/financien/acties/budgetplan", {"wat": "Budgetplan met de machine"}),
    ("DELETE", "/doelen/financien/acties/budgetplan", None),
    ("POST", "/afspraken", {"wat": "Elke maandag bellen"}),
]


async def _afspraak_id(client, demo: dict[str, Any]) -> str:
    plan = await (await client.get(hh(demo, "/plan"), headers=bearer(demo["regisseur"]))).json()
    return str(plan["sections"]["afspraken"][0]["id"])


@pytest.mark.parametrize(("method", "path", "body"), ITEM_ROUTES, ids=[f"{m} {p}" for m, p, _ in ITEM_ROUTES])
async def test_an_issued_token_changes_no_item_of_the_plan(client, demo, services, method, path, body):
    if path.endswith("/acties"):  # a new action names whose it is: the grandmother's
        body = {**(body or {}), "wie": demo["by_name"]["Khadija El Amrani"]["id"]}
    token = await _token_for_sanne(client, demo, services)
    before = await _version(client, demo)
    resp = await client.request(method, hh(demo, "/plan" + path), json=body, headers=token | {"If-Match": before})
    await _forbidden(resp)
    assert await _version(client, demo) == before  # nothing written in Sanne's name
    own = await client.request(
        method, hh(demo, "/plan" + path), json=body, headers=bearer(demo["regisseur"]) | {"If-Match": before}
    )
    assert own.status in (200, 201), await own.text()
    assert await _version(client, demo) != before


@pytest.mark.parametrize(("method", "body"), [("PATCH", {"wanneer": "elke dinsdag"}), ("DELETE", None)])
async def test_an_issued_token_changes_no_afspraak(client, demo, services, method, body):
    token = await _token_for_sanne(client, demo, services)
    url, before = hh(demo, f"/plan/afspraken/{await _afspraak_id(client, demo)}"), await _version(client, demo)
    await _forbidden(await client.request(method, url, json=body, headers=token | {"If-Match": before}))
    assert await _version(client, demo) == before
    own = await client.request(method, url, json=body, headers=bearer(demo["regisseur"]) | {"If-Match": before})
    assert own.status == 200, await own.text()


async def test_a_token_issued_for_a_writer_adds_no_goal_in_their_name(client, demo, clock):
    """Joost may write the goals (consent): his own token adds one, authored by him; Sanne's token for him none."""
    joost, fatima = demo["by_name"]["Joost Willems"], demo["by_name"]["Fatima El Amrani"]
    body = {
        "grantee_id": joost["id"],
        "sections": ["doelen"],
        "level": "write",
        "purpose": "Schuldhulp schrijft mee",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
        "about_id": fatima["id"],
    }
    asked = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    cid = (await asked.json())["id"]
    answer = {"besluit": "ja", "wijze": "schriftelijk"}
    assert (await client.post(hh(demo, f"/toestemmingen/{cid}/antwoord"), json=answer, headers=bearer(fatima))).ok
    issued = await client.post(hh(demo, f"/betrokkenen/{joost['id']}/token"), headers=bearer(demo["regisseur"]))
    token = {"Authorization": f"Bearer {(await issued.json())['token']}"}
    goal = {"titel": "Fatima heeft een budgetcoach"}
    before = await _version(client, demo)
    await _forbidden(await client.post(hh(demo, "/plan/doelen"), json=goal, headers=token | {"If-Match": before}))
    assert await _version(client, demo) == before
    own = await client.post(hh(demo, "/plan/doelen"), json=goal, headers=bearer(joost) | {"If-Match": before})
    assert own.status == 201, await own.text()
    version = await (await client.get(hh(demo, "/plan"), headers=bearer(joost))).json()
    assert version["author_id"] == joost["id"]


async def test_an_issued_token_does_not_vaststellen(client, demo, services):
    token = await _token_for_sanne(client, demo, services)
    number = (await _version(client, demo)).strip('"')
    url = hh(demo, f"/plan/versions/{number}/vaststellen")
    await _forbidden(await client.post(url, headers=token))
    version = await (await client.get(hh(demo, f"/plan/versions/{number}"), headers=bearer(demo["regisseur"]))).json()
    assert version["vastgesteld"] is False
    own = await client.post(url, headers=bearer(demo["regisseur"]))
    assert own.status == 200, await own.text()
    assert (await own.json())["vastgesteld"] is True


async def test_an_issued_token_does_not_adopt_a_version_when_closing_an_overleg(client, demo, services, clock):
    """Closing with an adopted version goes through the same vaststellen: refused whole, the overleg still planned."""
    reg = bearer(demo["regisseur"])
    start = clock.now + timedelta(hours=1)
    body = {
        "type": "voortgangsoverleg",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "invitees": [{"betrokkene_id": demo["by_name"]["Inge Bakker"]["id"], "must_attend": True}],
    }
    created = await client.post(hh(demo, "/overleggen"), json=body, headers=reg)
    assert created.status == 201, await created.text()
    oid = (await created.json())["id"]
    token = await _token_for_sanne(client, demo, services)
    clock.advance(timedelta(hours=2))
    close = {"decisions": "Budgetplan akkoord", "adopted_version": 2, "no_next_reason": "Afgerond"}
    await _forbidden(await client.post(hh(demo, f"/overleggen/{oid}/close"), json=close, headers=token))
    assert (await (await client.get(hh(demo, "/plan/versions/2"), headers=reg)).json())["vastgesteld"] is False
    assert (await (await client.get(hh(demo, f"/overleggen/{oid}"), headers=reg)).json())["status"] == "planned"


async def test_an_issued_token_records_no_plan_deadline(client, demo, services, clock):
    token = await _token_for_sanne(client, demo, services)
    url, reg = hh(demo, "/plan-deadlines"), bearer(demo["regisseur"])
    fatima, today = demo["by_name"]["Fatima El Amrani"]["id"], clock.today().isoformat()
    await _forbidden(
        await client.post(url + "/written-plan-requests", json={"asked_by": fatima, "on": today}, headers=token)
    )
    await _forbidden(await client.post(url + "/no-familiegroepsplan", json={"on": today}, headers=token))
    assert (await (await client.get(url, headers=reg)).json())["events"] == []
    own = await client.post(url + "/no-familiegroepsplan", json={"on": today}, headers=reg)
    assert own.status == 201, await own.text()
    await _forbidden(await client.delete(f"{url}/{(await own.json())['id']}", headers=token))
    assert len((await (await client.get(url, headers=reg)).json())["events"]) == 1  # still there
    assert (await client.delete(f"{url}/{(await own.json())['id']}", headers=reg)).status == 204
