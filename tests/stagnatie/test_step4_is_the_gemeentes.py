"""Step 4 of the ladder is the gemeentelijk aanspreekpunt's (doorzettingsmacht [001 Deel II]): the regisseur
cannot record the step's commitment or hand the case back in the gemeente's place, and the aanspreekpunt
hands back only after recording which actions, result and term it decided. Steps 1–3 stay the regisseur's."""

from __future__ import annotations

from support.helpers import bearer
from support.stagnatie import escalate_to_step_4

from eenplan.domain.access import Principal

ACTIES = {"soort": "acties", "acties": "Overleg wethouder", "resultaat": "Besluit genomen", "termijn": "2026-05-15"}


async def _at_step_4(client, services, demo, ap_key) -> tuple[str, str, dict]:
    """A case escalated to step 4 as the reviewer did: (base URL, case id, the aanspreekpunt with its own token)."""
    base, cid, ap_id = await escalate_to_step_4(client, services, demo, ap_key)
    ap = {"id": ap_id, "token": services.tokens.issue(Principal(ap_id, demo["household"]["id"]))}
    return base, cid, ap


async def _case(client, base: str, cid: str, who: dict) -> dict:
    resp = await client.get(f"{base}/{cid}", headers=bearer(who))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_the_regisseur_cannot_close_step_4_for_the_gemeente(client, services, demo, ap_key):
    hh, reg = demo["household"]["id"], demo["regisseur"]
    base, cid, ap = await _at_step_4(client, services, demo, ap_key)

    # the reviewer's requests: commitment and afschalen by the regisseur, nothing recorded by the gemeente
    resp = await client.post(
        f"{base}/{cid}/commitment", headers=bearer(reg), json={"afspraken": "nieuwe afspraken", "plan_version": 2}
    )
    assert resp.status == 403, await resp.text()
    assert "aanspreekpunt" in (await resp.json())["detail"]
    resp = await client.post(f"{base}/{cid}/afschalen", headers=bearer(reg), json={})
    assert resp.status == 403, await resp.text()
    assert "aanspreekpunt" in (await resp.json())["detail"]

    # nothing changed: the case is open at step 4, not counted solved, and the aanspreekpunt still takes part
    case = await _case(client, base, cid, reg)
    step = case["steps"][3]
    assert case["status"] == "open" and case["solved_step"] is None and not case["afgeschaald"]
    assert step["commitment_on"] is None and step["afspraken"] is None and step["ended_on"] is None
    resp = await client.get(f"/api/households/{hh}/betrokkenen/{ap['id']}", headers=bearer(reg))
    assert resp.status == 200, await resp.text()
    assert (await _case(client, base, cid, ap))["step"] == 4


async def test_afschalen_needs_the_recorded_actions_result_and_term(client, services, demo, ap_key):
    reg = demo["regisseur"]
    base, cid, ap = await _at_step_4(client, services, demo, ap_key)
    resp = await client.post(
        f"{base}/{cid}/commitment", headers=bearer(ap), json={"afspraken": "Nieuwe afspraken", "plan_version": 1}
    )
    assert resp.status == 200, await resp.text()

    # commitment alone does not end step 4: the gemeente's outcome is missing
    resp = await client.post(f"{base}/{cid}/afschalen", headers=bearer(ap), json={})
    assert resp.status == 422, await resp.text()
    errors = {p["field"]: p["problem"] for p in (await resp.json())["errors"]}
    assert set(errors) == {"acties", "resultaat", "termijn"}
    assert all("aanspreekpunt" in msg and "before handing" in msg for msg in errors.values())
    case = await _case(client, base, cid, reg)
    assert case["status"] == "open" and not case["afgeschaald"]

    # once recorded, the aanspreekpunt hands back and the case counts solved at step 4
    resp = await client.post(f"{base}/{cid}/uitkomst", headers=bearer(ap), json=ACTIES)
    assert resp.status == 200, await resp.text()
    resp = await client.post(f"{base}/{cid}/afschalen", headers=bearer(ap), json={})
    assert resp.status == 200, await resp.text()
    case = await resp.json()
    assert case["status"] == "opgelost" and case["solved_step"] == 4 and case["afgeschaald"]
    step = (await _case(client, base, cid, reg))["steps"][3]  # the regisseur reads what the gemeente decided
    assert (step["acties"], step["resultaat"], step["termijn"]) == (
        "Overleg wethouder",
        "Besluit genomen",
        "2026-05-15",
    )


async def test_steps_1_to_3_stay_the_regisseurs(client, services, demo):
    hh, reg = demo["household"]["id"], demo["regisseur"]
    base = f"/api/households/{hh}/stagnatie"
    resp = await client.post(base, headers=bearer(reg), json={"doel_id": "school", "organisatie": "Jeugdteam"})
    cid = (await resp.json())["id"]
    resp = await client.post(f"{base}/{cid}/escaleren", headers=bearer(reg))
    assert resp.status == 200, await resp.text()
    resp = await client.post(
        f"{base}/{cid}/commitment", headers=bearer(reg), json={"afspraken": "Nieuwe afspraken", "plan_version": 1}
    )
    assert resp.status == 200, await resp.text()
    case = await resp.json()
    assert case["status"] == "opgelost" and case["solved_step"] == 2
