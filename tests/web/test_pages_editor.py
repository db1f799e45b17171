"""The plan editor page (issue 13 item 2): one action at a time, Dutch errors next to the field, concurrent
changes merged or shown side by side, and only for a regisseur."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.editor_kit import SANNE, editor, oma, plan_of
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.audit import Channel

FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the editor, not the sign-in."""
    return dataclasses.replace(settings, second_factor="off")


async def _post(client, demo, path: str, data: dict):
    csrf = await csrf_of(client, editor(demo))
    return await client.post(editor(demo) + path, data={"csrf": csrf, **data}, allow_redirects=False)


ACTIE = {"wat": "Youssef ophalen na school", "start": "2026-12-07", "einde": "2026-12-21", "evaluatie": "Na 2 weken"}


async def test_the_editor_offers_wie_by_name_and_date_inputs(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get(editor(demo))
    text = await resp.text()
    assert resp.status == 200
    assert f'<option value="{oma(demo)}">Khadija El Amrani</option>' in text
    assert 'id="nieuwe-actie-school-start" name="start" type="date"' in text
    assert 'name="versie" value="2"' in text
    assert "Versie 2 vaststellen" in text
    start = await (await client.get(f"/huishoudens/{demo['household']['id']}")).text()
    assert "/plan/bewerken" in start  # the regisseur is offered the editor


async def test_add_one_action_for_the_grandmother_leaves_the_other_goals(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    before = await plan_of(services, demo)
    resp = await _post(client, demo, "/doelen/school/acties", {"versie": "2", "wie": oma(demo), **ACTIE})
    assert resp.status == 303 and "gelukt=opgeslagen" in resp.headers["Location"]
    after = await plan_of(services, demo)
    assert after["version"] == 3
    assert after["doelen"][0] == before["doelen"][0]
    added = after["doelen"][1]["acties"][-1]
    assert added["wie"] == oma(demo) and added["wat"] == ACTIE["wat"] and added["einde"] == "2026-12-21"
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Uw wijziging is opgeslagen." in page and "Youssef ophalen na school" in page


async def test_errors_are_dutch_next_to_the_field_and_nothing_is_written(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await _post(
        client, demo, "/doelen/school/acties", {"versie": "2", "wie": "", **ACTIE, "wat": "", "einde": "2026-12-01"}
    )
    assert resp.status == 422
    text = await resp.text()
    assert re.search(r'id="nieuwe-actie-school-wie-fout">Kies iemand uit de lijst.<', text)
    assert re.search(r'id="nieuwe-actie-school-wat-fout">Vul dit in.<', text)
    assert 'aria-describedby="nieuwe-actie-school-wie-fout"' in text
    assert "<details open>" in text  # the form with the errors stays open, with what was entered
    assert 'value="2026-12-07"' in text
    assert (await plan_of(services, demo))["version"] == 2
    dates = await _post(
        client, demo, "/doelen/school/acties", {"versie": "2", "wie": oma(demo), **ACTIE, "einde": "2026-12-01"}
    )
    assert dates.status == 422
    assert re.search(r'id="nieuwe-actie-school-einde-fout">De einddatum ligt voor de begindatum', await dates.text())
    assert (await plan_of(services, demo))["version"] == 2


async def test_concurrent_edits_of_different_items_are_both_kept(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    first = await _post(
        client, demo, "/doelen/school/acties/mentor", {"versie": "2", **_mentor(demo), "evaluatie": "Na 4 weken"}
    )
    assert first.status == 303
    second = await _post(client, demo, "/doelen/school/acties", {"versie": "2", "wie": oma(demo), **ACTIE})
    assert second.status == 303 and "gelukt=samengevoegd" in second.headers["Location"]
    page = await (await client.get(second.headers["Location"])).text()
    assert "Beide wijzigingen staan nu in het plan." in page
    goal = (await plan_of(services, demo))["doelen"][1]
    assert goal["acties"][0]["evaluatie"] == "Na 4 weken" and goal["acties"][1]["wie"] == oma(demo)


def _form_with(text: str, button: str) -> tuple[str, str]:
    """The action and body of the form on a page whose button says `button`."""
    for action, body in re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', text, re.S):
        if button in body:
            return action, body
    raise AssertionError(f"no form with {button}")


def _mentor(demo) -> dict:
    return {
        "wie": demo["by_name"]["Inge Bakker"]["id"],
        "wat": "Gesprek met mentor en Youssef",
        "start": "2026-12-04",
        "einde": "2026-12-22",
        "evaluatie": "Verzuimcijfers na 3 weken",
    }


async def test_the_same_item_changed_twice_shows_both_versions_and_keeping_mine_works(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    theirs = await _post(
        client, demo, "/doelen/school/acties/mentor", {"versie": "2", **_mentor(demo), "wat": "Gesprek met de mentor"}
    )
    assert theirs.status == 303
    mine = await _post(
        client,
        demo,
        "/doelen/school/acties/mentor",
        {"versie": "2", **_mentor(demo), "wat": "Gesprek met oma en mentor"},
    )
    assert mine.status == 409
    text = await mine.text()
    assert "Mijn versie" in text and "De andere versie" in text
    assert "Gesprek met oma en mentor" in text and "Gesprek met de mentor" in text
    assert "Mijn versie bewaren" in text and "De andere versie houden" in text
    assert (await plan_of(services, demo))["doelen"][1]["acties"][0]["wat"] == "Gesprek met de mentor"  # nothing yet
    action, form = _form_with(text, "Mijn versie bewaren")
    keep = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form))
    assert keep["versie"] == "3" and keep["wat"] == "Gesprek met oma en mentor"
    kept = await client.post(action, data=keep, allow_redirects=False)
    assert kept.status == 303
    assert (await plan_of(services, demo))["doelen"][1]["acties"][0]["wat"] == "Gesprek met oma en mentor"


async def test_the_conflict_view_read_is_logged_on_the_web(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    await _post(
        client, demo, "/afspraken/" + (await plan_of(services, demo))["afspraken"][0]["id"], {"versie": "2", "wat": "A"}
    )
    aid = (await plan_of(services, demo))["afspraken"][0]["id"]
    seen: list = []
    original = services.plan.record

    async def spy(events):
        seen.extend(events)
        await original(events)

    services.plan.record = spy
    try:
        resp = await _post(client, demo, f"/afspraken/{aid}/verwijderen", {"versie": "2"})
    finally:
        services.plan.record = original
    assert resp.status == 409 and "De andere versie" in await resp.text()
    assert any(e.channel is Channel.WEB and e.sections == ("afspraken",) for e in seen)
    # one section seen is not a visit of the whole version ("since your last visit" counts "versie N" reads)
    assert not [e for e in seen if e.detail.startswith("versie ")], [e.detail for e in seen]
    assert len((await plan_of(services, demo))["afspraken"]) == 1


async def test_text_section_and_vaststellen(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await _post(
        client, demo, "/delen/analyse", {"versie": "2", "analyse": "Nieuw", "gewenst_perspectief": "Rust"}
    )
    assert resp.status == 303
    assert (await plan_of(services, demo))["analyse"] == {"analyse": "Nieuw", "gewenst_perspectief": "Rust"}
    stale = await _post(client, demo, "/delen/analyse", {"versie": "2", "analyse": "Anders", "gewenst_perspectief": ""})
    assert stale.status == 409 and "Mijn versie bewaren" in await stale.text()
    unchosen = await _post(client, demo, "/vaststellen", {"versie": "3"})  # no default choice (review, issue 13)
    text = await unchosen.text()
    assert unchosen.status == 422 and 'id="vaststellen-overleg-fout"' in text and "Kies bij welk overleg" in text
    assert '<option value="">Kies een overleg</option>' in text and '<option value="geen">Niet bij een overleg' in text
    adopt = await _post(client, demo, "/vaststellen", {"versie": "3", "overleg": "geen"})
    assert adopt.status == 303
    text = await (await client.get(adopt.headers["Location"])).text()
    assert "Deze versie van het plan is vastgesteld." in text and "Versie 3 is vastgesteld op" in text


async def test_who_is_not_regisseur_gets_403_and_no_menu_entry(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    resp = await client.get(editor(demo))
    assert resp.status == 403 and "Geen toegang" in await resp.text()
    csrf = await csrf_of(client, f"/huishoudens/{demo['household']['id']}")
    post = await client.post(
        editor(demo) + "/doelen/school/acties",
        data={"csrf": csrf, "versie": "2", "wie": oma(demo), **ACTIE},
        allow_redirects=False,
    )
    assert post.status == 403
    assert (await plan_of(services, demo))["version"] == 2
    start = await (await client.get(f"/huishoudens/{demo['household']['id']}")).text()
    assert "/plan/bewerken" not in start
