"""The gemeentelijk aanspreekpunt's step-4 acts are the gemeente's own: a regisseur cannot issue itself a
token for the aanspreekpunt, and a token someone else issued cannot record actions, commitment or afschalen
in the aanspreekpunt's name. The aanspreekpunt's own credential still can."""

from __future__ import annotations

from support.helpers import bearer
from support.stagnatie import escalate_to_step_4 as _at_step_4

from eenplan.domain.access import Principal

ACTIES = {"soort": "acties", "acties": "Schuldsanering", "resultaat": "Besluit genomen", "termijn": "2026-05-15"}


async def test_the_regisseur_gets_no_token_for_the_aanspreekpunt(client, services, demo, ap_key):
    hh = demo["household"]["id"]
    _, _, ap = await _at_step_4(client, services, demo, ap_key)
    resp = await client.post(f"/api/households/{hh}/betrokkenen/{ap}/token", headers=bearer(demo["regisseur"]))
    assert resp.status == 403, await resp.text()
    body = await resp.json()
    assert "aanspreekpunt" in body["detail"] and "token" not in body
    # other betrokkenen still get one (machine clients)
    joost = demo["by_name"]["Joost Willems"]
    resp = await client.post(f"/api/households/{hh}/betrokkenen/{joost['id']}/token", headers=bearer(demo["regisseur"]))
    assert resp.status == 201


async def test_a_token_issued_by_someone_else_cannot_act_as_the_aanspreekpunt(client, services, demo, ap_key):
    hh, reg = demo["household"]["id"], demo["regisseur"]
    base, cid, ap = await _at_step_4(client, services, demo, ap_key)
    # e.g. one issued before issuing them was refused: it names the regisseur as its issuer
    issued = {"token": services.tokens.issue(Principal(ap, hh, issued_by=reg["id"]))}
    for path, body in (("uitkomst", ACTIES), ("commitment", {"afspraken": "Nieuwe afspraken", "plan_version": 1})):
        resp = await client.post(f"{base}/{cid}/{path}", headers=bearer(issued), json=body)
        assert resp.status == 403, await resp.text()
        assert (
            "token issued by someone else cannot act as the gemeentelijk aanspreekpunt" in (await resp.json())["detail"]
        )
    case = await (await client.get(f"{base}/{cid}", headers=bearer(reg))).json()
    step = case["steps"][3]
    assert step["acties"] is None and step["commitment_on"] is None and case["status"] == "open"

    # the aanspreekpunt's own credential records them, and hands the case back
    own = {"token": services.tokens.issue(Principal(ap, hh))}
    for path, body in (("uitkomst", ACTIES), ("commitment", {"afspraken": "Nieuwe afspraken", "plan_version": 1})):
        resp = await client.post(f"{base}/{cid}/{path}", headers=bearer(own), json=body)
        assert resp.status == 200, await resp.text()
    resp = await client.post(f"{base}/{cid}/afschalen", headers=bearer(issued))
    assert resp.status == 403, await resp.text()
    resp = await client.post(f"{base}/{cid}/afschalen", headers=bearer(own))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "opgelost"
