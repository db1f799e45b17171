"""A token the regisseur issued for someone else never acts as that person on a personal field: every PATCH/PUT such a
token reaches that changes the person's own record — name, phone, days, mail choice (PATCH betrokkene), key (PUT
…/key), the sections kept from the aanspreekpunt (PUT …/aanspreekpunt-uitsluitingen) — answers 403 and changes
nothing. The e-mail address waits for the person's own confirmation (services.contact_changes)."""

from __future__ import annotations

import pytest
from support.helpers import bearer

PERSONAL_PATCHES = (
    {"name": "Fatima Anders"},
    {"name": "Fatima Anders", "reachable_days": ["za"]},
)


def _url(demo, bid: str) -> str:
    return f"/api/households/{demo['household']['id']}/betrokkenen/{bid}"


async def _issued(client, demo, bid: str) -> dict[str, str]:
    resp = await client.post(_url(demo, bid) + "/token", headers=bearer(demo["regisseur"]))
    assert resp.status == 201
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def _forbidden(resp) -> None:
    assert resp.status == 403, await resp.text()
    assert "issued by someone else" in (await resp.json())["detail"]


@pytest.mark.parametrize("body", PERSONAL_PATCHES)
async def test_an_issued_token_cannot_change_the_persons_own_name(client, demo, body):
    fatima = demo["by_name"]["Fatima El Amrani"]
    before = await (await client.get(_url(demo, fatima["id"]), headers=bearer(fatima))).json()
    resp = await client.patch(_url(demo, fatima["id"]), json=body, headers=await _issued(client, demo, fatima["id"]))
    await _forbidden(resp)
    assert "name" in (await resp.json())["detail"]
    assert await (await client.get(_url(demo, fatima["id"]), headers=bearer(fatima))).json() == before


async def test_the_person_and_the_regisseur_still_change_the_name(client, demo):
    fatima = demo["by_name"]["Fatima El Amrani"]
    own = await client.patch(_url(demo, fatima["id"]), json={"name": "Fatima El-Amrani"}, headers=bearer(fatima))
    assert own.status == 200 and (await own.json())["name"] == "Fatima El-Amrani"
    theirs = await client.patch(
        _url(demo, fatima["id"]), json={"name": "Fatima El Amrani"}, headers=bearer(demo["regisseur"])
    )
    assert theirs.status == 200 and (await theirs.json())["name"] == "Fatima El Amrani"


async def test_an_issued_token_pins_no_key_and_keeps_nothing_from_the_aanspreekpunt(client, demo):
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]
    token = await _issued(client, demo, fatima["id"])
    key = await client.put(_url(demo, fatima["id"]) + "/key", json={"armored": "not a key"}, headers=token)
    await _forbidden(key)  # refused before the key is even looked at
    kept_url = f"/api/households/{hid}/aanspreekpunt-uitsluitingen"
    before = await (await client.get(kept_url, headers=bearer(fatima))).json()
    kept = await client.put(kept_url, json={"sections": ["krachten_zorgen"]}, headers=token)
    await _forbidden(kept)
    assert await (await client.get(kept_url, headers=bearer(fatima))).json() == before
