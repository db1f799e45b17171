"""The aanspreekpunt's /escalatie page is theirs alone — and so are its forms: a regisseur (who has her own regie
stagnatie page) or a klant posting to them gets the same 404 as for a missing household, and nothing changes
(review finding: the page was 404 but its posts were carried out, then landed on that 404)."""

from __future__ import annotations

import dataclasses

import pytest
from support.helpers import bearer
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
CASE = {"doel_id": "school", "actie_id": "mentor", "organisatie": "Jeugdteam", "toelichting": "Geen gesprek"}
MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The regisseur signs in with her link only (the second factor has its own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def _open_case(client, demo) -> str:
    resp = await client.post(
        f"/api/households/{demo['household']['id']}/stagnatie", headers=bearer(demo["regisseur"]), json=CASE
    )
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _case(client, demo, cid: str) -> dict:
    resp = await client.get(
        f"/api/households/{demo['household']['id']}/stagnatie/{cid}", headers=bearer(demo["regisseur"])
    )
    return await resp.json()


async def test_a_regisseur_cannot_act_through_the_aanspreekpunt_forms(client, demo, capsys):
    hh = demo["household"]["id"]
    cid = await _open_case(client, demo)
    await sign_in(client, capsys, SANNE)
    token = await csrf_of(client, f"/huishoudens/{hh}/regie/stagnatie")
    base = f"/huishoudens/{hh}/escalatie/zaken/{cid}"
    forms = {
        "commitment": {"afspraken": "via de pagina van het aanspreekpunt", "versie": "1"},
        "acties": {"acties": "a", "resultaat": "b", "termijn": "2026-12-31"},
        "afschalen": {},
    }
    for name, fields in forms.items():
        resp = await client.post(f"{base}/{name}", data={"csrf": token, **fields}, allow_redirects=False)
        assert resp.status == 404, (name, resp.status)
    case = await _case(client, demo, cid)
    assert case["status"] == "open" and case["step"] == 1  # nothing recorded


async def test_a_klant_gets_the_same_answer_for_a_real_case_as_for_none(client, demo, capsys):
    hh = demo["household"]["id"]
    cid = await _open_case(client, demo)
    await sign_in(client, capsys, FATIMA)
    token = await csrf_of(client, f"/huishoudens/{hh}/gegevens")
    fields = {"csrf": token, "acties": "a", "resultaat": "b", "termijn": "2026-12-31"}
    answers = {
        path: (await client.post(path, data=fields, allow_redirects=False)).status
        for path in (
            f"/huishoudens/{hh}/escalatie/zaken/{cid}/acties",
            f"/huishoudens/{hh}/escalatie/zaken/{MISSING}/acties",
            f"/huishoudens/{MISSING}/escalatie/zaken/{cid}/acties",
        )
    }
    assert set(answers.values()) == {404}, answers  # no case-id oracle
