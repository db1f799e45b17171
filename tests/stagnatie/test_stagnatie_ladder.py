"""A whole ladder on the demo household with a frozen clock across Koningsdag, Hemelvaart and Pinksteren:
deadlines on the right werkdagen, overdue detection and notices, the aanspreekpunt's encrypted plan copy
(decrypted with the gpg command line), afschalen ending access."""

from __future__ import annotations

import json

from support.mail_helpers import drain, inner_text_and_pdf, open_encrypted, pdf_text

from eenplan.domain.access import Principal

AP_EMAIL = "a.punt@maastricht.example"  # as in conftest.py
VISIBLE = "MARKER-ZICHTBAAR-4411"
EXCLUDED = "MARKER-UITGESLOTEN-7731"


def auth(person: dict) -> dict:
    return {"Authorization": f"Bearer {person['token']}"}


def dues(case: dict, step: int) -> dict:
    return {d["key"]: d["due"] for d in case["steps"][step - 1]["deadlines"]}


async def _notices(services, hh: str) -> list:
    async with services.stagnatie._uow() as uow:
        return [i for i in await uow.mail.list_outbox(hh, None, 1000) if i.kind.value == "notice"]


async def test_ladder_to_step_4_and_back(client, services, demo, clock, ap_key, smtp_peer):
    hh = demo["household"]["id"]
    reg, fatima, inge = demo["regisseur"], demo["by_name"]["Fatima El Amrani"], demo["by_name"]["Inge Bakker"]
    base = f"/api/households/{hh}/stagnatie"
    await services.aanspreekpunten.add("Maastricht", "Anna Punt", AP_EMAIL, ap_key.armored_public)

    # the plan carries a visible marker and one in a section the klant keeps from the aanspreekpunt
    resp = await client.patch(
        f"/api/households/{hh}/plan",
        headers={**auth(reg), "If-Match": "*"},
        json={
            "analyse": {"analyse": f"Analyse {VISIBLE}", "gewenst_perspectief": "Rust"},
            "krachten_zorgen": [{"leefgebied": "veiligheid", "zorgen": [f"Zorg {EXCLUDED}"]}],
        },
    )
    assert resp.status == 200, await resp.text()
    resp = await client.put(
        f"/api/households/{hh}/aanspreekpunt-uitsluitingen",
        headers=auth(fatima),
        json={"sections": ["krachten_zorgen"]},
    )
    assert resp.status == 200 and (await resp.json())["mine"] == ["krachten_zorgen"]

    # step 1 on Tuesday 21 April: 5 werkdagen skip Koningsdag (Monday 27 April) → Wednesday 29 April
    resp = await client.post(
        base,
        headers=auth(reg),
        json={"doel_id": "school", "actie_id": "mentor", "betrokkene_id": inge["id"], "toelichting": "Geen gesprek"},
    )
    assert resp.status == 201, await resp.text()
    case = await resp.json()
    cid = case["id"]
    assert case["step"] == 1 and dues(case, 1) == {"commitment": "2026-04-29"} and not case["overdue"]

    clock.to(2026, 4, 29)
    assert not (await (await client.get(base, headers=auth(reg))).json())["cases"][0]["overdue"]
    clock.to(2026, 4, 30)
    listed = await (await client.get(base, headers=auth(reg))).json()
    assert listed["overdue"] == 1 and listed["cases"][0]["steps"][0]["deadlines"][0]["overdue"]
    # the scheduler notifies the professional concerned and the regisseur, once
    assert await services.stagnatie.notify_overdue() == 2
    assert await services.stagnatie.notify_overdue() == 0
    assert {n.recipient_id for n in await _notices(services, hh)} == {inge["id"], reg["id"]}

    # step 2 (Thursday 30 April): intern plan within 5 werkdagen → Thursday 7 May (Bevrijdingsdag 2026 is a werkdag)
    case = await (await client.post(f"{base}/{cid}/escaleren", headers=auth(reg))).json()
    assert case["step"] == 2 and dues(case, 2) == {"intern_plan": "2026-05-07"}
    assert case["steps"][0]["ended_by"] == "escalatie" and not case["overdue"]
    resp = await client.post(f"{base}/{cid}/uitkomst", headers=auth(reg), json={"soort": "intern_plan"})
    assert resp.status == 200

    # step 3: managers meet within two weeks: 14 May is Hemelvaart → Friday 15 May; commitment 5 werkdagen later
    case = await (await client.post(f"{base}/{cid}/escaleren", headers=auth(reg))).json()
    assert dues(case, 3) == {"gesprek": "2026-05-15", "commitment": "2026-05-22"}
    clock.to(2026, 5, 20)
    resp = await client.post(f"{base}/{cid}/uitkomst", headers=auth(reg), json={"soort": "gesprek"})
    case = await resp.json()
    # after the meeting on 20 May: 5 werkdagen skipping Pinkstermaandag (25 May) → Thursday 28 May
    assert dues(case, 3) == {"gesprek": "2026-05-15", "commitment": "2026-05-28"}

    # step 4 on Friday 29 May: the aanspreekpunt becomes a betrokkene with an escalation grant
    clock.to(2026, 5, 29)
    assert (await (await client.get(base, headers=auth(reg))).json())["overdue"] == 1
    resp = await client.post(f"{base}/{cid}/escaleren", headers=auth(reg))
    assert resp.status == 200, await resp.text()
    case = await resp.json()
    assert case["step"] == 4 and dues(case, 4) == {"acties": "2026-06-05", "commitment": "2026-06-05"}
    ap = {"id": case["aanspreekpunt_id"], "token": services.tokens.issue(Principal(case["aanspreekpunt_id"], hh))}
    members = await (await client.get(f"/api/households/{hh}/betrokkenen", headers=auth(reg))).json()
    listed_ap = (
        [b for b in members["betrokkenen"] if b["id"] == ap["id"]]
        if isinstance(members, dict)
        else [b for b in members if b["id"] == ap["id"]]
    )
    assert listed_ap and listed_ap[0]["role"] == "aanspreekpunt"

    # access through the policy: every section except the excluded one
    plan = await (await client.get(f"/api/households/{hh}/plan", headers=auth(ap))).json()
    assert "krachten_zorgen" not in plan["sections"] and VISIBLE in json.dumps(plan["sections"])
    assert EXCLUDED not in json.dumps(plan)
    seen = await (await client.get(f"{base}/{case['id']}", headers=auth(ap))).json()
    assert seen["toelichting"] == "Geen gesprek"
    # with `doelen` excluded too, the case's free text about the goal is kept from the aanspreekpunt
    await client.put(
        f"/api/households/{hh}/aanspreekpunt-uitsluitingen",
        headers=auth(fatima),
        json={"sections": ["krachten_zorgen", "doelen"]},
    )
    hidden = await (await client.get(f"{base}/{case['id']}", headers=auth(ap))).json()
    assert hidden["toelichting"] is None and hidden["step"] == 4
    await client.put(
        f"/api/households/{hh}/aanspreekpunt-uitsluitingen",
        headers=auth(fatima),
        json={"sections": ["krachten_zorgen"]},
    )

    # the encrypted copy: decrypt with the gpg command line in the aanspreekpunt's own home
    await drain(services.outbox)
    _, peer = smtp_peer
    sealed = [m for m in peer.to(AP_EMAIL) if m.get_content_type() == "multipart/encrypted"]
    assert len(sealed) == 1
    assert VISIBLE not in sealed[0].as_string() and "El Amrani" not in sealed[0]["Subject"]
    inner, _status = open_encrypted(sealed[0], ap_key)
    text, pdf = inner_text_and_pdf(inner)
    assert pdf is not None and VISIBLE in pdf_text(pdf)
    assert EXCLUDED not in text and EXCLUDED not in pdf_text(pdf)
    async with services.stagnatie._uow() as uow:
        log = [e for _, e in await uow.access_log.entries(hh, limit=500)]
    disclosed = [e for e in log if e.event.value == "disclose" and e.actor_id == ap["id"]]
    assert disclosed and all(f"escalatie:{cid}" in e.ground for e in disclosed)
    assert all("krachten_zorgen" not in e.sections for e in disclosed)

    # the aanspreekpunt records actions, result and term; commitment; afschalen
    resp = await client.post(
        f"{base}/{cid}/uitkomst",
        headers=auth(reg),
        json={"soort": "acties", "acties": "Overleg wethouder", "resultaat": "Mentorgesprek", "termijn": "2026-06-19"},
    )
    assert resp.status == 403
    resp = await client.post(
        f"{base}/{cid}/uitkomst",
        headers=auth(ap),
        json={"soort": "acties", "acties": "Overleg wethouder", "resultaat": "Mentorgesprek", "termijn": "2026-06-19"},
    )
    assert resp.status == 200, await resp.text()
    resp = await client.post(f"{base}/{cid}/afschalen", headers=auth(ap))
    assert resp.status == 422  # commitment first
    current = plan["version"]
    commitment = {"afspraken": "Mentorgesprek binnen een week", "plan_version": current}
    resp = await client.post(f"{base}/{cid}/commitment", headers=auth(reg), json=commitment)
    assert resp.status == 403  # step 4 is the gemeente's: the regisseur does not commit in its place
    resp = await client.post(f"{base}/{cid}/commitment", headers=auth(ap), json=commitment)
    assert resp.status == 200, await resp.text()
    resp = await client.post(f"{base}/{cid}/afschalen", headers=auth(reg))
    assert resp.status == 403  # nor hand back for it
    resp = await client.post(f"{base}/{cid}/afschalen", headers=auth(ap))
    assert resp.status == 200, await resp.text()
    case = await resp.json()
    assert case["status"] == "opgelost" and case["solved_step"] == 4 and case["afgeschaald"]

    # access ends at once: the next request is a 404
    assert (await client.get(f"/api/households/{hh}/plan", headers=auth(ap))).status == 404
    assert (await client.get(base, headers=auth(ap))).status == 404
    # chain partners were informed at start, progress and end (content-free notices)
    keys = {n.dedupe_key for n in await _notices(services, hh)}
    assert {f"stagnatie:{cid}:start", f"stagnatie:{cid}:voortgang", f"stagnatie:{cid}:einde"} <= keys


