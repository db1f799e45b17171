"""A refused form on the stagnatie pages comes back with what the person typed: the regisseur's new case, a step's
outcome, the new afspraken, a safety signal raised or resolved, the phase move (all 422, the error named at the
field, nothing written); and on the aanspreekpunt's escalatie page the new afspraken. Nothing typed travels in
the address."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan.domain.household import Phase
from eenplan.domain.veiligheid import Soort
from eenplan_crypto.testing import create_keys

SANNE = "sanne.devries@example.org"
TYPED = "Jeugdteam belde niet terug & de mentor is ziek"
AFWEGINGEN = ("huiselijk_geweld", "acute_onveiligheid", "hulp_mogelijk", "medewerking", "duurzame_veiligheid")


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


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/stagnatie"


def textarea(page: str, field_id: str) -> str:
    """What a textarea holds, as the browser shows it."""
    found = re.search(rf'<textarea[^>]*id="{re.escape(field_id)}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {field_id}"
    return html.unescape(found.group(1))


def value_of(page: str, field_id: str) -> str:
    """The value an input holds."""
    found = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', page)
    assert found, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


async def refused(resp, error_id: str) -> str:
    """The page of a refused form: 422, the error next to its field, and nothing typed in the address."""
    text = await resp.text()
    assert resp.status == 422, text
    assert f'id="{error_id}"' in text, re.findall(r'id="[^"]*-fout"', text)
    assert not resp.url.query_string  # the page came back to the post itself, not through an address with text
    return text


async def open_case(services, demo) -> str:
    case = await services.stagnatie.open(
        regisseur(demo),
        demo["household"]["id"],
        doel_id="school",
        actie_id="mentor",
        betrokkene_id=None,
        organisatie="Jeugdteam",
        toelichting="",
    )
    return str(case["id"])


async def test_a_new_case_keeps_goal_professional_organisation_and_text(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    token = await csrf_of(client, base(demo))
    data = {"csrf": token, "doel": "", "organisatie": "Jeugdteam Zuid", "toelichting": TYPED}
    page = await refused(await client.post(base(demo) + "/zaken", data=data), "zaak-nieuw-doel-fout")
    assert textarea(page, "zaak-nieuw-toelichting") == TYPED
    assert value_of(page, "zaak-nieuw-organisatie") == "Jeugdteam Zuid"
    joost = demo["by_name"]["Joost Willems"]["id"]
    data = {"csrf": token, "doel": "school|geen-actie", "met": joost, "toelichting": TYPED}  # not an action of it
    page = await refused(await client.post(base(demo) + "/zaken", data=data), "zaak-nieuw-doel-fout")
    assert textarea(page, "zaak-nieuw-toelichting") == TYPED
    assert re.search(rf'<option value="{joost}" selected>', page), "the professional is still chosen"
    page = await refused(
        await client.post(base(demo) + "/zaken", data={"csrf": token, "doel": "school|mentor", "toelichting": TYPED}),
        "zaak-nieuw-met-fout",
    )
    assert '<option value="school|mentor" selected>' in page and textarea(page, "zaak-nieuw-toelichting") == TYPED
    assert not await services.stagnatie.list(regisseur(demo), demo["household"]["id"])


async def test_an_outcome_and_new_afspraken_keep_what_was_typed(client, services, demo, capsys):
    cid = await open_case(services, demo)
    await services.stagnatie.escalate(regisseur(demo), demo["household"]["id"], cid)  # step 2: the internal plan
    await sign_in(client, capsys, SANNE)
    case = f"{base(demo)}/zaken/{cid}"
    token = await csrf_of(client, base(demo))
    data = {"csrf": token, "soort": "intern_plan", "datum": "2000-01-01"}
    page = await refused(await client.post(case + "/uitkomst", data=data), f"zaak-{cid}-datum-fout")
    assert value_of(page, f"zaak-{cid}-datum") == "2000-01-01"
    data = {"csrf": token, "afspraken": TYPED, "versie": "99"}
    page = await refused(await client.post(case + "/commitment", data=data), f"zaak-{cid}-versie-fout")
    assert textarea(page, f"zaak-{cid}-afspraken") == TYPED and value_of(page, f"zaak-{cid}-versie") == "99"
    step = (await services.stagnatie.get(regisseur(demo), demo["household"]["id"], cid))["steps"][1]
    assert step["intern_plan_on"] is None and step["afspraken"] is None  # nothing written


async def test_a_safety_signal_and_the_phase_keep_what_was_typed(client, services, demo, capsys):
    hid = demo["household"]["id"]
    for to in (Phase.INTAKE, Phase.STARTOVERLEG, Phase.VOORTGANG):
        await services.households.change_phase(regisseur(demo), hid, to, None)
    await sign_in(client, capsys, SANNE)
    token = await csrf_of(client, base(demo))
    data = {"csrf": token, "soort": "", "toelichting": TYPED}
    page = await refused(await client.post(base(demo) + "/signalen", data=data), "nieuw-signaal-soort-fout")
    assert textarea(page, "nieuw-signaal-toelichting") == TYPED
    signal = await services.veiligheid.raise_signal(regisseur(demo), hid, Soort.ONVEILIGHEID, "")
    sid = signal["id"]
    answers = {k: f"Antwoord {i}: {TYPED}" for i, k in enumerate(AFWEGINGEN[:4])}
    data = {"csrf": token, "besluit": "hulp", **answers}
    page = await refused(
        await client.post(f"{base(demo)}/signalen/{sid}/afhandelen", data=data),
        f"signaal-{sid}-duurzame_veiligheid-fout",
    )
    assert all(textarea(page, f"signaal-{sid}-{k}") == v for k, v in answers.items())
    assert re.search(rf'id="signaal-{sid}-besluit-hulp" name="besluit" value="hulp" checked', page)
    data = {"csrf": token, "naar": "6", "reden": "Alle doelen gehaald"}
    page = await refused(await client.post(base(demo) + "/fase", data=data), "fase-naar-fout")
    assert value_of(page, "fase-reden") == "Alle doelen gehaald"
    assert '<option value="6" selected>' in page
    assert (await services.households.get(regisseur(demo), hid)).phase is Phase.VOORTGANG


async def test_the_aanspreekpunts_new_afspraken_keep_what_was_typed(client, services, demo, capsys, ap_key):
    _, cid, _ap = await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, AP_EMAIL)
    page_path = f"/huishoudens/{demo['household']['id']}/escalatie"
    data = {"csrf": await csrf_of(client, page_path), "afspraken": TYPED, "versie": "99"}
    page = await refused(await client.post(f"{page_path}/zaken/{cid}/commitment", data=data), f"zaak-{cid}-versie-fout")
    assert textarea(page, f"zaak-{cid}-afspraken") == TYPED and value_of(page, f"zaak-{cid}-versie") == "99"
