"""Issue 13 gaps on the pages: the plan's own deadlines (Termijnen van het plan, and on the werkbank), a regisseur
landing on the werkbank, must-attend for the next overleg on the betrokkenen page, vaststellen at an overleg."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from support.helpers import bearer
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def _home(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}"


async def _post(client, path: str, data: dict, csrf_path: str):
    csrf = await csrf_of(client, csrf_path)
    return await client.post(path, data={**data, "csrf": csrf}, allow_redirects=False)


async def _plan_overleg(client, demo, clock, days: int, invitees: list[dict]) -> str:
    day = (clock.today() + timedelta(days=days)).isoformat()
    body = {
        "type": "voortgangsoverleg",
        "start": f"{day}T10:00:00+01:00",
        "end": f"{day}T11:00:00+01:00",
        "invitees": invitees,
        "location": "Wijkcentrum",
    }
    hid = demo["household"]["id"]
    resp = await client.post(f"/api/households/{hid}/overleggen", json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_a_regisseur_lands_on_the_werkbank_others_on_their_households(client, demo, capsys):
    resp = await sign_in(client, capsys, SANNE)
    assert resp.headers["Location"] == "/werkbank"
    await client.post("/uitloggen", data={"csrf": await csrf_of(client, "/werkbank")})
    resp = await sign_in(client, capsys, FATIMA)
    assert resp.headers["Location"] == "/huishoudens"
    resp = await sign_in(client, capsys, SANNE, next_path=_home(demo) + "/plan")
    assert resp.headers["Location"] == _home(demo) + "/plan"  # where she was going still wins


async def test_a_request_recorded_on_the_page_shows_on_the_werkbank_and_overdue_later(client, demo, clock, capsys):
    await sign_in(client, capsys, SANNE)
    page = _home(demo) + "/regie/termijnen"
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    html = await (await client.get(page)).text()
    assert f'<option value="{fatima}">' in html
    assert f'<option value="{demo["by_name"]["Khadija El Amrani"]["id"]}">' not in html  # the network does not ask
    resp = await _post(client, page + "/gevraagd", {"wie": fatima, "datum": clock.today().isoformat()}, page)
    assert resp.status == 303 and resp.headers["Location"].startswith(page + "?gelukt=gevraagd")
    html = await (await client.get(page + "?gelukt=gevraagd")).text()
    assert "Het plan moet binnen 14 dagen op schrift staan." in html and 'data-state="open"' in html
    werkbank = await (await client.get("/werkbank")).text()
    assert 'data-deadline="binnenkort" data-kind="plan-op-schrift"' in werkbank
    clock.advance(days=15)
    await sign_in(client, capsys, SANNE)  # a new session: the first one has ended by now
    werkbank = await (await client.get("/werkbank")).text()
    assert 'data-deadline="te-laat" data-kind="plan-op-schrift"' in werkbank
    assert re.search(r"Plan op schrift zetten.*uiterlijk \w+dag \d+ \w+ 20\d\d", werkbank)


async def test_who_may_ask_is_named_with_a_role_and_the_regisseur_is_not_among_them(client, demo, capsys):
    """Review of issue 13: names without roles, and the regisseur herself in the list; werkbank wording."""
    await sign_in(client, capsys, SANNE)
    html = await (await client.get(_home(demo) + "/regie/termijnen")).text()
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    assert f'<option value="{fatima}">Fatima El Amrani (ouder)</option>' in html
    assert f'<option value="{demo["by_name"]["Sanne de Vries"]["id"]}">' not in html
    start = await (await client.get(_home(demo))).text()
    assert "Neem contact op met uw regisseur" not in start  # she is the regisseur
    await sign_in(client, capsys, FATIMA)
    assert "Neem contact op met uw regisseur" in await (await client.get(_home(demo))).text()


async def test_a_refused_form_says_why_next_to_the_field_and_writes_nothing(client, demo, clock, capsys):
    await sign_in(client, capsys, SANNE)
    page = _home(demo) + "/regie/termijnen"
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    resp = await _post(client, page + "/geen-familiegroepsplan", {"datum": tomorrow}, page)
    assert resp.status == 422
    html = await resp.text()
    assert 'id="besloten-datum-fout"' in html and "niet in de toekomst" in html
    resp = await _post(client, page + "/gevraagd", {"wie": "", "datum": clock.today().isoformat()}, page)
    assert resp.status == 422 and 'id="gevraagd-wie-fout"' in await resp.text()
    assert "Er is nog niets vastgelegd." in await (await client.get(page)).text()


async def test_only_a_regisseur_has_the_deadlines_page(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    assert (await client.get(_home(demo) + "/regie/termijnen")).status == 403


async def test_must_attend_for_the_next_overleg_is_shown_and_changed_on_the_betrokkenen_page(
    client, demo, clock, capsys, services
):
    await sign_in(client, capsys, SANNE)
    page = _home(demo) + "/betrokkenen"
    assert "geen volgend overleg gepland" in await (await client.get(page)).text()
    joost = demo["by_name"]["Joost Willems"]["id"]
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    oid = await _plan_overleg(client, demo, clock, 9, [{"betrokkene_id": joost, "must_attend": False}])
    later = await _plan_overleg(client, demo, clock, 30, [{"betrokkene_id": joost, "must_attend": False}])
    html = await (await client.get(page)).text()
    assert "Voortgangsoverleg" in html and "geen volgend overleg gepland" not in html
    resp = await _post(client, f"{page}/{khadija}/volgend-overleg", {"overleg": oid, "moet": "ja"}, page)
    assert resp.status == 303, await resp.text()
    resp = await _post(client, f"{page}/{joost}/volgend-overleg", {"overleg": oid, "moet": "ja"}, page)
    assert resp.status == 303
    hid = demo["household"]["id"]
    one = await (await client.get(f"/api/households/{hid}/overleggen/{oid}", headers=bearer(demo["regisseur"]))).json()
    assert {i["betrokkene_id"]: i["must_attend"] for i in one["invitees"]} == {joost: True, khadija: True}
    other = await (
        await client.get(f"/api/households/{hid}/overleggen/{later}", headers=bearer(demo["regisseur"]))
    ).json()
    assert [i["must_attend"] for i in other["invitees"]] == [False]  # only the next overleg changed
    html = await (await client.get(page)).text()
    assert re.search(rf'data-betrokkene="{khadija}".*?data-must="ja"', html, re.S)
    # the status is a sentence of its own; the button says what it does (review of issue 13)
    assert re.search(
        rf'data-betrokkene="{khadija}".*?data-must="ja">[^<]*<strong>moet komen</strong></p>\s*'
        r'<p class="eenplan-actions"><button[^>]*>Niet meer verplicht</button>',
        html,
        re.S,
    )
    assert "Verplicht maken</button>" in html and "Moet komen</button>" not in html
    resp = await _post(client, f"{page}/{khadija}/volgend-overleg", {"overleg": oid, "moet": "nee"}, page)
    assert resp.status == 303
    html = await (await client.get(page)).text()
    assert re.search(rf'data-betrokkene="{khadija}".*?data-must="nee"', html, re.S)


async def test_a_klant_cannot_change_who_must_attend(client, demo, clock, capsys):
    oid = await _plan_overleg(client, demo, clock, 9, [{"betrokkene_id": demo["regisseur"]["id"], "must_attend": True}])
    await sign_in(client, capsys, FATIMA)
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    resp = await _post(
        client, f"{_home(demo)}/betrokkenen/{fatima}/volgend-overleg", {"overleg": oid, "moet": "nee"}, "/huishoudens"
    )
    assert resp.status in (403, 404)


async def test_vaststellen_records_the_overleg_chosen_held_or_today(client, demo, clock, capsys):
    editor = _home(demo) + "/plan/bewerken"
    joost = demo["by_name"]["Joost Willems"]["id"]
    today = await _plan_overleg(client, demo, clock, 2, [{"betrokkene_id": joost, "must_attend": False}])
    future = await _plan_overleg(client, demo, clock, 9, [{"betrokkene_id": joost, "must_attend": False}])
    clock.advance(days=2)  # the first is today now
    await sign_in(client, capsys, SANNE)
    html = await (await client.get(editor)).text()
    assert f'<option value="{today}"' in html and f'<option value="{future}"' not in html
    version = re.search(r'name="versie" value="(\d+)"', html).group(1)
    resp = await _post(client, editor + "/vaststellen", {"versie": version, "overleg": future}, editor)
    assert resp.status == 422 and 'id="vaststellen-overleg-fout"' in await resp.text()  # not held, not today
    resp = await _post(client, editor + "/vaststellen", {"versie": version, "overleg": today}, editor)
    assert resp.status == 303, await resp.text()
    hid = demo["household"]["id"]
    versions = await (
        await client.get(f"/api/households/{hid}/plan/versions", headers=bearer(demo["regisseur"]))
    ).json()
    adopted = [v for v in versions["versions"] if v["version"] == int(version)]
    assert adopted[0]["vastgesteld_overleg"] == today


async def test_a_duplicate_is_refused_in_dutch_and_a_mistake_is_deleted_after_confirming(client, demo, clock, capsys):
    """Review of issue 13: an exact duplicate was accepted and nothing could be corrected."""
    await sign_in(client, capsys, SANNE)
    page = _home(demo) + "/regie/termijnen"
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    form = {"wie": fatima, "datum": clock.today().isoformat()}
    assert (await _post(client, page + "/gevraagd", form, page)).status == 303
    again = await _post(client, page + "/gevraagd", form, page)
    html = await again.text()
    assert again.status == 422 and 'id="gevraagd-datum-fout"' in html
    assert "Deze vraag is al vastgelegd voor deze persoon en deze dag." in html
    (eid,) = re.findall(r'data-event="([^"]+)"', html)
    confirm = await client.get(f"{page}/{eid}/verwijderen")
    text = await confirm.text()
    assert confirm.status == 200 and "Wilt u dit verwijderen?" in text and "Fatima El Amrani" in text
    assert 'data-event="' in await (await client.get(page)).text()  # the confirmation page deleted nothing
    done = await _post(client, f"{page}/{eid}/verwijderen", {}, f"{page}/{eid}/verwijderen")
    assert done.status == 303 and "gelukt=verwijderd" in done.headers["Location"]
    html = await (await client.get(page)).text()
    assert 'data-event="' not in html and "Er is nog niets vastgelegd." in html
    assert (await client.get(f"{page}/{eid}/verwijderen")).status == 404


async def test_a_deadline_met_late_says_so(client, demo, clock, capsys):
    """Review of issue 13: a deadline met after its day showed only "Gedaan"."""
    await sign_in(client, capsys, SANNE)
    page = _home(demo) + "/regie/termijnen"
    form = {"wie": demo["by_name"]["Fatima El Amrani"]["id"], "datum": clock.today().isoformat()}
    assert (await _post(client, page + "/gevraagd", form, page)).status == 303
    clock.advance(days=24)
    hid, reg = demo["household"]["id"], bearer(demo["regisseur"])
    plan = await client.get(f"/api/households/{hid}/plan", headers=reg)
    resp = await client.patch(
        f"/api/households/{hid}/plan",
        json={"afspraken": [{"wat": "Elke maandag bellen"}]},
        headers={**reg, "If-Match": plan.headers["ETag"]},
    )
    assert resp.status == 200
    await sign_in(client, capsys, SANNE)
    html = await (await client.get(page)).text()
    met = format_date(clock.today(), "d MMMM", locale="nl")
    assert f"Gedaan, te laat ({met}, 10 dagen na de termijn)" in html
