"""The klant decides who sees what: the grandmother sees a marker only while consent holds."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer, patch_plan, plan_url

MARKER = "MARKER-KRACHTEN-7f3a"


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _write_marker(client, demo) -> int:
    body = {"krachten_zorgen": [{"leefgebied": "sociale_steun", "krachten": [MARKER]}]}
    resp = await patch_plan(client, demo, body, version=2)
    assert resp.status == 200
    return (await resp.json())["version"]


async def _everything_oma_can_fetch(client, demo, version: int) -> str:
    oma = bearer(demo["by_name"]["Khadija El Amrani"])
    texts = []
    for path in (
        "",
        f"/versions/{version}",
        f"/versions/{version - 1}",
        "/versions",
        f"/diff?from={version - 1}&to={version}",
        f"/diff?from=1&to={version}",
    ):
        resp = await client.get(plan_url(demo, path), headers=oma)
        assert resp.status == 200, (path, resp.status)
        texts.append(await resp.text())
    texts.append(await (await client.get(hh(demo, "/toestemmingen"), headers=oma)).text())
    return "\n".join(texts)


async def _consent(client, demo, **over) -> dict:
    body = {
        "grantee_id": demo["by_name"]["Khadija El Amrani"]["id"],
        "sections": ["krachten_zorgen"],
        "purpose": "Oma helpt bij de opvoeding en moet de krachten kennen",
        "until": over.pop("until"),
    } | over
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _answer(client, demo, name, cid, besluit="ja", wijze="schriftelijk"):
    return await client.post(
        hh(demo, f"/toestemmingen/{cid}/antwoord"),
        json={"besluit": besluit, "wijze": wijze},
        headers=bearer(demo["by_name"][name]),
    )


async def test_marker_reaches_grandmother_only_while_consent_holds(client, demo, clock):
    version = await _write_marker(client, demo)
    assert MARKER not in await _everything_oma_can_fetch(client, demo, version)

    until = (clock.today() + timedelta(days=30)).isoformat()
    consent = await _consent(client, demo, until=until)
    assert consent["status"] == "aangevraagd"
    fatima, youssef = demo["by_name"]["Fatima El Amrani"]["id"], demo["by_name"]["Youssef El Amrani"]["id"]
    assert set(consent["required_consenters"]) == {fatima, youssef}  # the 13-year-old consents too

    pending = await (
        await client.get(
            hh(demo, "/toestemmingen?status=aangevraagd"), headers=bearer(demo["by_name"]["Fatima El Amrani"])
        )
    ).json()
    assert [c["id"] for c in pending["toestemmingen"]] == [consent["id"]]
    assert (await _answer(client, demo, "Fatima El Amrani", consent["id"])).status == 200
    assert MARKER not in await _everything_oma_can_fetch(client, demo, version)  # one of two approvals
    after = await (await _answer(client, demo, "Youssef El Amrani", consent["id"])).json()
    assert after["status"] == "verleend"
    seen = await _everything_oma_can_fetch(client, demo, version)
    assert MARKER in seen

    revoked = await client.post(
        hh(demo, f"/toestemmingen/{consent['id']}/intrekking"), headers=bearer(demo["by_name"]["Youssef El Amrani"])
    )
    assert revoked.status == 200 and (await revoked.json())["status"] == "ingetrokken"
    assert MARKER not in await _everything_oma_can_fetch(client, demo, version)

    log = await (
        await client.get(hh(demo, "/toegangslog?limit=500"), headers=bearer(demo["by_name"]["Fatima El Amrani"]))
    ).json()
    oma_id = demo["by_name"]["Khadija El Amrani"]["id"]
    oma_reads = [e for e in log["entries"] if e["actor_id"] == oma_id and e["event"] == "read"]
    assert any("krachten_zorgen" in e["sections"] and e["ground"].startswith("toestemming:") for e in oma_reads)
    assert all(e["channel"] == "api" for e in oma_reads)
    assert len(oma_reads) >= 15  # three rounds of five logged reads each (the versions list is not content)


async def test_expiry_takes_effect_the_next_day(client, demo, clock):
    version = await _write_marker(client, demo)
    consent = await _consent(client, demo, until=clock.today().isoformat())
    await _answer(client, demo, "Fatima El Amrani", consent["id"])
    await _answer(client, demo, "Youssef El Amrani", consent["id"])
    assert MARKER in await _everything_oma_can_fetch(client, demo, version)
    clock.advance(days=1)
    assert MARKER not in await _everything_oma_can_fetch(client, demo, version)
    listed = await (
        await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(demo["regisseur"]))
    ).json()
    assert listed["status"] == "verlopen"


async def test_decline_and_who_may_answer(client, demo, clock):
    consent = await _consent(client, demo, until=(clock.today() + timedelta(days=5)).isoformat())
    assert (await _answer(client, demo, "Khadija El Amrani", consent["id"])).status == 403  # not a klant
    declined = await (await _answer(client, demo, "Youssef El Amrani", consent["id"], besluit="nee")).json()
    assert declined["status"] == "geweigerd"
    again = await _answer(client, demo, "Fatima El Amrani", consent["id"])
    assert again.status == 422


async def test_oral_consent_is_listed_until_confirmed_in_writing(client, demo, clock):
    consent = await _consent(
        client,
        demo,
        until=(clock.today() + timedelta(days=5)).isoformat(),
        about_id=demo["by_name"]["Fatima El Amrani"]["id"],
    )
    assert consent["required_consenters"] == [demo["by_name"]["Fatima El Amrani"]["id"]]  # an adult, about herself
    body = await (await _answer(client, demo, "Fatima El Amrani", consent["id"], wijze="mondeling_urgent")).json()
    assert body["status"] == "verleend"
    assert body["approvals"][0]["schriftelijke_bevestiging_verwacht"] is True
    missing_how = await client.post(
        hh(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja"},
        headers=bearer(demo["by_name"]["Fatima El Amrani"]),
    )
    assert missing_how.status == 422
    confirmed = await (
        await client.post(
            hh(demo, f"/toestemmingen/{consent['id']}/bevestiging"), headers=bearer(demo["by_name"]["Fatima El Amrani"])
        )
    ).json()
    assert confirmed["approvals"][0]["schriftelijke_bevestiging_verwacht"] is False


async def test_consent_requests_are_never_general(client, demo, clock):
    headers = bearer(demo["regisseur"])
    base = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["analyse"],
        "purpose": "Schuldhulp moet de analyse kennen",
        "until": (clock.today() + timedelta(days=5)).isoformat(),
    }
    for change, field in [
        ({"sections": []}, "sections"),
        ({"sections": ["alles"]}, "sections"),
        ({"purpose": "x"}, "purpose"),
        ({"until": "2020-01-01"}, "until"),
        ({"until": (clock.today() + timedelta(days=400)).isoformat()}, "until"),
        ({"grantee_id": "iemand"}, "grantee_id"),
    ]:
        resp = await client.post(hh(demo, "/toestemmingen"), json=base | change, headers=headers)
        assert resp.status == 422, change
        assert (await resp.json())["errors"][0]["field"] == field
