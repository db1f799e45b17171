"""Monitoring on a generated set of households: the figures, k-anonymity, JSON and CSV without any name,
e-mail address, id or household code, and only with a monitoring token covering the gemeente."""

from __future__ import annotations

import csv
import io
import json

from eenplan.domain.access import Principal
from eenplan.domain.household import Phase
from eenplan.services.households import NewHousehold, RegisseurDetails

GOAL = {"doelen": [{"id": "wonen", "titel": "Een vaste woonplek", "acties": []}]}


async def _generate(services, clock) -> list[str]:
    """Seven households in Heerlen: 6 cases solved at step 1, 2 escalated to step 2 (one overdue)."""
    secrets: list[str] = []
    cases = []
    for n in range(7):
        household, reg = await services.households.open(
            NewHousehold(f"HRL-{n:03d}", f"Familie Testnaam{n}", "Heerlen"),
            RegisseurDetails(name=f"Regisseur Achternaam{n}", email=f"regisseur{n}@heerlen.example"),
        )
        me = Principal(reg.id, household.id)
        await services.plan.change(me, household.id, None, GOAL)
        secrets += [household.id, household.code, household.name, reg.id, reg.name, reg.email]
        cases.append(
            (
                me,
                household.id,
                await services.stagnatie.open(
                    me,
                    household.id,
                    doel_id="wonen",
                    actie_id=None,
                    betrokkene_id=None,
                    organisatie="Woningcorporatie",
                    toelichting="Geen reactie",
                ),
            )
        )
        secrets.append(cases[-1][2]["id"])
    await services.households.change_phase(cases[0][0], cases[0][1], Phase.INTAKE, None)
    clock.to(2026, 4, 24)  # Friday: 3 werkdagen after Tuesday 21 April
    for me, hh, case in cases[:6]:
        await services.stagnatie.commit(me, hh, case["id"], "Nieuwe afspraak", 2)
    me, hh, case = cases[6]
    await services.stagnatie.escalate(me, hh, case["id"])
    extra = await services.stagnatie.open(
        me, hh, doel_id="wonen", actie_id=None, betrokkene_id=None, organisatie="Woningcorporatie", toelichting=""
    )
    await services.stagnatie.escalate(me, hh, extra["id"])
    clock.to(2026, 5, 12)  # the step-2 deadlines (Friday 1 May) have passed
    return secrets


async def test_monitoring_figures_without_personal_data(client, services, clock):
    secrets = await _generate(services, clock)
    token = services.tokens.issue_monitoring("Heerlen", 3600)
    url = "/api/monitoring?gemeente=Heerlen&from=2026-04-01&to=2026-05-31"
    resp = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, await resp.text()
    data = await resp.json()
    assert data["huishoudens_per_fase"]["aanmelding"] == 6 and data["huishoudens_per_fase"]["intake"] == "<5"
    assert data["escalaties_geopend_per_stap"] == {"1": 8, "2": "<5", "3": 0, "4": 0}
    assert data["escalaties_opgelost_per_stap"] == {"1": 6, "2": 0, "3": 0, "4": 0}
    assert data["mediaan_werkdagen_tot_oplossing"] == 3
    assert data["achterstallige_stappen"] == "<5"
    csv_resp = await client.get(url + "&format=csv", headers={"Authorization": f"Bearer {token}"})
    assert csv_resp.status == 200 and csv_resp.content_type == "text/csv"
    text = await csv_resp.text()
    rows = {tuple(row[3:5]): row[5] for row in csv.reader(io.StringIO(text))}
    assert rows[("escalaties_opgelost_per_stap", "1")] == "6"
    assert float(rows[("mediaan_werkdagen_tot_oplossing", "")]) == 3
    body = json.dumps(data) + text
    leaked = [s for s in secrets if s and s in body]
    assert not leaked and "@" not in body and "Testnaam" not in body and "Achternaam" not in body


async def test_monitoring_needs_a_monitoring_token_for_the_gemeente(client, services, demo):
    url = "/api/monitoring?gemeente=Heerlen&from=2026-04-01&to=2026-05-31"
    other = services.tokens.issue_monitoring("Maastricht", 3600)
    assert (await client.get(url, headers={"Authorization": f"Bearer {other}"})).status == 403
    household_token = demo["regisseur"]["token"]
    assert (await client.get(url, headers={"Authorization": f"Bearer {household_token}"})).status == 401
    mon = services.tokens.issue_monitoring("*", 3600)
    # a monitoring token is no household credential
    hh = demo["household"]["id"]
    assert (await client.get(f"/api/households/{hh}/plan", headers={"Authorization": f"Bearer {mon}"})).status == 401
    assert (await client.get(url + "&format=xml", headers={"Authorization": f"Bearer {mon}"})).status == 422
    assert (
        await client.get(url.replace("from=2026-04-01", "from=2026-06-01"), headers={"Authorization": f"Bearer {mon}"})
    ).status == 422
    assert (await client.get(url, headers={"Authorization": f"Bearer {mon}"})).status == 200
    # whole months only: periods a day apart could be subtracted to single out one household's day
    for bad, field in (("from=2026-04-02", "from"), ("to=2026-05-30", "to"), ("to=9999-12-30", "to")):
        resp = await client.get(
            url.replace(bad.split("=")[0] + "=" + ("2026-04-01" if field == "from" else "2026-05-31"), bad),
            headers={"Authorization": f"Bearer {mon}"},
        )
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == field


async def test_a_gemeente_with_few_households_shows_no_exact_zeros(client, services, demo):
    """In a gemeente of fewer than 5 households even 0 singles families out; every count shows as <5."""
    gemeente = "Maastricht"  # the demo household's: one household, in phase 1
    token = services.tokens.issue_monitoring("*", 3600)
    resp = await client.get(
        f"/api/monitoring?gemeente={gemeente}&from=2026-01-01&to=2026-12-31",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, await resp.text()
    data = await resp.json()
    counts = [
        *data["huishoudens_per_fase"].values(),
        *data["escalaties_geopend_per_stap"].values(),
        *data["escalaties_opgelost_per_stap"].values(),
        data["achterstallige_stappen"],
    ]
    assert counts and all(c == "<5" for c in counts)  # without the rule: 1 → "<5" but the other phases 0
    assert data["mediaan_werkdagen_tot_oplossing"] is None
