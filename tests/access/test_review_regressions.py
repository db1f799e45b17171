"""Regression tests for the security review: each one a way around the policy that must stay closed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from support.helpers import bearer

AMS = ZoneInfo("Europe/Amsterdam")
AGENDA = "MX-AGENDA-ZORGINHOUD-77"


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def test_a_child_cannot_change_their_own_birth_date(client, demo):
    youssef = demo["by_name"]["Youssef El Amrani"]
    resp = await client.patch(
        hh(demo, f"/betrokkenen/{youssef['id']}"), json={"birth_date": "2000-01-01"}, headers=bearer(youssef)
    )
    assert resp.status == 403
    own_phone = await client.patch(
        hh(demo, f"/betrokkenen/{youssef['id']}"), json={"phone": "06 1111 2222"}, headers=bearer(youssef)
    )
    assert own_phone.status == 200


async def test_a_regisseur_issued_token_cannot_speak_for_the_klant(client, demo, clock):
    fatima = demo["by_name"]["Fatima El Amrani"]
    issued = await client.post(hh(demo, f"/betrokkenen/{fatima['id']}/token"), headers=bearer(demo["regisseur"]))
    token = {"Authorization": f"Bearer {(await issued.json())['token']}"}
    body = {
        "grantee_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "sections": ["veiligheidsplan"],
        "purpose": "Oma moet het veiligheidsplan kennen",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
        "about_id": fatima["id"],
    }
    cid = (await (await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))).json())[
        "id"
    ]
    answer = await client.post(
        hh(demo, f"/toestemmingen/{cid}/antwoord"), json={"besluit": "ja", "wijze": "schriftelijk"}, headers=token
    )
    assert answer.status == 403
    assert (await client.get(hh(demo, "/toegangslog"), headers=token)).status == 403
    assert (await client.get(hh(demo, "/plan"), headers=token)).status == 200  # it still works as a reader


async def test_only_a_klant_whose_consent_counts_can_revoke(client, demo, clock):
    fatima = demo["by_name"]["Fatima El Amrani"]
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["analyse"],
        "purpose": "Schuldhulp moet de analyse kennen",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
        "about_id": fatima["id"],
    }
    cid = (await (await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))).json())[
        "id"
    ]
    await client.post(
        hh(demo, f"/toestemmingen/{cid}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=bearer(fatima),
    )
    by_child = await client.post(
        hh(demo, f"/toestemmingen/{cid}/intrekking"), headers=bearer(demo["by_name"]["Youssef El Amrani"])
    )
    assert by_child.status == 403
    assert (await client.post(hh(demo, f"/toestemmingen/{cid}/intrekking"), headers=bearer(fatima))).status == 200


async def test_names_cannot_carry_control_characters(client, demo):
    oma = demo["by_name"]["Khadija El Amrani"]
    resp = await client.patch(hh(demo, f"/betrokkenen/{oma['id']}"), json={"name": "Oma\nX"}, headers=bearer(oma))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "name"


async def test_overleg_agenda_only_for_those_who_read_the_whole_plan(client, demo, clock):
    day = clock().astimezone(AMS).date() + timedelta(days=21)
    people = demo["by_name"]
    body = {
        "type": "voortgangsoverleg",
        "agenda": AGENDA,
        "chair_id": demo["regisseur"]["id"],
        "start": datetime.combine(day, time(10), AMS).isoformat(),
        "end": datetime.combine(day, time(11), AMS).isoformat(),
        "location": "Wijkcentrum",
        "invitees": [
            {"betrokkene_id": people["Fatima El Amrani"]["id"], "must_attend": True},
            {"betrokkene_id": people["Khadija El Amrani"]["id"], "must_attend": False},
        ],
    }
    created = await client.post(hh(demo, "/overleggen"), json=body, headers=bearer(demo["regisseur"]))
    assert created.status == 201, await created.text()
    oid = (await created.json())["id"]
    oma, fatima = bearer(people["Khadija El Amrani"]), bearer(people["Fatima El Amrani"])
    for path in ("/overleggen", f"/overleggen/{oid}"):
        assert AGENDA not in await (await client.get(hh(demo, path), headers=oma)).text()
        assert AGENDA in await (await client.get(hh(demo, path), headers=fatima)).text()


async def test_only_the_klant_signs_the_veiligheidsplan(client, demo):
    fatima = demo["by_name"]["Fatima El Amrani"]
    vp = {"zorgen": ["Spanning thuis"], "veiligheidsafspraken": ["Oma is bereikbaar"]}
    resp = await client.patch(
        hh(demo, "/plan"), json={"veiligheidsplan": vp}, headers=bearer(demo["regisseur"]) | {"If-Match": '"2"'}
    )
    assert resp.status == 200
    forged = vp | {"handtekening": {"betrokkene_id": fatima["id"], "datum": "2026-11-22"}}
    resp = await client.patch(
        hh(demo, "/plan"), json={"veiligheidsplan": forged}, headers=bearer(demo["regisseur"]) | {"If-Match": '"3"'}
    )
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "veiligheidsplan.handtekening"
    issued = await client.post(hh(demo, f"/betrokkenen/{fatima['id']}/token"), headers=bearer(demo["regisseur"]))
    token = {"Authorization": f"Bearer {(await issued.json())['token']}"}
    assert (await client.post(hh(demo, "/veiligheidsplan/handtekening"), headers=token)).status == 403
    signed = await client.post(hh(demo, "/veiligheidsplan/handtekening"), headers=bearer(fatima))
    assert signed.status == 200, await signed.text()
    version = (await signed.json())["version"]
    changed = vp | {
        "zorgen": ["Spanning thuis", "Nieuw: schulden"],
        "handtekening": (await signed.json())["handtekening"],
    }
    resp = await client.patch(
        hh(demo, "/plan"),
        json={"veiligheidsplan": changed},
        headers=bearer(demo["regisseur"]) | {"If-Match": f'"{version}"'},
    )
    assert resp.status == 200
    assert (await resp.json())["sections"]["veiligheidsplan"]["handtekening"] is None  # new text, not signed
