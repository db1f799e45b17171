"""An authorization matrix: personas × sections × consent states × endpoints, every cell asserted."""

from __future__ import annotations

import json
from datetime import timedelta

from support.helpers import bearer, plan_url

from eenplan.domain.sections import SECTION_KEYS

M = {key: f"MX-{key.upper()}-42" for key in SECTION_KEYS}
OWN_ACTION, OWN_AFSPRAAK = "MX-JOOST-OWN-ACTION", "MX-JOOST-OWN-AFSPRAAK"


def marked_plan(demo) -> dict:
    sanne, joost = demo["regisseur"]["id"], demo["by_name"]["Joost Willems"]["id"]
    return {
        "algemeen": {"huishouden": M["algemeen"]},
        "krachten_zorgen": [{"leefgebied": "wonen", "krachten": [M["krachten_zorgen"]]}],
        "analyse": {"analyse": M["analyse"]},
        "doelen": [
            {
                "id": "geheim",
                "titel": M["doelen"],
                "acties": [
                    {"id": "a1", "wie": sanne, "wat": "iets geheims", "start": "2026-12-01", "einde": "2026-12-09"}
                ],
            },
            {
                "id": "eigen",
                "titel": "Schulden",
                "acties": [
                    {"id": "a2", "wie": joost, "wat": OWN_ACTION, "start": "2026-12-01", "einde": "2026-12-09"},
                    {"id": "a3", "wie": sanne, "wat": "MX-NOT-JOOSTS", "start": "2026-12-01", "einde": "2026-12-09"},
                ],
            },
        ],
        "voorzieningen": [{"voorziening": M["voorzieningen"]}],
        "veiligheidsplan": {"zorgen": [M["veiligheidsplan"]]},
        "afspraken": [{"wat": M["afspraken"], "wie": sanne}, {"wat": OWN_AFSPRAAK, "wie": joost}],
    }


def expected(persona: str, grants: dict[str, str]) -> tuple[set[str], set[str], set[str]]:
    """(sections whose marker is visible, parts-only sections, writable sections) — the test's own oracle."""
    if persona == "regisseur":
        return set(SECTION_KEYS), set(), set(SECTION_KEYS)
    if persona in ("ouder", "jeugdige"):
        return set(SECTION_KEYS), set(), set()
    full = {"algemeen"} | {s for s, level in grants.items() if level in ("read", "write")}
    return full, {"doelen", "afspraken"} - full, {s for s, level in grants.items() if level == "write"}


async def check_cell(
    client, demo, persona: str, who: dict, grants: dict[str, str], regisseur_plan: dict, version: int
) -> None:
    full, parts, writable = expected(persona, grants)
    headers = bearer(who)
    bodies = []
    for path in ("", f"/versions/{version}", f"/diff?from=1&to={version}", "/versions"):
        resp = await client.get(plan_url(demo, path), headers=headers)
        assert resp.status == 200, (persona, path)
        bodies.append(await resp.text())
    current = json.loads(bodies[0])
    assert set(current["sections"]) == full | parts, (persona, grants)
    text = "\n".join(bodies)
    for key, marker in M.items():
        assert (marker in text) == (key in full), (persona, key, grants)
    is_joost = who["name"] == "Joost Willems"
    if "doelen" in parts:  # parts only: Joost sees his own action, nobody sees another's
        assert (OWN_ACTION in text) == is_joost and "MX-NOT-JOOSTS" not in text
    if "afspraken" in parts:
        assert (OWN_AFSPRAAK in text) == is_joost
    for key in SECTION_KEYS:
        resp = await client.patch(
            plan_url(demo), json={key: regisseur_plan[key]}, headers=headers | {"If-Match": f'"{version}"'}
        )
        assert (resp.status == 200) == (key in writable), (persona, key, resp.status)
        if resp.status != 200:
            assert resp.status == 403
            for marker in M.values():
                assert marker not in await resp.text()


async def _grant(client, demo, section: str, level: str, until) -> str:
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": [section],
        "level": level,
        "purpose": "Matrixtest: delen voor de hulpverlening",
        "until": until.isoformat(),
    }
    hh = f"/api/households/{demo['household']['id']}"
    cid = (await (await client.post(f"{hh}/toestemmingen", json=body, headers=bearer(demo["regisseur"]))).json())["id"]
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        resp = await client.post(
            f"{hh}/toestemmingen/{cid}/antwoord",
            json={"besluit": "ja", "wijze": "schriftelijk"},
            headers=bearer(demo["by_name"][name]),
        )
        assert resp.status == 200
    return cid


async def _revoke(client, demo, cid: str) -> None:
    resp = await client.post(
        f"/api/households/{demo['household']['id']}/toestemmingen/{cid}/intrekking",
        headers=bearer(demo["by_name"]["Fatima El Amrani"]),
    )
    assert resp.status == 200


async def test_matrix(client, demo, clock):
    resp = await client.patch(
        plan_url(demo), json=marked_plan(demo), headers=bearer(demo["regisseur"]) | {"If-Match": '"2"'}
    )
    assert resp.status == 200
    version = (await resp.json())["version"]
    regisseur_plan = (await resp.json())["sections"]
    personas = {
        "regisseur": demo["regisseur"],
        "ouder": demo["by_name"]["Fatima El Amrani"],
        "jeugdige": demo["by_name"]["Youssef El Amrani"],
        "netwerk": demo["by_name"]["Khadija El Amrani"],
        "professional": demo["by_name"]["Joost Willems"],
        "professional-2": demo["by_name"]["Inge Bakker"],
    }
    for persona, who in personas.items():
        await check_cell(client, demo, persona.removesuffix("-2"), who, {}, regisseur_plan, version)
    until = clock.today() + timedelta(days=10)
    for section in SECTION_KEYS:
        for level in ("read", "write"):
            cid = await _grant(client, demo, section, level, until)
            await check_cell(
                client, demo, "professional", personas["professional"], {section: level}, regisseur_plan, version
            )
            await check_cell(client, demo, "netwerk", personas["netwerk"], {}, regisseur_plan, version)
            await _revoke(client, demo, cid)
            await check_cell(client, demo, "professional", personas["professional"], {}, regisseur_plan, version)
