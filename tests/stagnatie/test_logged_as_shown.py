"""The access log says what a stagnation case or a safety signal showed, never a section it redacted."""

from __future__ import annotations

from eenplan.domain.access import Principal

AP_EMAIL = "a.punt@maastricht.example"  # as in conftest.py
CASE_TEXT = "MX-LOGGED-CASE-6610"


def auth(person: dict) -> dict:
    return {"Authorization": f"Bearer {person['token']}"}


async def _entries(services, hh: str, actor_id: str) -> list:
    async with services.stagnatie._uow() as uow:
        return [e for _, e in await uow.access_log.entries(hh, limit=1000) if e.actor_id == actor_id]


async def test_a_case_read_without_its_free_text_is_not_logged_as_reading_doelen(
    client, services, demo, ap_key, smtp_peer
):
    hh = demo["household"]["id"]
    reg, fatima = demo["regisseur"], demo["by_name"]["Fatima El Amrani"]
    base = f"/api/households/{hh}/stagnatie"
    await services.aanspreekpunten.add("Maastricht", "Anna Punt", AP_EMAIL, ap_key.armored_public)
    resp = await client.post(
        base,
        headers=auth(reg),
        json={"doel_id": "school", "organisatie": "School", "toelichting": f"Geen gesprek {CASE_TEXT}"},
    )
    assert resp.status == 201, await resp.text()
    cid = (await resp.json())["id"]
    for outcome in ("intern_plan", "gesprek", None):  # to step 4 (each step's outcome first): the aanspreekpunt
        resp = await client.post(f"{base}/{cid}/escaleren", headers=auth(reg))
        assert resp.status == 200, await resp.text()
        if outcome:
            done = await client.post(f"{base}/{cid}/uitkomst", headers=auth(reg), json={"soort": outcome})
            assert done.status == 200, await done.text()
    case = await resp.json()
    ap = {"id": case["aanspreekpunt_id"], "token": services.tokens.issue(Principal(case["aanspreekpunt_id"], hh))}
    # the klant keeps the goals from the aanspreekpunt: the case's free text is cut for them
    resp = await client.put(
        f"/api/households/{hh}/aanspreekpunt-uitsluitingen", headers=auth(fatima), json={"sections": ["doelen"]}
    )
    assert resp.status == 200

    before = len(await _entries(services, hh, ap["id"]))
    for resp in (
        await client.get(f"{base}/{cid}", headers=auth(ap)),
        await client.get(base, headers=auth(ap)),
        await client.post(
            f"{base}/{cid}/uitkomst",
            headers=auth(ap),
            json={"soort": "acties", "acties": "Overleg", "resultaat": "Gesprek", "termijn": "2099-01-01"},
        ),
    ):
        assert resp.status == 200, await resp.text()
        assert CASE_TEXT not in await resp.text()
    after = await _entries(services, hh, ap["id"])  # newest first
    reads = after[: len(after) - before]
    assert len(reads) == 3  # every answer is logged ...
    assert all("doelen" not in e.sections and "afspraken" not in e.sections for e in reads)  # ... as shown

    # with the goals readable again the free text is shown, and logged as a read of doelen and afspraken
    await client.put(f"/api/households/{hh}/aanspreekpunt-uitsluitingen", headers=auth(fatima), json={"sections": []})
    resp = await client.get(f"{base}/{cid}", headers=auth(ap))
    assert CASE_TEXT in await resp.text()
    newest = (await _entries(services, hh, ap["id"]))[0]
    assert set(newest.sections) == {"doelen", "afspraken"}


async def test_signals_not_shown_are_not_logged_as_read(client, services, demo):
    hh = demo["household"]["id"]
    joost, inge = demo["by_name"]["Joost Willems"], demo["by_name"]["Inge Bakker"]
    signals = f"/api/households/{hh}/veiligheid/signalen"
    resp = await client.post(signals, headers=auth(joost), json={"soort": "onveiligheid", "toelichting": "Gezien"})
    assert resp.status == 201
    # Inge may not read the veiligheidsplan: she sees no one else's signal, and nothing is logged as read of it
    listed = await (await client.get(signals, headers=auth(inge))).json()
    assert listed["signalen"] == []
    assert all("veiligheidsplan" not in e.sections for e in await _entries(services, hh, inge["id"]))
    # the raiser sees their own text: logged, but not as a read of the veiligheidsplan
    listed = await (await client.get(signals, headers=auth(joost))).json()
    assert listed["signalen"][0]["toelichting"] == "Gezien"
    mine = await _entries(services, hh, joost["id"])
    assert mine and "veiligheidssignalen" in mine[0].detail and "veiligheidsplan" not in mine[0].sections
    # a regisseur reading Joost's text: a read of the veiligheidsplan
    await client.get(signals, headers=auth(demo["regisseur"]))
    assert "veiligheidsplan" in (await _entries(services, hh, demo["regisseur"]["id"]))[0].sections


async def test_the_safety_status_logs_a_read_of_the_veiligheidsplan_only(client, services, demo):
    hh, fatima = demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]
    resp = await client.get(f"/api/households/{hh}/veiligheid", headers=auth(fatima))
    assert resp.status == 200
    shown = await resp.json()
    entries = await _entries(services, hh, fatima["id"])
    assert all(set(e.sections) <= {"veiligheidsplan"} for e in entries)  # it showed the signature, no more
    if shown.get("veiligheidsplan"):
        assert entries and entries[0].sections == ("veiligheidsplan",)
