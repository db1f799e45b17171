"""Overmacht: sharing without consent only after the five questions, narrowly, briefly, visibly."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer, patch_plan, plan_url

MARKER = "MARKER-ANALYSE-OVERMACHT-91c2"
QUESTIONS = {
    "doel": "Veiligheid van Youssef bewaken",
    "zonder_delen": "Nee, oma vangt hem na school op",
    "toestemming_vragen": "Moeder is onbereikbaar opgenomen; vader onbekend",
    "afweging": "Acuut risico weegt zwaarder",
    "welke_informatie": "Alleen de analyse",
}


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def test_five_questions_all_required_and_only_professionals(client, demo, clock):
    oma = demo["by_name"]["Khadija El Amrani"]
    body = {
        "recipient_id": oma["id"],
        "vragen": QUESTIONS | {"afweging": ""},
        "besluit": "delen",
        "sections": ["analyse"],
    }
    resp = await client.post(hh(demo, "/overmacht"), json=body, headers=bearer(demo["by_name"]["Joost Willems"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "vragen.afweging"
    missing = {
        "recipient_id": oma["id"],
        "vragen": {k: v for k, v in QUESTIONS.items() if k != "doel"},
        "besluit": "delen",
        "sections": ["analyse"],
    }
    resp = await client.post(hh(demo, "/overmacht"), json=missing, headers=bearer(demo["by_name"]["Joost Willems"]))
    assert resp.status == 422 and "vragen.doel" in {e["field"] for e in (await resp.json())["errors"]}
    by_klant = await client.post(
        hh(demo, "/overmacht"), json=body | {"vragen": QUESTIONS}, headers=bearer(demo["by_name"]["Fatima El Amrani"])
    )
    assert by_klant.status == 403
    too_long = body | {"vragen": QUESTIONS, "until": (clock.today() + timedelta(days=30)).isoformat()}
    resp = await client.post(hh(demo, "/overmacht"), json=too_long, headers=bearer(demo["by_name"]["Joost Willems"]))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "until"


async def test_sharing_grants_the_named_scope_briefly_and_is_flagged(client, demo, clock):
    assert (await patch_plan(client, demo, {"analyse": {"analyse": MARKER}}, version=2)).status == 200
    oma = demo["by_name"]["Khadija El Amrani"]
    not_shared = {"recipient_id": oma["id"], "vragen": QUESTIONS, "besluit": "niet_delen"}
    resp = await client.post(hh(demo, "/overmacht"), json=not_shared, headers=bearer(demo["by_name"]["Inge Bakker"]))
    assert resp.status == 201
    assert MARKER not in await (await client.get(plan_url(demo), headers=bearer(oma))).text()

    shared = {
        "recipient_id": oma["id"],
        "vragen": QUESTIONS,
        "besluit": "delen",
        "sections": ["analyse"],
        "until": (clock.today() + timedelta(days=2)).isoformat(),
    }
    inge = demo["by_name"]["Inge Bakker"]
    cannot = await client.post(hh(demo, "/overmacht"), json=shared, headers=bearer(inge))
    assert cannot.status == 403  # she may not read the analyse herself, so she cannot share it
    to_self = await client.post(
        hh(demo, "/overmacht"),
        json=shared | {"recipient_id": demo["regisseur"]["id"]},
        headers=bearer(demo["regisseur"]),
    )
    assert to_self.status == 422 and (await to_self.json())["errors"][0]["field"] == "recipient_id"
    resp = await client.post(hh(demo, "/overmacht"), json=shared, headers=bearer(demo["regisseur"]))
    assert resp.status == 201
    record = await resp.json()
    plan = await (await client.get(plan_url(demo), headers=bearer(oma))).json()
    assert plan["sections"]["analyse"]["analyse"] == MARKER
    assert "krachten_zorgen" not in plan["sections"] and "veiligheidsplan" not in plan["sections"]

    klant = bearer(demo["by_name"]["Fatima El Amrani"])
    records = await (await client.get(hh(demo, "/overmacht"), headers=klant)).json()
    assert {r["besluit"] for r in records["overmacht"]} == {"delen", "niet_delen"}
    log = await (await client.get(hh(demo, "/toegangslog"), headers=klant)).json()
    emergency = [e for e in log["entries"] if e["emergency"]]
    assert emergency and emergency[0]["actor_id"] == oma["id"]
    assert emergency[0]["ground"] == f"overmacht:{record['id']}" or record["id"] in emergency[0]["ground"]

    clock.advance(days=3)
    assert MARKER not in await (await client.get(plan_url(demo), headers=bearer(oma))).text()
    others = await (await client.get(hh(demo, "/overmacht"), headers=bearer(demo["by_name"]["Joost Willems"]))).json()
    assert others["overmacht"] == []  # another professional does not see the records of others
