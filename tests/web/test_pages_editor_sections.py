"""The plan editor's forms for krachten en zorgen, voorzieningen and the veiligheidsplan (issue 13 item 2): each
is one form over the same service path as the text sections, with the version it was based on; a refused value
is shown in Dutch next to its row's field and nothing is written; a concurrent change shows both versions; the
klant's signature under the veiligheidsplan stays."""

from __future__ import annotations

import dataclasses
import json

import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal

SANNE = "sanne.devries@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the editor, not the sign-in."""
    return dataclasses.replace(settings, second_factor="off")


def _editor(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/plan/bewerken"


def _id(demo, name: str) -> str:
    return demo["by_name"][name]["id"]


async def _plan(services, demo) -> dict:
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    snap = await services.plan.current(me, demo["household"]["id"])
    return {"version": snap.info.number, **{k: json.loads(v) for k, v in snap.sections.items()}}


async def _post(client, demo, key: str, data: dict):
    csrf = await csrf_of(client, _editor(demo))
    return await client.post(f"{_editor(demo)}/delen/{key}", data={"csrf": csrf, **data}, allow_redirects=False)


async def test_the_editor_shows_each_row_as_fields_and_one_empty_row(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(_editor(demo))).text()
    for key in ("krachten_zorgen", "voorzieningen", "veiligheidsplan"):
        assert f'action="{_editor(demo)}/delen/{key}"' in text
    assert 'id="deel-krachten_zorgen-leefgebied-0" name="leefgebied-0"' in text
    assert '<option value="inkomen_financien" selected>Inkomen en financiën</option>' in text
    assert "Wil de schulden aanpakken</textarea>" in text
    assert 'id="deel-krachten_zorgen-leefgebied-2"' in text  # the demo's two rows and one to add
    assert 'name="rijen" value="3"' in text and 'name="rijen" value="2"' in text
    assert 'id="deel-voorzieningen-voorziening-0" name="voorziening-0" type="text" value="Schuldhulpverlening"' in text
    assert 'id="deel-veiligheidsplan-score-0" name="score-0" type="number"' in text


async def test_krachten_zorgen_change_one_row_remove_another_add_one(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    fatima, youssef = _id(demo, "Fatima El Amrani"), _id(demo, "Youssef El Amrani")
    resp = await _post(
        client,
        demo,
        "krachten_zorgen",
        {
            "versie": "2",
            "rijen": "3",
            "leefgebied-0": "inkomen_financien",
            "betrokkene_id-0": fatima,
            "krachten-0": "Wil de schulden aanpakken\nHoudt een kasboek bij",
            "zorgen-0": "Achterstand huur",
            # row 1 left wholly empty: removed
            "leefgebied-2": "wonen",
            "betrokkene_id-2": "",
            "krachten-2": "",
            "zorgen-2": "Huis te klein",
        },
    )
    assert resp.status == 303, await resp.text()
    plan = await _plan(services, demo)
    assert plan["version"] == 3
    assert plan["krachten_zorgen"] == [
        {
            "leefgebied": "inkomen_financien",
            "betrokkene_id": fatima,
            "krachten": ["Wil de schulden aanpakken", "Houdt een kasboek bij"],
            "zorgen": ["Achterstand huur"],
        },
        {"leefgebied": "wonen", "betrokkene_id": None, "krachten": [], "zorgen": ["Huis te klein"]},
    ]
    assert youssef not in json.dumps(plan["krachten_zorgen"])
    assert len(plan["doelen"]) >= 1 and plan["voorzieningen"]  # the other sections are untouched


async def test_a_refused_field_is_named_in_dutch_next_to_its_row_and_nothing_is_written(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await _post(
        client,
        demo,
        "voorzieningen",
        {
            "versie": "2",
            "rijen": "2",
            "voorziening-0": "Schuldhulpverlening",
            "status-0": "toegekend",
            "voorziening-1": "",
            "toelichting-1": "Een toelichting zonder voorziening",
            "status-1": "gevraagd",
        },
    )
    text = await resp.text()
    assert resp.status == 422, text
    assert 'id="deel-voorzieningen-voorziening-1-fout">Vul dit in.</p>' in text
    assert 'aria-describedby="deel-voorzieningen-voorziening-1-fout"' in text
    assert "Een toelichting zonder voorziening</textarea>" in text  # what was typed stays
    assert (await _plan(services, demo))["version"] == 2
    resp = await _post(
        client,
        demo,
        "veiligheidsplan",
        {"versie": "2", "rijen": "1", "betrokkene_id-0": _id(demo, "Fatima El Amrani"), "score-0": "elf"},
    )
    text = await resp.text()
    assert resp.status == 422
    assert 'id="deel-veiligheidsplan-score-0-fout">Vul een getal van 0 tot en met 10 in.' in text
    assert 'id="deel-veiligheidsplan-datum-0-fout"' in text
    assert (await _plan(services, demo))["version"] == 2


async def test_veiligheidsplan_saved_keeps_the_signature_and_a_stale_form_shows_both(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    fatima = _id(demo, "Fatima El Amrani")
    form = {
        "versie": "2",
        "rijen": "2",
        "krachten": "Oma is dichtbij",
        "zorgen": "Ruzie thuis",
        "veiligheidsafspraken": "Youssef belt oma bij ruzie\nGeen alcohol in huis",
        "betrokkene_id-0": fatima,
        "score-0": "6",
        "datum-0": "2026-11-30",
    }
    assert (await _post(client, demo, "veiligheidsplan", form)).status == 303
    plan = await _plan(services, demo)
    vp = plan["veiligheidsplan"]
    assert vp["veiligheidsafspraken"] == ["Youssef belt oma bij ruzie", "Geen alcohol in huis"]
    assert vp["schaalscores"] == [{"betrokkene_id": fatima, "score": 6, "datum": "2026-11-30"}]
    # the klant signs (her own act); the editor sends it back, and a change of the text drops it (she signed the
    # old text), which the form says beforehand
    signed = await services.veiligheid.sign(Principal(fatima, demo["household"]["id"]), demo["household"]["id"])
    text = await (await client.get(_editor(demo))).text()
    assert "Ondertekend door Fatima El Amrani" in text and "Dan vervalt de handtekening" in text
    same = await _post(client, demo, "veiligheidsplan", {**form, "versie": "4"})
    assert same.status == 303, await same.text()
    assert (await _plan(services, demo))["veiligheidsplan"]["handtekening"] == signed["handtekening"]
    version = (await _plan(services, demo))["version"]
    again = await _post(client, demo, "veiligheidsplan", {**form, "versie": str(version), "doelencheck": "Ja"})
    assert again.status == 303, await again.text()
    vp = (await _plan(services, demo))["veiligheidsplan"]
    assert vp["handtekening"] is None and vp["doelencheck"] == "Ja"
    # a form based on an older version: both versions, nothing written until one is chosen
    now = (await _plan(services, demo))["version"]
    stale = await _post(client, demo, "veiligheidsplan", {**form, "versie": "3", "zorgen": "Andere zorg"})
    text = await stale.text()
    assert stale.status == 409 and "Mijn versie bewaren" in text and "Andere zorg" in text and "Ja" in text
    assert f'name="versie" value="{now}"' in text and 'name="zorgen" value="Andere zorg"' in text
    assert (await _plan(services, demo))["version"] == now
    keep = await client.post(
        f"{_editor(demo)}/delen/veiligheidsplan",
        data={"csrf": await csrf_of(client, _editor(demo)), **form, "versie": str(now), "zorgen": "Andere zorg"},
        allow_redirects=False,
    )
    assert keep.status == 303
    assert (await _plan(services, demo))["veiligheidsplan"]["zorgen"] == ["Andere zorg"]


async def test_who_is_not_regisseur_cannot_save_a_section_of_rows(client, services, demo, capsys):
    await sign_in(client, capsys, "fatima@example.org")
    csrf = await csrf_of(client, f"/huishoudens/{demo['household']['id']}")
    resp = await client.post(
        f"{_editor(demo)}/delen/voorzieningen",
        data={"csrf": csrf, "versie": "2", "rijen": "1", "voorziening-0": "Iets", "status-0": "gevraagd"},
    )
    assert resp.status == 403
    assert (await _plan(services, demo))["version"] == 2