async def test_who_may_act(client, services, demo):
    hh = demo["household"]["id"]
    joost = demo["by_name"]["Joost Willems"]
    body = {"doel_id": "financien", "organisatie": "Woningcorporatie"}
    assert (await client.post(f"/api/households/{hh}/stagnatie", headers=auth(joost), json=body)).status == 403
    assert (await client.get(f"/api/households/{hh}/stagnatie", headers=auth(joost))).status == 403
    bad = await client.post(
        f"/api/households/{hh}/stagnatie",
        headers=auth(demo["regisseur"]),
        json={"doel_id": "bestaat-niet", "organisatie": "X"},
    )
    assert bad.status == 422 and "doel_id" in await bad.text()
    # a regisseur of another household: 404, as for a household that does not exist
    from eenplan.services.households import NewHousehold, RegisseurDetails

    other, other_reg = await services.households.open(
        NewHousehold("OTHER-1", "Ander", "Maastricht"), RegisseurDetails(name="Piet", email="piet@example.org")
    )
    stranger = {"token": services.tokens.issue(Principal(other_reg.id, other.id))}
    assert (await client.get(f"/api/households/{hh}/stagnatie", headers=auth(stranger))).status == 404
    assert (await client.post(f"/api/households/{hh}/stagnatie", headers=auth(stranger), json=body)).status == 404
    # escalation to step 4 needs a registered aanspreekpunt for the gemeente
    case = await (
        await client.post(f"/api/households/{hh}/stagnatie", headers=auth(demo["regisseur"]), json=body)
    ).json()
    for outcome in ("intern_plan", "gesprek"):
        await client.post(f"/api/households/{hh}/stagnatie/{case['id']}/escaleren", headers=auth(demo["regisseur"]))
        await client.post(
            f"/api/households/{hh}/stagnatie/{case['id']}/uitkomst",
            headers=auth(demo["regisseur"]),
            json={"soort": outcome},
        )
    resp = await client.post(f"/api/households/{hh}/stagnatie/{case['id']}/escaleren", headers=auth(demo["regisseur"]))
    assert resp.status == 422 and "gemeente" in await resp.text()
