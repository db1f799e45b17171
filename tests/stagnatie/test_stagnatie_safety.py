"""Safety signals block closing (phase 6) until resolved with the five afwegingen; the klant signs the
veiligheidsplan through a dedicated use case and must sign again after a voortgangsoverleg."""

from __future__ import annotations

from datetime import date

from eenplan.domain.veiligheid import needs_signature

AFWEGINGEN = {
    "huiselijk_geweld": "Nee",
    "acute_onveiligheid": "Nee, geen acute onveiligheid",
    "hulp_mogelijk": "Ja, via het jeugdteam",
    "medewerking": "Ja",
    "duurzame_veiligheid": "Naar verwachting",
}


def auth(person: dict) -> dict:
    return {"Authorization": f"Bearer {person['token']}"}


async def test_open_signal_blocks_closing(client, demo):
    hh = demo["household"]["id"]
    reg, joost, fatima = demo["regisseur"], demo["by_name"]["Joost Willems"], demo["by_name"]["Fatima El Amrani"]
    url = f"/api/households/{hh}/veiligheid/signalen"
    assert (
        await client.post(url, headers=auth(fatima), json={"soort": "onveiligheid", "toelichting": "Gezien"})
    ).status == 403
    resp = await client.post(
        url, headers=auth(joost), json={"soort": "onvoldoende_basiszorg", "toelichting": "Geen eten in huis gezien"}
    )
    assert resp.status == 201
    signal = await resp.json()
    assert signal["phase"] == 1 and signal["status"] == "open"

    resp = await client.post(f"/api/households/{hh}/phase", headers=auth(reg), json={"to": 6})
    assert resp.status == 422
    problem = await resp.json()
    assert [e["field"] for e in problem["errors"]] == ["to"] and "safety signal" in problem["errors"][0]["problem"]
    status = await (await client.get(f"/api/households/{hh}/veiligheid", headers=auth(reg))).json()
    assert status["open_signalen"] == 1 and status["afsluiten_mogelijk"] is False
    klant_status = await (await client.get(f"/api/households/{hh}/veiligheid", headers=auth(fatima))).json()
    assert "open_signalen" not in klant_status  # a signal may concern a household member

    incomplete = await client.post(
        f"{url}/{signal['id']}/afhandelen",
        headers=auth(joost),
        json={"afwegingen": {"huiselijk_geweld": "Nee"}, "besluit": "hulp"},
    )
    assert incomplete.status == 422 and "afwegingen.medewerking" in await incomplete.text()
    other = demo["by_name"]["Inge Bakker"]
    assert (
        await client.post(
            f"{url}/{signal['id']}/afhandelen", headers=auth(other), json={"afwegingen": AFWEGINGEN, "besluit": "hulp"}
        )
    ).status == 403
    resp = await client.post(
        f"{url}/{signal['id']}/afhandelen", headers=auth(joost), json={"afwegingen": AFWEGINGEN, "besluit": "beide"}
    )
    assert resp.status == 200 and (await resp.json())["besluit"] == "beide"
    listed = await (await client.get(url, headers=auth(reg))).json()
    assert listed["signalen"][0]["status"] == "afgehandeld"
    # another professional without access to the veiligheidsplan sees no one else's signals
    assert (await (await client.get(url, headers=auth(other))).json())["signalen"] == []
    resp = await client.post(f"/api/households/{hh}/phase", headers=auth(reg), json={"to": 6})
    assert resp.status == 200, await resp.text()


async def test_klant_signs_the_veiligheidsplan(client, demo):
    hh = demo["household"]["id"]
    reg, fatima = demo["regisseur"], demo["by_name"]["Fatima El Amrani"]
    sign = f"/api/households/{hh}/veiligheidsplan/handtekening"
    assert (await client.post(sign, headers=auth(fatima))).status == 422  # no veiligheidsplan yet
    plan = {
        "zorgen": ["Spanning thuis"],
        "schaalscores": [{"betrokkene_id": reg["id"], "score": 6, "datum": "2026-04-21"}],
    }
    resp = await client.patch(
        f"/api/households/{hh}/plan", headers={**auth(reg), "If-Match": "*"}, json={"veiligheidsplan": plan}
    )
    assert resp.status == 200
    status = await (await client.get(f"/api/households/{hh}/veiligheid", headers=auth(fatima))).json()
    assert status["opnieuw_tekenen"] is True and status["handtekening"] is None
    assert (await client.post(sign, headers=auth(demo["by_name"]["Joost Willems"]))).status == 403
    resp = await client.post(sign, headers=auth(fatima))
    assert resp.status == 200, await resp.text()
    signed = await resp.json()
    assert signed["handtekening"] == {"betrokkene_id": fatima["id"], "datum": "2026-04-21"}
    current = await (await client.get(f"/api/households/{hh}/plan", headers=auth(reg))).json()
    assert current["version"] == signed["version"] and current["author_id"] == fatima["id"]
    assert current["sections"]["veiligheidsplan"]["schaalscores"][0]["score"] == 6
    status = await (await client.get(f"/api/households/{hh}/veiligheid", headers=auth(fatima))).json()
    assert status["opnieuw_tekenen"] is False
    # the klant still cannot write the plan otherwise
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**auth(fatima), "If-Match": "*"},
        json={"veiligheidsplan": {"zorgen": []}},
    )
    assert resp.status == 403


def test_signature_due_again_after_a_voortgangsoverleg():
    plan = {"handtekening": {"betrokkene_id": "k", "datum": "2026-04-21"}}
    assert not needs_signature(plan, None)
    assert not needs_signature(plan, date(2026, 4, 21))
    assert needs_signature(plan, date(2026, 6, 2))
    assert needs_signature({"zorgen": []}, None)
    assert not needs_signature(None, date(2026, 6, 2))
