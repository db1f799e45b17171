"""Afschalen cannot happen by accident: on the aanspreekpunt's escalatie page the button leads to a step that says
what will happen ("Daarna ziet u dit huishouden niet meer") with "Ja, zaak teruggeven" and "Nee, terug". Opening
that step, or a post without its confirmation, changes nothing: the case stays open and the aanspreekpunt keeps
their access. A case the reader may not see answers 404. The regisseur, who may never hand a case back, is told
that the aanspreekpunt does it and is offered no button, no step and no post for it."""

from __future__ import annotations

import dataclasses

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the confirmation step."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


async def ready_to_hand_back(client, services, demo, capsys, ap_key) -> tuple[str, str]:
    """Step 4 with actions, result, term and the new afspraken recorded by the signed-in aanspreekpunt:
    (the escalatie page, the case id)."""
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    page = f"/huishoudens/{demo['household']['id']}/escalatie"
    version = (await services.households.get(regisseur(demo), demo["household"]["id"])).current_version
    for form, fields in (
        ("acties", {"acties": "Gesprek wethouder", "resultaat": "Mentorgesprek", "termijn": "2026-12-31"}),
        ("commitment", {"afspraken": "Mentor belt elke week", "versie": str(version)}),
    ):
        data = {"csrf": await csrf_of(client, page), **fields}
        resp = await client.post(f"{page}/zaken/{cid}/{form}", data=data, allow_redirects=False)
        assert resp.status == 303, await resp.text()
    return page, cid


async def still_theirs(client, services, demo, page: str, cid: str) -> None:
    """The case is open and the aanspreekpunt still sees the household."""
    case = await services.stagnatie.get(regisseur(demo), demo["household"]["id"], cid)
    assert case["status"] == "open" and not case["afgeschaald"]
    resp = await client.get(page)
    assert resp.status == 200 and f'id="zaak-{cid}"' in await resp.text()


async def test_the_aanspreekpunt_is_asked_before_their_access_ends(client, services, demo, capsys, ap_key):
    page, cid = await ready_to_hand_back(client, services, demo, capsys, ap_key)
    step = f"{page}/zaken/{cid}/afschalen"
    shown = await (await client.get(page)).text()
    assert f'href="{step}"' in shown and f'action="{step}"' not in shown  # the button leads to the step, no post

    resp = await client.get(step)
    text = await resp.text()
    assert resp.status == 200, text
    assert "Daarna ziet u dit huishouden niet meer." in text
    assert "Ja, zaak teruggeven" in text and f'href="{page}#zaak-{cid}">Nee, terug</a>' in text
    assert f'action="{step}"' in text and 'name="zeker" value="ja"' in text
    await still_theirs(client, services, demo, page, cid)

    resp = await client.post(step, data={"csrf": await csrf_of(client, page)}, allow_redirects=False)
    assert resp.status == 200 and "Ja, zaak teruggeven" in await resp.text()  # the first press: the step again
    await still_theirs(client, services, demo, page, cid)

    data = {"csrf": await csrf_of(client, step), "zeker": "ja"}
    resp = await client.post(step, data=data, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/escalaties"
    assert (await services.stagnatie.get(regisseur(demo), demo["household"]["id"], cid))["afgeschaald"]
    assert (await client.get(page)).status == 404


async def test_the_step_answers_a_case_not_theirs_like_a_missing_one(client, services, demo, capsys, ap_key):
    page, _cid = await ready_to_hand_back(client, services, demo, capsys, ap_key)
    other = await services.stagnatie.open(
        regisseur(demo),
        demo["household"]["id"],
        doel_id="school",
        actie_id=None,
        betrokkene_id=None,
        organisatie="School",
        toelichting="NIET-VOOR-HET-AANSPREEKPUNT-5521",
    )
    theirs = await client.get(f"{page}/zaken/{other['id']}/afschalen")
    missing = await client.get(f"{page}/zaken/{MISSING}/afschalen")
    assert theirs.status == missing.status == 404
    assert "NIET-VOOR-HET-AANSPREEKPUNT-5521" not in await theirs.text()


async def test_a_klant_gets_the_404_of_a_missing_household_at_the_step(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, FATIMA)
    real = await client.get(f"/huishoudens/{hh}/escalatie/zaken/{cid}/afschalen")
    missing = await client.get(f"/huishoudens/{MISSING}/escalatie/zaken/{cid}/afschalen")
    assert real.status == missing.status == 404


async def test_the_regisseur_is_told_who_hands_back_and_offered_no_afschalen(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, SANNE)
    page = f"/huishoudens/{hh}/regie/stagnatie"
    shown = await (await client.get(page)).text()
    case = shown[shown.index(f'id="zaak-{cid}"') : shown.index('id="zaak-nieuw"')]
    assert "stap 4 van 4" in case
    assert "Daarna geeft het de zaak terug (afschalen)." in case  # who does it, in words
    assert "/afschalen" not in shown and ">Afschalen<" not in shown  # no link, button or form for it

    step = f"{page}/zaken/{cid}/afschalen"  # the step it used to lead to: there is none for her
    token = await csrf_of(client, page)
    answers = [
        await client.get(step),
        await client.post(step, data={"csrf": token}, allow_redirects=False),
        await client.post(step, data={"csrf": token, "zeker": "ja"}, allow_redirects=False),
    ]
    missing = await client.get(f"{page}/zaken/{MISSING}/afschalen")
    assert [r.status for r in answers] == [missing.status] * 3 == [404] * 3
    for resp in answers:
        assert "Ja, zaak teruggeven" not in await resp.text()
    case_now = await services.stagnatie.get(regisseur(demo), hh, cid)
    assert case_now["status"] == "open" and not case_now["afgeschaald"] and case_now["step"] == 4
