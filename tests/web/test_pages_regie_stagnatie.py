"""Stagnatie en veiligheid for the regisseur: the ladder of a case with who acts, the required outcome and the
deadlines (overdue marked), escalating, recording an outcome and commitment, afschalen (the aanspreekpunt's, so
not offered to her), safety signals resolved with the five afwegingen, and the phase moved with a reason — phase 6
refused next to the field while a signal is open. Everyone who is not the regisseur gets 403."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.audit import Channel
from eenplan.domain.household import Phase
from eenplan.domain.veiligheid import Soort

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"
MARKER = "STAGNATIE-TOELICHTING-7781"
AFWEGINGEN = ("huiselijk_geweld", "acute_onveiligheid", "hulp_mogelijk", "medewerking", "duurzame_veiligheid")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about stagnatie and veiligheid (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/stagnatie"


async def open_case(services, demo) -> str:
    case = await services.stagnatie.open(
        regisseur(demo),
        demo["household"]["id"],
        doel_id="school",
        actie_id="mentor",
        betrokkene_id=None,
        organisatie="Jeugdteam",
        toelichting=MARKER,
    )
    return str(case["id"])


async def case_of(services, demo, cid: str) -> dict:
    return await services.stagnatie.get(regisseur(demo), demo["household"]["id"], cid)


async def test_the_ladder_shows_step_who_outcome_and_deadlines_and_logs_on_web(client, services, demo, capsys, clock):
    cid = await open_case(services, demo)
    clock.advance(timedelta(days=10))  # past the five werkdagen of step 1
    await sign_in(client, capsys, SANNE)
    resp = await client.get(base(demo))
    text = await resp.text()
    assert resp.status == 200, text
    assert "stap 1 van 4" in text and "(termijn verstreken)" in text and MARKER in text
    assert "casusregisseur en de betrokken professional (bilateraal)" in text
    assert "nieuwe afspraken" in text and "<strong>verstreken</strong>" in text
    async with services.overleggen._uow() as uow:
        entries = await uow.access_log.entries(demo["household"]["id"], limit=100)
    assert any(e.channel is Channel.WEB and cid in e.detail for _, e in entries), [e.detail for _, e in entries]


async def test_escalate_record_the_outcome_and_commit_through_the_page(client, services, demo, capsys):
    cid = await open_case(services, demo)
    await sign_in(client, capsys, SANNE)
    case = f"{base(demo)}/zaken/{cid}"
    resp = await client.post(
        case + "/escaleren", data={"csrf": await csrf_of(client, base(demo))}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    assert (await case_of(services, demo, cid))["step"] == 2
    page = await (await client.get(base(demo))).text()
    assert "Intern plan van aanpak gemaakt: op welke datum" in page
    too_late = "2000-01-01"
    resp = await client.post(
        case + "/uitkomst", data={"csrf": await csrf_of(client, base(demo)), "soort": "intern_plan", "datum": too_late}
    )
    text = await resp.text()
    assert (
        resp.status == 422
        and f'id="zaak-{cid}-datum-fout"' in text
        and "tussen de start van de stap en vandaag" in text
    )
    resp = await client.post(
        case + "/uitkomst",
        data={"csrf": await csrf_of(client, base(demo)), "soort": "intern_plan", "datum": ""},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    assert (await case_of(services, demo, cid))["steps"][1]["intern_plan_on"]
    resp = await client.post(
        case + "/commitment", data={"csrf": await csrf_of(client, base(demo)), "afspraken": "", "versie": "1"}
    )
    assert resp.status == 422 and "Schrijf de nieuwe afspraken op." in await resp.text()
    resp = await client.post(
        case + "/commitment",
        data={"csrf": await csrf_of(client, base(demo)), "afspraken": "Mentor belt elke week", "versie": "1"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    assert (await case_of(services, demo, cid))["status"] == "opgelost"
    resp = await client.post(case + "/escaleren", data={"csrf": await csrf_of(client, base(demo))})
    assert resp.status == 422 and "al opgelost" in await resp.text()


async def test_afschalen_is_the_aanspreekpunts_so_the_regisseurs_page_has_no_post_for_it(
    client, services, demo, capsys
):
    cid = await open_case(services, demo)
    await sign_in(client, capsys, SANNE)
    resp = await client.post(
        f"{base(demo)}/zaken/{cid}/afschalen", data={"csrf": await csrf_of(client, base(demo)), "zeker": "ja"}
    )
    assert resp.status == 404  # handing back is on the aanspreekpunt's escalatie page only
    assert (await case_of(services, demo, cid))["status"] == "open"


async def test_a_signal_blocks_phase_6_next_to_the_field_until_resolved_with_the_five_afwegingen(
    client, services, demo, capsys
):
    hid = demo["household"]["id"]
    for to in (Phase.INTAKE, Phase.STARTOVERLEG, Phase.VOORTGANG):
        await services.households.change_phase(regisseur(demo), hid, to, None)
    await sign_in(client, capsys, SANNE)
    resp = await client.post(
        base(demo) + "/signalen",
        data={"csrf": await csrf_of(client, base(demo)), "soort": "onveiligheid", "toelichting": "Zorg om Youssef"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    (signal,) = await services.veiligheid.signals(regisseur(demo), hid)
    resp = await client.post(
        base(demo) + "/fase", data={"csrf": await csrf_of(client, base(demo)), "naar": "6", "reden": "Klaar"}
    )
    text = await resp.text()
    assert resp.status == 422 and 'id="fase-naar-fout"' in text and "er staat nog een veiligheidssignaal open" in text
    assert (await services.households.get(regisseur(demo), hid)).phase is Phase.VOORTGANG
    sid = signal["id"]
    half = dict.fromkeys(AFWEGINGEN[:4], "Ja, besproken")
    resp = await client.post(
        f"{base(demo)}/signalen/{sid}/afhandelen",
        data={"csrf": await csrf_of(client, base(demo)), "besluit": "hulp", **half},
    )
    text = await resp.text()
    assert resp.status == 422 and f'id="signaal-{sid}-duurzame_veiligheid-fout"' in text
    resp = await client.post(
        f"{base(demo)}/signalen/{sid}/afhandelen",
        data={"csrf": await csrf_of(client, base(demo)), "besluit": "hulp", **half, "duurzame_veiligheid": "Ja"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    resp = await client.post(
        base(demo) + "/fase",
        data={"csrf": await csrf_of(client, base(demo)), "naar": "6", "reden": "Klaar"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    household = await services.households.get(regisseur(demo), hid)
    assert household.phase is Phase.AFSLUITEN
    (change,) = [
        c for c in await services.households.phase_history(regisseur(demo), hid) if c.to_phase is Phase.AFSLUITEN
    ]
    assert change.reason == "Klaar"


async def test_a_phase_the_method_does_not_allow_names_the_allowed_ones(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.post(base(demo) + "/fase", data={"csrf": await csrf_of(client, base(demo)), "naar": "5"})
    text = await resp.text()
    assert resp.status == 422 and "kan het huishouden naar: Intake, Afsluiten." in text, re.findall(
        "fout.{0,300}", text
    )


@pytest.mark.parametrize("email", [FATIMA, KHADIJA, "j.willems@shv.example.org"])
async def test_everyone_but_the_regisseur_gets_403(client, services, demo, capsys, email):
    cid = await open_case(services, demo)
    await sign_in(client, capsys, email)
    resp = await client.get(base(demo))
    assert resp.status == 403 and MARKER not in await resp.text()
    token = await csrf_of(client, "/huishoudens")
    for path in (f"{base(demo)}/zaken/{cid}/escaleren", f"{base(demo)}/fase"):
        resp = await client.post(path, data={"csrf": token, "naar": "2"})
        assert resp.status == 403, (path, resp.status)
    assert (await case_of(services, demo, cid))["step"] == 1
    assert (await services.households.get(regisseur(demo), demo["household"]["id"])).phase is Phase.AANMELDING


async def test_signals_raised_with_an_unknown_kind_are_refused(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.post(base(demo) + "/signalen", data={"csrf": await csrf_of(client, base(demo)), "soort": "x"})
    assert resp.status == 422 and 'id="nieuw-signaal-soort-fout"' in await resp.text()
    assert not await services.veiligheid.signals(regisseur(demo), demo["household"]["id"])
    assert Soort.ONVEILIGHEID.value == "onveiligheid"


async def test_the_household_menu_offers_the_regie_pages_to_the_regisseur_only(client, demo, capsys):
    hid = demo["household"]["id"]
    links = (f'href="/huishoudens/{hid}/regie/overleggen"', f'href="/huishoudens/{hid}/regie/stagnatie"')
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(f"/huishoudens/{hid}")).text()
    assert all(link in text for link in links), text
    await client.post("/uitloggen", data={"csrf": await csrf_of(client, "/huishoudens")})
    client.session.cookie_jar.clear()
    await sign_in(client, capsys, FATIMA)
    text = await (await client.get(f"/huishoudens/{hid}")).text()
    assert "Onze overleggen" in text and not any(link in text for link in links)


async def test_a_case_opened_on_the_page_names_a_goal_of_the_plan(client, services, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    assert '<option value="school|mentor">' in page, page
    token = await csrf_of(client, base(demo))
    resp = await client.post(base(demo) + "/zaken", data={"csrf": token, "doel": "", "organisatie": "Jeugdteam"})
    assert resp.status == 422 and 'id="zaak-nieuw-doel-fout"' in await resp.text()
    resp = await client.post(base(demo) + "/zaken", data={"csrf": token, "doel": "school|mentor"})
    assert resp.status == 422 and 'id="zaak-nieuw-met-fout"' in await resp.text()
    assert not await services.stagnatie.list(regisseur(demo), hid)
    joost = demo["by_name"]["Joost Willems"]["id"]
    resp = await client.post(
        base(demo) + "/zaken",
        data={"csrf": token, "doel": "school|mentor", "met": joost, "toelichting": MARKER},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    (case,) = await services.stagnatie.list(regisseur(demo), hid)
    assert (case["doel_id"], case["actie_id"], case["betrokkene_id"], case["step"]) == ("school", "mentor", joost, 1)
