"""At step 4 of the ladder the new afspraken are the gemeentelijk aanspreekpunt's (`check_commitment`): the
regisseur's stagnatie page offers her no "Afspraken vastleggen" form there (it always ended in a refusal), only
says who records them; at steps 1–3 the form is hers and stays. A post for it anyway still gets the refusal next to
the case (403), and nothing is written. Likewise a plan without goals offers no new case's form (a case names a goal
of the plan), only what to do first."""

from __future__ import annotations

import dataclasses

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

SANNE = "sanne.devries@example.org"
NO_GOALS = "Er staan nog geen doelen in het plan."
WHO = "Bij deze stap legt het gemeentelijk aanspreekpunt de nieuwe afspraken vast, niet de regisseur."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the forms."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


def case_part(page: str, cid: str) -> str:
    """The section of one case on the page (up to the next case or the new case's heading)."""
    start = page.index(f'id="zaak-{cid}"')
    ends = [i for i in (page.find("<section", start), page.find('id="zaak-nieuw"', start)) if i > 0]
    return page[start : min(ends)]


async def test_at_step_4_the_regisseur_is_told_who_records_the_afspraken_not_offered_the_form(
    client, services, demo, capsys, ap_key
):
    hh = demo["household"]["id"]
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, SANNE)
    base = f"/huishoudens/{hh}/regie/stagnatie"
    case = case_part(await (await client.get(base)).text(), cid)
    assert "stap 4 van 4" in case
    assert f'action="{base}/zaken/{cid}/commitment"' not in case
    assert "Afspraken vastleggen" not in case and f'id="zaak-{cid}-afspraken"' not in case
    assert WHO in case
    assert "Daarna geeft het de zaak terug (afschalen)." in case

    data = {"csrf": await csrf_of(client, base), "afspraken": "Mentor belt elke week", "versie": "1"}
    resp = await client.post(f"{base}/zaken/{cid}/commitment", data=data, allow_redirects=False)
    text = await resp.text()
    assert resp.status == 403, text
    assert f'id="zaak-{cid}-status-fout"' in text
    assert "Dit doet het gemeentelijk aanspreekpunt, niet de regisseur." in text
    step = (await services.stagnatie.get(regisseur(demo), hh, cid))["steps"][3]
    assert step["commitment_on"] is None and step["afspraken"] is None


async def test_before_step_4_the_regisseur_keeps_the_afspraken_form(client, services, demo, capsys):
    hh = demo["household"]["id"]
    opened = await services.stagnatie.open(
        regisseur(demo),
        hh,
        doel_id="school",
        actie_id="mentor",
        betrokkene_id=None,
        organisatie="Jeugdteam",
        toelichting="",
    )
    cid = opened["id"]
    await sign_in(client, capsys, SANNE)
    base = f"/huishoudens/{hh}/regie/stagnatie"
    case = case_part(await (await client.get(base)).text(), cid)
    assert "stap 1 van 4" in case
    assert f'action="{base}/zaken/{cid}/commitment"' in case and "Afspraken vastleggen" in case
    assert WHO not in case


async def test_without_goals_in_the_plan_no_new_case_form_is_offered_only_what_to_do_first(
    client, services, demo, capsys
):
    hh = demo["household"]["id"]
    base = f"/huishoudens/{hh}/regie/stagnatie"
    await sign_in(client, capsys, SANNE)
    with_goals = await (await client.get(base)).text()
    assert f'action="{base}/zaken"' in with_goals and NO_GOALS not in with_goals
    version = (await services.households.get(regisseur(demo), hh)).current_version
    await services.plan.change(regisseur(demo), hh, version, {"doelen": []})
    page = await (await client.get(base)).text()
    assert f'action="{base}/zaken"' not in page and "Zaak openen" not in page
    assert NO_GOALS in page
    resp = await client.post(f"{base}/zaken", data={"csrf": await csrf_of(client, base), "doel": "school|mentor"})
    assert resp.status == 422  # a post anyway is still refused: the case would name no goal of the plan
    assert not await services.stagnatie.list(regisseur(demo), hh)
