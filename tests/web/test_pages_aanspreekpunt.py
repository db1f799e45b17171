"""Escalatie, the page of the gemeentelijk aanspreekpunt: after step 4 they sign in with the mail link like
everyone else and see only the cases escalated to them (a case that is not theirs, or one handed back, answers
404 like a missing one), with the step, the deadlines and what to record; the copy of the plan in their scope,
logged on channel web with the sections shown; and the forms for actions, result and term, the commitment and
afschalen, with refusals next to the field. They land on their escalations after signing in (`/escalaties`; one
household: its escalatie page), and the page is theirs alone: a regisseur or klant gets the 404 of a missing one."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel
from eenplan.domain.caseload import StartPage, start_page
from eenplan.domain.stagnatie import Outcome
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan_crypto.testing import create_keys

FATIMA = "fatima@example.org"
SANNE = "sanne.devries@example.org"
FILLED = {"acties": "x", "resultaat": "y", "termijn": "2026-12-31", "afspraken": "z", "versie": "2"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the page (a professional's factor has its own tests)."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


def page_of(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/escalatie"


async def _log(services, household_id: str) -> list:
    async with services.plan._uow() as uow:
        return [e for _, e in await uow.access_log.entries(household_id, limit=10_000)]


async def test_the_aanspreekpunt_sees_its_case_its_deadlines_and_the_plan_copy(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    _, cid, ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    start = await (await client.get(f"/huishoudens/{hh}")).text()
    assert f'href="/huishoudens/{hh}/escalatie"' in start and "Plan bewerken" not in start
    before = await _log(services, hh)
    resp = await client.get(page_of(demo))
    text = await resp.text()
    assert resp.status == 200, text
    assert "stap 4 van 4" in text and f'id="zaak-{cid}"' in text
    assert "Acties, resultaat en termijn vastleggen" in text and 'name="termijn" type="date"' in text
    assert "Het plan dat u kreeg" in text
    new = [e for e in await _log(services, hh) if e not in before]
    assert new and all(e.actor_id == ap and e.channel == Channel.WEB.value for e in new), new
    (plan_read,) = [e for e in new if e.detail.startswith("versie ")]
    assert plan_read.sections and "escalatie:" in plan_read.ground
    assert any(e.detail.startswith(f"stagnatie {cid}") for e in new)


async def test_a_klant_is_not_offered_the_page_and_is_refused(client, services, demo, capsys, ap_key):
    await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, FATIMA)
    start = await (await client.get(f"/huishoudens/{demo['household']['id']}")).text()
    assert "/escalatie" not in start
    resp = await client.get(page_of(demo))
    assert resp.status == 404  # the aanspreekpunt's page alone: like a missing household


async def test_record_actions_commitment_and_hand_back(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    case = f"{page_of(demo)}/zaken/{cid}"
    resp = await client.post(
        case + "/acties", data={"csrf": await csrf_of(client, page_of(demo)), "acties": "Gesprek wethouder"}
    )
    text = await resp.text()
    assert resp.status == 422, text
    assert f'id="zaak-{cid}-resultaat-fout"' in text and f'id="zaak-{cid}-termijn-fout"' in text
    assert f'id="zaak-{cid}-acties-fout"' not in text and "Gesprek wethouder" in text  # what was typed stays
    step = (await services.stagnatie.get(regisseur(demo), hh, cid))["steps"][3]
    assert step["acties"] is None  # nothing written
    resp = await client.post(
        case + "/acties",
        data={
            "csrf": await csrf_of(client, page_of(demo)),
            "acties": "Gesprek wethouder",
            "resultaat": "Mentorgesprek",
            "termijn": "2026-12-31",
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Opgeslagen: de acties, het resultaat en de termijn." in text and "Mentorgesprek" in text
    resp = await client.post(case + "/commitment", data={"csrf": await csrf_of(client, page_of(demo)), "versie": "2"})
    assert resp.status == 422 and f'id="zaak-{cid}-afspraken-fout"' in await resp.text()
    version = (await services.households.get(regisseur(demo), hh)).current_version
    resp = await client.post(
        case + "/commitment",
        data={"csrf": await csrf_of(client, page_of(demo)), "afspraken": "Mentor belt elke week", "versie": version},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    resp = await client.post(
        case + "/afschalen", data={"csrf": await csrf_of(client, page_of(demo)), "zeker": "ja"}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == "/escalaties"
    onward = await client.get("/escalaties", allow_redirects=False)  # no escalation left: their households
    assert onward.status == 303 and onward.headers["Location"] == "/huishoudens"
    assert (await services.stagnatie.get(regisseur(demo), hh, cid))["afgeschaald"]
    # handed back: the household, its page and the case answer like missing ones
    missing = await client.get("/huishoudens/00000000-0000-0000-0000-000000000000/escalatie")
    gone = await client.get(page_of(demo))
    assert gone.status == missing.status == 404
    assert "Mentorgesprek" not in await gone.text()


async def test_a_case_not_escalated_to_them_answers_like_a_missing_one(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    other = await services.stagnatie.open(
        regisseur(demo),
        hh,
        doel_id="school",
        actie_id=None,
        betrokkene_id=None,
        organisatie="School",
        toelichting="NIET-VOOR-HET-AANSPREEKPUNT-4411",
    )
    await sign_in(client, capsys, AP_EMAIL)
    text = await (await client.get(page_of(demo))).text()
    assert other["id"] not in text and "NIET-VOOR-HET-AANSPREEKPUNT-4411" not in text
    for path in ("acties", "commitment", "afschalen"):
        data = {"csrf": await csrf_of(client, page_of(demo)), **FILLED}
        theirs = await client.post(f"{page_of(demo)}/zaken/{other['id']}/{path}", data=data)
        missing = await client.post(f"{page_of(demo)}/zaken/geen-zaak/{path}", data=data)
        assert theirs.status == missing.status == 404, path
        assert "NIET-VOOR-HET-AANSPREEKPUNT-4411" not in await theirs.text()
    case = await services.stagnatie.get(regisseur(demo), hh, other["id"])
    assert case["step"] == 1 and case["steps"][0]["acties"] is None


async def test_handing_back_too_early_says_where_to_look_in_plain_dutch(client, services, demo, capsys, ap_key):
    """Review of issue 13: "Kijk bij het veld met de melding" on a form without a field; "commitment"."""
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    shown = await (await client.get(page_of(demo))).text()
    assert "commitment)" not in shown and "Nieuwe afspraken vastleggen" in shown
    assert re.search(r": uiterlijk (maandag|dinsdag|woensdag|donderdag|vrijdag) \d+ \w+ 20\d\d", shown)
    resp = await client.post(
        f"{page_of(demo)}/zaken/{cid}/afschalen", data={"csrf": await csrf_of(client, page_of(demo)), "zeker": "ja"}
    )
    text = await resp.text()
    assert resp.status == 422, text
    assert "Lees de melding bij de zaak" in text and "Kijk bij het veld" not in text


# -- where the aanspreekpunt lands, and whose page this is ------------------------------------------------------


def test_who_starts_where():
    assert start_page(1, 1) is StartPage.WERKBANK
    assert start_page(0, 2) is StartPage.ESCALATIES
    assert start_page(0, 0) is StartPage.HUISHOUDENS


async def test_the_aanspreekpunt_lands_on_the_escalatie_page(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    resp = await sign_in(client, capsys, AP_EMAIL)
    assert resp.headers["Location"] == "/escalaties"
    start = await client.get("/escalaties", allow_redirects=False)
    assert start.status == 303 and start.headers["Location"] == f"/huishoudens/{hh}/escalatie"
    page = await client.get(start.headers["Location"])
    assert page.status == 200 and "Uw zaken" in await page.text()


async def test_without_escalations_the_start_page_leads_to_the_households(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    resp = await client.get("/escalaties", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"


@pytest.mark.parametrize("email", [SANNE, FATIMA])
async def test_the_escalatie_page_is_the_aanspreekpunts_alone(client, services, demo, capsys, ap_key, email):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, email)
    before = len(await _log(services, hh))
    resp = await client.get(f"/huishoudens/{hh}/escalatie")
    missing = await client.get("/huishoudens/00000000-0000-0000-0000-000000000000/escalatie")
    assert resp.status == missing.status == 404
    assert len(await _log(services, hh)) == before  # no case, no plan was read for them


async def test_with_two_households_the_start_page_lists_both(client, services, demo, capsys, ap_key):
    await escalate_to_step_4(client, services, demo, ap_key)  # registers Maastricht's aanspreekpunt too
    other, reg = await services.households.open(
        NewHousehold("OTHER-2", "Huishouden Jansen", "Maastricht"),
        RegisseurDetails(name="Piet", email="piet@example.org"),
    )
    piet = Principal(reg.id, other.id)
    await services.plan.change(piet, other.id, 1, {"doelen": [{"id": "werk", "titel": "Werk", "acties": []}]})
    case = await services.stagnatie.open(
        piet, other.id, doel_id="werk", actie_id=None, betrokkene_id=None, organisatie="UWV", toelichting="x"
    )
    for outcome in (Outcome.INTERN_PLAN, Outcome.GESPREK, None):
        await services.stagnatie.escalate(piet, other.id, case["id"])
        if outcome:
            await services.stagnatie.record_outcome(
                piet, other.id, case["id"], outcome, datum=None, acties=None, resultaat=None, termijn=None
            )
    await sign_in(client, capsys, AP_EMAIL)
    resp = await client.get("/escalaties", allow_redirects=False)
    text = await resp.text()
    assert resp.status == 200, text
    for hh in (demo["household"]["id"], other.id):
        assert f'href="/huishoudens/{hh}/escalatie"' in text
    assert "Huishouden Jansen" in text and "Uw escalaties" in text
