"""The ladder is climbed in order (domain §"Stagnation and escalation"): step 2 goes on only after its internal plan
and step 3 only after the managers' conversation — or once that outcome's deadline has passed (the step stalled).
Escalating earlier is a 422 naming the missing outcome (`intern_plan`, `gesprek`), changes nothing, and the page
says in Dutch what to record first, next to the outcome's form. Step 1 goes on whenever the talk fails."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from support.helpers import bearer
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
CASE = {"doel_id": "school", "actie_id": "mentor", "organisatie": "Jeugdteam", "toelichting": "Geen gesprek"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the ladder."""
    return dataclasses.replace(settings, second_factor="off")


def _api(demo) -> str:
    return f"/api/households/{demo['household']['id']}/stagnatie"


async def _open(client, demo) -> str:
    resp = await client.post(_api(demo), headers=bearer(demo["regisseur"]), json=CASE)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _escalate(client, demo, cid: str):
    return await client.post(f"{_api(demo)}/{cid}/escaleren", headers=bearer(demo["regisseur"]))


async def _refused(resp, field: str) -> None:
    assert resp.status == 422, await resp.text()
    assert [e["field"] for e in (await resp.json())["errors"]] == [field]


async def test_each_step_needs_its_outcome_before_the_next(client, demo):
    cid = await _open(client, demo)
    assert (await _escalate(client, demo, cid)).status == 200  # step 1 → 2: no new agreements came
    await _refused(await _escalate(client, demo, cid), "intern_plan")
    case = await (await client.get(f"{_api(demo)}/{cid}", headers=bearer(demo["regisseur"]))).json()
    assert case["step"] == 2 and len(case["steps"]) == 2  # nothing written
    done = await client.post(
        f"{_api(demo)}/{cid}/uitkomst", headers=bearer(demo["regisseur"]), json={"soort": "intern_plan"}
    )
    assert done.status == 200, await done.text()
    assert (await _escalate(client, demo, cid)).status == 200  # step 2 → 3
    await _refused(await _escalate(client, demo, cid), "gesprek")


async def test_a_step_past_its_deadline_may_go_on_without_its_outcome(client, demo, clock):
    cid = await _open(client, demo)
    assert (await _escalate(client, demo, cid)).status == 200
    await _refused(await _escalate(client, demo, cid), "intern_plan")
    clock.advance(timedelta(days=10))  # past the five werkdagen for the internal plan
    resp = await _escalate(client, demo, cid)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["step"] == 3


async def test_the_page_says_what_to_record_first(client, demo, capsys):
    cid = await _open(client, demo)
    assert (await _escalate(client, demo, cid)).status == 200
    await sign_in(client, capsys, SANNE)
    page = f"/huishoudens/{demo['household']['id']}/regie/stagnatie"
    resp = await client.post(f"{page}/zaken/{cid}/escaleren", data={"csrf": await csrf_of(client, page)})
    text = await resp.text()
    assert resp.status == 422, text
    assert f'id="zaak-{cid}-soort-fout"' in text
    assert "Leg eerst vast wanneer het interne plan van aanpak klaar was." in text
