"""The mail choice in the betrokkene API: shown in every answer, set by the person themself (or a regisseur),
validated, never null, and never set by another klant or network member."""

from __future__ import annotations

from support.mail_helpers import bearer


def _hh(demo, path: str) -> str:
    return f"/api/households/{demo['household']['id']}{path}"


async def test_the_choice_is_shown_and_defaults_to_the_plan(client, demo):
    person = demo["by_name"]["Khadija El Amrani"]
    got = await (await client.get(_hh(demo, f"/betrokkenen/{person['id']}"), headers=bearer(person))).json()
    assert got["mail_choice"] == "plan"
    listing = await (await client.get(_hh(demo, "/betrokkenen"), headers=bearer(person))).json()
    assert {b["mail_choice"] for b in listing["betrokkenen"]} == {"plan"}


async def test_a_bad_or_null_choice_is_422_naming_the_field_and_changes_nothing(client, demo):
    person = demo["by_name"]["Khadija El Amrani"]
    path = _hh(demo, f"/betrokkenen/{person['id']}")
    for value in ("alles", None, 3):
        resp = await client.patch(path, json={"mail_choice": value}, headers=bearer(person))
        assert resp.status == 422, value
        assert "mail_choice" in await resp.text()
    got = await (await client.get(path, headers=bearer(person))).json()
    assert got["mail_choice"] == "plan"


async def test_only_the_person_or_a_regisseur_sets_it(client, demo):
    khadija, fatima = demo["by_name"]["Khadija El Amrani"], demo["by_name"]["Fatima El Amrani"]
    path = _hh(demo, f"/betrokkenen/{khadija['id']}")
    refused = await client.patch(path, json={"mail_choice": "meldingen"}, headers=bearer(fatima))
    assert refused.status == 403
    own = await client.patch(path, json={"mail_choice": "meldingen"}, headers=bearer(khadija))
    assert own.status == 200 and (await own.json())["mail_choice"] == "meldingen"
    by_regisseur = await client.patch(path, json={"mail_choice": "plan"}, headers=bearer(demo["regisseur"]))
    assert by_regisseur.status == 200 and (await by_regisseur.json())["mail_choice"] == "plan"


async def test_a_new_betrokkene_may_be_recorded_with_a_choice(client, demo):
    resp = await client.post(
        _hh(demo, "/betrokkenen"),
        json={"name": "Buurvrouw Els", "kind": "netwerk", "role": "netwerklid", "mail_choice": "meldingen"},
        headers=bearer(demo["regisseur"]),
    )
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["mail_choice"] == "meldingen"
