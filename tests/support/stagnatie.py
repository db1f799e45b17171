"""Reaching step 4 of the stagnation ladder over HTTP, as a regisseur does (shared by the step-4 tests)."""

from __future__ import annotations

from typing import Any

from support.helpers import bearer

AP_EMAIL = "a.punt@maastricht.example"  # the aanspreekpunt key's address in tests/stagnatie/conftest.py


async def escalate_to_step_4(client: Any, services: Any, demo: dict, ap_key: Any) -> tuple[str, str, str]:
    """Register Maastricht's aanspreekpunt, open a case and escalate it to step 4:
    (the household's stagnatie URL, the case id, the aanspreekpunt's betrokkene id)."""
    reg = demo["regisseur"]
    base = f"/api/households/{demo['household']['id']}/stagnatie"
    await services.aanspreekpunten.add("Maastricht", "Anna Punt", AP_EMAIL, ap_key.armored_public)
    resp = await client.post(
        base,
        headers=bearer(reg),
        json={"doel_id": "school", "actie_id": "mentor", "organisatie": "Jeugdteam", "toelichting": "Geen gesprek"},
    )
    assert resp.status == 201, await resp.text()
    cid = (await resp.json())["id"]
    for outcome in ("intern_plan", "gesprek", None):
        resp = await client.post(f"{base}/{cid}/escaleren", headers=bearer(reg))
        assert resp.status == 200, await resp.text()
        if outcome:
            resp = await client.post(f"{base}/{cid}/uitkomst", headers=bearer(reg), json={"soort": outcome})
            assert resp.status == 200, await resp.text()
    case = await resp.json()
    assert case["step"] == 4 and case["aanspreekpunt_id"]
    return base, cid, case["aanspreekpunt_id"]
