"""The editor's conflict page for a text section offers "Samenvoegen" (issue x5): both changes merged into one
text, from the version the form was based on (read through the plan service, so logged on the web), what
overlapped named by line in Dutch, saved as a normal change of the other's (the current) version — and a new
conflict, merged again, when the plan moved on once more."""

from __future__ import annotations

import dataclasses
import html
import json
import re

import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel, Event

SANNE = "sanne.devries@example.org"
ANALYSE = "Geldzorgen geven spanning thuis; Youssef trekt zich terug."
PERSPECTIEF = "Rust in de financiën en Youssef weer elke dag naar school."
TEXTAREA = re.compile(r'<textarea[^>]* id="samenvoegen-([a-z_]+)" name="[a-z_]+"[^>]*>\n(.*?)</textarea>', re.S)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the editor, not the sign-in."""
    return dataclasses.replace(settings, second_factor="off")


def _editor(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/plan/bewerken"


def _me(demo) -> Principal:
    return Principal(demo["regisseur"]["id"], demo["household"]["id"])


async def _plan(services, demo) -> dict:
    snap = await services.plan.current(_me(demo), demo["household"]["id"])
    return {"version": snap.info.number, **{k: json.loads(v) for k, v in snap.sections.items()}}


async def _someone_else_saves(services, demo, base: int, analyse: dict) -> None:
    """Another tab (or another regisseur) saves the analysis first."""
    await services.plan.change(_me(demo), demo["household"]["id"], base, {"analyse": analyse})


async def _post(client, demo, data: dict):
    csrf = await csrf_of(client, _editor(demo))
    return await client.post(f"{_editor(demo)}/delen/analyse", data={"csrf": csrf, **data}, allow_redirects=False)


def _merge_form(text: str) -> dict[str, str]:
    """What the "Samenvoegen" form would send as it is shown (its version, and each textarea's text)."""
    form = text.split('aria-labelledby="samenvoegen">', 1)[1].split("</form>", 1)[0]
    versie = re.search(r'name="versie" value="(\d+)"', form)
    found = {"versie": versie.group(1)} if versie else {}
    found.update({name: html.unescape(value) for name, value in TEXTAREA.findall(form)})
    return found


async def test_changes_to_different_fields_are_merged_and_saved_against_the_other_version(
    client, services, demo, capsys
):
    await sign_in(client, capsys, SANNE)
    await _someone_else_saves(
        services, demo, 2, {"analyse": ANALYSE + "\nDe huur is achter.", "gewenst_perspectief": PERSPECTIEF}
    )
    mine = {"versie": "2", "analyse": ANALYSE, "gewenst_perspectief": PERSPECTIEF + "\nFatima werkt weer."}
    resp = await _post(client, demo, mine)
    text = await resp.text()
    assert resp.status == 409
    assert '<h2 class="utrecht-heading-2" id="samenvoegen">Samenvoegen</h2>' in text
    assert "U en de ander veranderden verschillende stukken." in text
    assert "let-op" not in text  # nothing to check by hand
    form = _merge_form(text)
    assert form == {
        "versie": "3",
        "analyse": ANALYSE + "\nDe huur is achter.",
        "gewenst_perspectief": PERSPECTIEF + "\nFatima werkt weer.",
    }
    assert (await _plan(services, demo))["version"] == 3  # nothing written yet

    saved = await _post(client, demo, form)
    assert saved.status == 303, await saved.text()
    plan = await _plan(services, demo)
    assert plan["version"] == 4
    assert plan["analyse"] == {
        "analyse": ANALYSE + "\nDe huur is achter.",
        "gewenst_perspectief": PERSPECTIEF + "\nFatima werkt weer.",
    }


async def test_the_same_part_changed_by_both_keeps_both_texts_and_names_the_lines(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    await _someone_else_saves(
        services, demo, 2, {"analyse": "Schulden geven veel spanning.", "gewenst_perspectief": PERSPECTIEF}
    )
    resp = await _post(client, demo, {"versie": "2", "analyse": "Geld geeft ruzie.", "gewenst_perspectief": ""})
    text = await resp.text()
    assert resp.status == 409
    form = _merge_form(text)
    assert form["analyse"] == "Schulden geven veel spanning.\nGeld geeft ruzie."  # theirs, then mine
    assert form["gewenst_perspectief"] == ""  # I emptied what they left as it was
    assert (
        "U en de ander veranderden hetzelfde stuk. Daarom staan beide teksten er: eerst die van de ander "
        "(regel 1), dan die van u (regel 2). Haal weg wat niet moet blijven."
    ) in text
    assert 'id="samenvoegen-analyse-let-op"' in text and 'aria-describedby="samenvoegen-analyse-let-op"' in text
    assert "Op sommige plaatsen veranderden u en de ander hetzelfde stuk." in text
    assert "Mijn versie bewaren" in text and "De andere versie houden" in text  # the two ways on stay


async def test_the_base_version_is_read_through_the_plan_service_and_logged_on_the_web(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    await _someone_else_saves(services, demo, 2, {"analyse": "Anders.", "gewenst_perspectief": PERSPECTIEF})
    async with services.plan._uow() as uow:
        before = len(await uow.access_log.entries(demo["household"]["id"], limit=500))
    assert (
        await _post(client, demo, {"versie": "2", "analyse": "Ook anders.", "gewenst_perspectief": ""})
    ).status == 409
    async with services.plan._uow() as uow:
        entries = [e for _, e in await uow.access_log.entries(demo["household"]["id"], limit=500)]
    new = entries[: len(entries) - before]
    mine = [e for e in new if e.actor_id == demo["regisseur"]["id"] and e.channel is Channel.WEB]
    assert any(e.event is Event.READ and e.detail == "versie 2" and "analyse" in e.sections for e in mine)


async def test_a_merge_saved_after_the_plan_moved_again_is_a_new_conflict_merged_anew(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    await _someone_else_saves(services, demo, 2, {"analyse": ANALYSE + "\nEen.", "gewenst_perspectief": PERSPECTIEF})
    resp = await _post(
        client, demo, {"versie": "2", "analyse": "Twee.\n" + ANALYSE, "gewenst_perspectief": PERSPECTIEF}
    )
    form = _merge_form(await resp.text())
    assert form["versie"] == "3" and form["analyse"] == "Twee.\n" + ANALYSE + "\nEen."
    await _someone_else_saves(
        services, demo, 3, {"analyse": ANALYSE + "\nEen.", "gewenst_perspectief": PERSPECTIEF + " Drie."}
    )
    again = await _post(client, demo, form)
    text = await again.text()
    assert again.status == 409
    second = _merge_form(text)
    assert second == {
        "versie": "4",
        "analyse": "Twee.\n" + ANALYSE + "\nEen.",
        "gewenst_perspectief": PERSPECTIEF + " Drie.",
    }
    assert (await _post(client, demo, second)).status == 303
    assert (await _plan(services, demo))["analyse"] == {
        "analyse": "Twee.\n" + ANALYSE + "\nEen.",
        "gewenst_perspectief": PERSPECTIEF + " Drie.",
    }


async def test_texts_too_long_to_merge_get_the_two_choices_without_samenvoegen(client, services, demo, capsys):
    """Merging is cubic in the worst case (many equal lines): past MAX_PARTS lines no merge is tried, so one form
    with thousands of equal lines cannot hold the server; the person still keeps hers or theirs."""
    from eenplan.domain.merge_text import MAX_PARTS

    await sign_in(client, capsys, SANNE)
    many = "a\n" * (MAX_PARTS + 1)
    await _someone_else_saves(services, demo, 2, {"analyse": "b\n" + many, "gewenst_perspectief": PERSPECTIEF})
    resp = await _post(client, demo, {"versie": "2", "analyse": many + "c", "gewenst_perspectief": PERSPECTIEF})
    text = await resp.text()
    assert resp.status == 409
    assert 'id="samenvoegen"' not in text
    assert "Mijn versie bewaren" in text
    assert (await _plan(services, demo))["version"] == 3  # nothing written


@pytest.mark.parametrize("versie", ["0", "99999999"])
async def test_a_form_naming_a_version_the_plan_does_not_have_is_told_to_reload_not_a_server_error(
    client, services, demo, capsys, versie
):
    await sign_in(client, capsys, SANNE)
    resp = await _post(client, demo, {"versie": versie, "analyse": ANALYSE, "gewenst_perspectief": PERSPECTIEF})
    text = await resp.text()
    assert resp.status == 422, text[:300]
    assert "Deze pagina hoort bij een versie van het plan die er niet is. Open de pagina opnieuw." in text
    assert ANALYSE in text  # what she typed is still there
    assert (await _plan(services, demo))["version"] == 2  # nothing written


async def test_a_list_section_form_naming_no_version_of_the_plan_is_told_to_reload(client, services, demo, capsys):
    await sign_in(client, capsys, SANNE)
    csrf = await csrf_of(client, _editor(demo))
    resp = await client.post(
        f"{_editor(demo)}/delen/voorzieningen", data={"csrf": csrf, "versie": "0"}, allow_redirects=False
    )
    assert resp.status == 422, (await resp.text())[:300]
    assert "Deze pagina hoort bij een versie van het plan die er niet is." in await resp.text()
    assert (await _plan(services, demo))["version"] == 2
