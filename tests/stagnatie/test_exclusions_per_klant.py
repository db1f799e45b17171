"""Each klant keeps their own list of sections the gemeentelijk aanspreekpunt may not see; the union applies,
so one klant (the 13-year-old included) can add to what is kept back but never undo another's choice."""

from __future__ import annotations


def auth(person: dict) -> dict:
    return {"Authorization": f"Bearer {person['token']}"}


async def test_no_klant_can_undo_another_klants_exclusions(client, demo):
    hh = demo["household"]["id"]
    url = f"/api/households/{hh}/aanspreekpunt-uitsluitingen"
    fatima, youssef = demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Youssef El Amrani"]

    resp = await client.put(url, headers=auth(fatima), json={"sections": ["krachten_zorgen", "analyse"]})
    assert resp.status == 200, await resp.text()
    # lists come in plan order
    assert await resp.json() == {"applies": ["krachten_zorgen", "analyse"], "mine": ["krachten_zorgen", "analyse"]}

    # the son clears his own list and adds one of his own: his mother's choices stay
    resp = await client.put(url, headers=auth(youssef), json={"sections": ["doelen"]})
    assert await resp.json() == {"applies": ["krachten_zorgen", "analyse", "doelen"], "mine": ["doelen"]}
    resp = await client.put(url, headers=auth(youssef), json={"sections": []})
    assert await resp.json() == {"applies": ["krachten_zorgen", "analyse"], "mine": []}

    # the regisseur sees what applies, not who chose it
    regisseur_view = await (await client.get(url, headers=auth(demo["regisseur"]))).json()
    assert regisseur_view == {"applies": ["krachten_zorgen", "analyse"]}
    # only the mother can lift her own exclusions
    resp = await client.put(url, headers=auth(fatima), json={"sections": []})
    assert await resp.json() == {"applies": [], "mine": []}


async def test_a_regisseur_cannot_set_exclusions(client, demo):
    url = f"/api/households/{demo['household']['id']}/aanspreekpunt-uitsluitingen"
    resp = await client.put(url, headers=auth(demo["regisseur"]), json={"sections": ["analyse"]})
    assert resp.status == 403


async def test_removing_a_klant_does_not_undo_what_they_kept_back(client, demo):
    hh = demo["household"]["id"]
    url = f"/api/households/{hh}/aanspreekpunt-uitsluitingen"
    youssef = demo["by_name"]["Youssef El Amrani"]
    await client.put(url, headers=auth(youssef), json={"sections": ["doelen"]})
    resp = await client.delete(f"/api/households/{hh}/betrokkenen/{youssef['id']}", headers=auth(demo["regisseur"]))
    assert resp.status in (200, 204), await resp.text()
    assert (await (await client.get(url, headers=auth(demo["regisseur"]))).json())["applies"] == ["doelen"]
