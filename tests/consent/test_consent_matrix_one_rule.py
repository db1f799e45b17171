"""The klant's "Wie ziet wat" matrix gives, for every person, exactly the decision the plan itself applies to
them (`PlanService.access`): level, ground and emergency per section — also after a consent is given. The matrix
takes its decision from the plan service (one rule, not a copy of it)."""

from __future__ import annotations

from datetime import timedelta

from support.helpers import bearer

from eenplan.domain.access import Level, Principal
from eenplan.domain.sections import SECTION_KEYS


def _hh(demo, suffix: str = "") -> str:
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _rows_agree_with_the_plan(services, demo) -> None:
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    view = await services.consent_matrix.matrix(Principal(fatima, hid), hid)
    assert len(view.rows) >= 4
    for row in view.rows:
        access = await services.plan.access(Principal(row.person.id, hid), hid)
        assert [c.level for c in row.cells] == [access.level(k) for k in SECTION_KEYS], row.person.name
        assert [c.emergency for c in row.cells] == [k in access.emergency_sections for k in SECTION_KEYS]
        assert dict(row.access.grounds) == dict(access.grounds)


async def test_each_row_is_the_plan_s_own_decision_for_that_person(services, demo, client, clock) -> None:
    await _rows_agree_with_the_plan(services, demo)
    joost = demo["by_name"]["Joost Willems"]
    body = {
        "grantee_id": joost["id"],
        "sections": ["krachten_zorgen"],
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    resp = await client.post(_hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    consent = await resp.json()
    for name in ("Fatima El Amrani", "Youssef El Amrani"):  # both klanten sign the paper form
        form = {
            "klant_id": demo["by_name"][name]["id"],
            "approved": True,
            "form_date": clock.today().isoformat(),
            "form_reference": "TS5-2026-014",
        }
        answer = await client.post(
            _hh(demo, f"/toestemmingen/{consent['id']}/formulier"), json=form, headers=bearer(demo["regisseur"])
        )
        assert answer.status == 200, await answer.text()
    assert (await answer.json())["status"] == "verleend"
    joosts = await services.plan.access(Principal(joost["id"], demo["household"]["id"]), demo["household"]["id"])
    assert joosts.level("krachten_zorgen") >= Level.READ  # the consent counts, and the matrix must show it
    await _rows_agree_with_the_plan(services, demo)
