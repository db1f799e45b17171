"""Paper and oral consent (tabblad 5): a regisseur records the klant's signed form on their behalf, once, for a
klant the request needs; it is logged with on_behalf_of, shown to the klant, and the klant can revoke it."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from support.helpers import bearer
from support.outbox_kills import outbox_rows
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.web.pages.ground_words import day

FATIMA = "fatima@example.org"
ORAL = "telefoon 1-12 met Fatima"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor for the page part (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _request(client, demo, clock) -> dict:
    body = {
        "grantee_id": demo["by_name"]["Joost Willems"]["id"],
        "sections": ["krachten_zorgen"],
        "purpose": "hulp bij schulden",
        "until": (clock.today() + timedelta(days=30)).isoformat(),
    }
    resp = await client.post(hh(demo, "/toestemmingen"), json=body, headers=bearer(demo["regisseur"]))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _form(client, demo, consent_id, who=None, **over):
    body = {
        "klant_id": demo["by_name"]["Fatima El Amrani"]["id"],
        "approved": True,
        "form_date": over.pop("form_date"),
        "form_reference": "TS5-2026-014",
    } | over
    return await client.post(
        hh(demo, f"/toestemmingen/{consent_id}/formulier"), json=body, headers=bearer(who or demo["regisseur"])
    )


@pytest.mark.both_databases  # the columns of 0014 (a date, a reference, who recorded) round-trip on both
async def test_a_paper_form_is_recorded_logged_on_behalf_shown_to_the_klant_and_revocable(
    client, services, demo, clock, capsys
):
    consent = await _request(client, demo, clock)
    today = clock.today()
    resp = await _form(client, demo, consent["id"], form_date=today.isoformat())
    assert resp.status == 200, await resp.text()
    recorded = await resp.json()
    fatima, sanne = demo["by_name"]["Fatima El Amrani"], demo["regisseur"]
    (answer,) = recorded["approvals"]
    assert answer["betrokkene_id"] == fatima["id"] and answer["approved"] and answer["wijze"] == "schriftelijk"
    assert answer["vastgelegd_door"] == sanne["id"] and answer["formulier_kenmerk"] == "TS5-2026-014"
    assert answer["formulier_datum"] == today.isoformat()
    assert recorded["status"] == "aangevraagd" and recorded["waiting_for"] == [
        demo["by_name"]["Youssef El Amrani"]["id"]
    ]

    log = await (await client.get(hh(demo, "/toegangslog"), headers=bearer(fatima))).json()
    (entry,) = [e for e in log["entries"] if consent["id"] in e["detail"]]
    assert entry["actor_id"] == sanne["id"] and entry["on_behalf_of"] == fatima["id"]
    assert entry["event"] == "change" and "hulp bij schulden" not in json.dumps(entry)

    rows = await outbox_rows(services, demo["household"]["id"])
    told = [r for r in rows if r.recipient_id == fatima["id"] and ":recorded:" in r.dedupe_key]
    assert len(told) == 1 and json.loads(told[0].payload)["link"].endswith("/wie-ziet-wat")

    youssef = demo["by_name"]["Youssef El Amrani"]
    resp = await client.post(
        hh(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=bearer(youssef),
    )
    assert (await resp.json())["status"] == "verleend"

    await sign_in(client, capsys, FATIMA)
    page = f"/huishoudens/{demo['household']['id']}/wie-ziet-wat"
    text = await (await client.get(page)).text()
    assert (
        f"Fatima El Amrani zei ja. Fatima El Amrani tekende een formulier op {day(today)} (nummer TS5-2026-014)."
        " Sanne de Vries zette het in eenplan." in text
    )
    assert "kenmerk" not in text and "mondeling" not in text
    assert f"Fatima El Amrani tekende een formulier op {day(today)} (nummer TS5-2026-014), vastgelegd door" in text
    resp = await client.post(
        f"{page}/{consent['id']}/intrekken",
        data={"csrf": await csrf_of(client, page), "zeker": "ja"},
        allow_redirects=False,
    )
    assert resp.status == 303
    after = await (await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(fatima))).json()
    assert after["status"] == "ingetrokken"


async def test_refused_for_an_issued_token_a_professional_a_non_klant_the_future_before_the_request_or_twice(
    client, services, demo, clock
):
    consent = await _request(client, demo, clock)
    today = clock.today()
    hid = demo["household"]["id"]
    issued = {
        "token": services.tokens.issue(
            Principal(demo["regisseur"]["id"], hid, issued_by=demo["by_name"]["Joost Willems"]["id"])
        )
    }
    resp = await _form(client, demo, consent["id"], who=issued, form_date=today.isoformat())
    assert resp.status == 403
    resp = await _form(client, demo, consent["id"], who=demo["by_name"]["Joost Willems"], form_date=today.isoformat())
    assert resp.status == 403

    async def field_of(resp) -> str:
        assert resp.status == 422, await resp.text()
        return (await resp.json())["errors"][0]["field"]

    oma = demo["by_name"]["Khadija El Amrani"]["id"]
    assert (
        await field_of(await _form(client, demo, consent["id"], klant_id=oma, form_date=today.isoformat()))
        == "klant_id"
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert await field_of(await _form(client, demo, consent["id"], form_date=tomorrow)) == "form_date"
    yesterday = (today - timedelta(days=1)).isoformat()
    assert await field_of(await _form(client, demo, consent["id"], form_date=yesterday)) == "form_date"
    no_ref = await _form(client, demo, consent["id"], form_date=today.isoformat(), form_reference=" ")
    assert await field_of(no_ref) == "form_reference"
    fatima = demo["by_name"]["Fatima El Amrani"]
    unchanged = await (await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(fatima))).json()
    assert unchanged["approvals"] == []  # nothing half-written by any refusal

    assert (await _form(client, demo, consent["id"], form_date=today.isoformat())).status == 200
    twice = await _form(client, demo, consent["id"], form_date=today.isoformat(), form_reference="TS5-2026-015")
    assert await field_of(twice) == "klant_id"


async def test_an_oral_urgent_consent_is_recorded_and_its_written_form_confirms_it_later(client, demo, clock):
    consent = await _request(client, demo, clock)
    today = clock.today().isoformat()
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        klant = demo["by_name"][name]["id"]
        resp = await _form(
            client, demo, consent["id"], klant_id=klant, wijze="mondeling_urgent", form_reference=ORAL, form_date=today
        )
        assert resp.status == 200, await resp.text()
    granted = await resp.json()
    assert granted["status"] == "verleend"
    assert all(a["schriftelijke_bevestiging_verwacht"] for a in granted["approvals"])

    confirmed = await (await _form(client, demo, consent["id"], form_date=today)).json()
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    mine = next(a for a in confirmed["approvals"] if a["betrokkene_id"] == fatima)
    assert not mine["schriftelijke_bevestiging_verwacht"] and mine["formulier_kenmerk"] == "TS5-2026-014"
    assert confirmed["status"] == "verleend"


async def test_the_klant_sees_an_oral_consent_recorded_for_her_and_confirms_it_herself(client, demo, clock, capsys):
    consent = await _request(client, demo, clock)
    today = clock.today()
    resp = await _form(
        client, demo, consent["id"], wijze="mondeling_urgent", form_reference=ORAL, form_date=today.isoformat()
    )
    assert resp.status == 200, await resp.text()
    await sign_in(client, capsys, FATIMA)
    page = f"/huishoudens/{demo['household']['id']}/wie-ziet-wat"
    text = await (await client.get(page)).text()
    assert (
        f"Fatima El Amrani zei ja. Fatima El Amrani gaf mondeling toestemming op {day(today)}, omdat het dringend"
        f" was. Sanne de Vries schreef dit op. Notitie: {ORAL}. De schriftelijke bevestiging moet nog komen." in text
    )
    assert "kenmerk" not in text and "formulier van" not in text
    # her answer is recorded: no Ja/Nee for her, but she may confirm it (the request waits for her son)
    assert f"/wie-ziet-wat/{consent['id']}/antwoord" not in text
    youssef = demo["by_name"]["Youssef El Amrani"]
    await client.post(
        hh(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=bearer(youssef),
    )
    text = await (await client.get(page)).text()
    assert f"/wie-ziet-wat/{consent['id']}/bevestigen" in text
    resp = await client.post(
        f"{page}/{consent['id']}/bevestigen", data={"csrf": await csrf_of(client, page)}, allow_redirects=False
    )
    assert resp.status == 303
    fatima = demo["by_name"]["Fatima El Amrani"]
    after = await (await client.get(hh(demo, f"/toestemmingen/{consent['id']}"), headers=bearer(fatima))).json()
    mine = next(a for a in after["approvals"] if a["betrokkene_id"] == fatima["id"])
    assert mine["confirmed_at"] is not None and not mine["schriftelijke_bevestiging_verwacht"]


async def test_a_sign_in_through_an_address_someone_else_added_is_offered_no_answer(services, demo, client, clock):
    consent = await _request(client, demo, clock)
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    not_hers = Principal(fatima, hid, issued_by=demo["regisseur"]["id"])
    view = await services.consent_matrix.matrix(not_hers, hid)
    (item,) = [i for i in view.pending if i.consent.id == consent["id"]]
    assert not item.may_answer and not item.may_revoke and item.not_with_this_sign_in
    own = await services.consent_matrix.matrix(Principal(fatima, hid), hid)
    (item,) = [i for i in own.pending if i.consent.id == consent["id"]]
    assert item.may_answer and not item.not_with_this_sign_in


async def _field_of(resp) -> str:
    assert resp.status == 422, await resp.text()
    return (await resp.json())["errors"][0]["field"]


async def _consent(client, demo, consent_id) -> dict:
    fatima = demo["by_name"]["Fatima El Amrani"]
    return await (await client.get(hh(demo, f"/toestemmingen/{consent_id}"), headers=bearer(fatima))).json()


async def _grants(services, demo, day) -> set[str]:
    joost = demo["by_name"]["Joost Willems"]["id"]
    async with services.plan._uow() as uow:
        loaded = await uow.consents.grants(demo["household"]["id"], joost, day)
    hot = await services.plan._reads.member_access(demo["household"]["id"], joost, None, day)
    assert hot is not None and sorted(g.ground for g in hot.grants) == sorted(g.ground for g in loaded)
    return {g.ground for g in loaded}


@pytest.mark.both_databases  # the shortened end date holds in both grant loaders on both databases
async def test_an_oral_urgent_record_needs_a_note_and_grants_fourteen_days_until_confirmed_in_writing(
    client, services, demo, clock
):
    consent = await _request(client, demo, clock)  # asked until 30 days ahead
    today = clock.today()
    oral = {"wijze": "mondeling_urgent", "form_date": today.isoformat()}
    assert await _field_of(await _form(client, demo, consent["id"], form_reference=None, **oral)) == "form_reference"
    assert await _field_of(await _form(client, demo, consent["id"], form_reference=" ok ", **oral)) == "form_reference"
    assert (await _consent(client, demo, consent["id"]))["approvals"] == []
    youssef = demo["by_name"]["Youssef El Amrani"]["id"]
    for klant in (demo["by_name"]["Fatima El Amrani"]["id"], youssef):
        resp = await _form(client, demo, consent["id"], klant_id=klant, form_reference=ORAL, **oral)
        assert resp.status == 200, await resp.text()
    granted = await resp.json()
    assert granted["status"] == "verleend"
    assert {a["formulier_kenmerk"] for a in granted["approvals"]} == {ORAL}
    assert granted["until"] == (today + timedelta(days=14)).isoformat()  # not the 30 days asked
    ground = f"toestemming:{consent['id']}"
    assert ground in await _grants(services, demo, today + timedelta(days=14))
    assert ground not in await _grants(services, demo, today + timedelta(days=15))


async def test_a_written_request_keeps_the_end_date_asked(client, demo, clock):
    consent = await _request(client, demo, clock)
    today = clock.today().isoformat()
    for name, ref in (("Fatima El Amrani", "TS5-1"), ("Youssef El Amrani", "TS5-2")):
        resp = await _form(
            client, demo, consent["id"], klant_id=demo["by_name"][name]["id"], form_reference=ref, form_date=today
        )
        assert resp.status == 200, await resp.text()
    granted = await resp.json()
    assert granted["status"] == "verleend" and granted["until"] == consent["until"]


async def test_an_oral_record_for_a_klant_no_mail_reaches_must_say_how_they_were_told(client, services, demo, clock):
    from eenplan.storage.tables import BetrokkeneRow

    youssef = demo["by_name"]["Youssef El Amrani"]["id"]
    async with services.plan._uow(write=True) as uow:
        row = await uow.session.get(BetrokkeneRow, youssef)
        row.email = None  # a minor without an address: no notice of the record ever reaches him
        await uow.commit()
    consent = await _request(client, demo, clock)
    oral = {"klant_id": youssef, "wijze": "mondeling_urgent", "form_date": clock.today().isoformat()}
    no_way = await _form(client, demo, consent["id"], form_reference="gesprek 1-12 met Youssef", **oral)
    assert await _field_of(no_way) == "told_how"
    assert (await _consent(client, demo, consent["id"]))["approvals"] == []
    resp = await _form(
        client, demo, consent["id"], form_reference="gesprek 1-12 met Youssef", told_how="samen met zijn mentor", **oral
    )
    assert resp.status == 200, await resp.text()
    (answer,) = (await resp.json())["approvals"]
    assert answer["formulier_kenmerk"] == "gesprek 1-12 met Youssef; verteld: samen met zijn mentor"
    # a klant the notice does reach needs no such note
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    resp = await _form(
        client,
        demo,
        consent["id"],
        klant_id=fatima,
        form_reference=ORAL,
        wijze="mondeling_urgent",
        form_date=clock.today().isoformat(),
    )
    assert resp.status == 200, await resp.text()


async def test_a_revoked_consent_cannot_be_confirmed_in_writing(client, demo, clock):
    consent = await _request(client, demo, clock)
    today = clock.today().isoformat()
    for name in ("Fatima El Amrani", "Youssef El Amrani"):
        klant = demo["by_name"][name]["id"]
        resp = await _form(
            client, demo, consent["id"], klant_id=klant, wijze="mondeling_urgent", form_reference=ORAL, form_date=today
        )
        assert resp.status == 200, await resp.text()
    fatima = demo["by_name"]["Fatima El Amrani"]
    resp = await client.post(hh(demo, f"/toestemmingen/{consent['id']}/intrekking"), headers=bearer(fatima))
    assert resp.status == 200, await resp.text()
    assert await _field_of(await _form(client, demo, consent["id"], form_date=today)) == "status"
    own = await client.post(hh(demo, f"/toestemmingen/{consent['id']}/bevestiging"), headers=bearer(fatima))
    assert await _field_of(own) == "status"
    after = await _consent(client, demo, consent["id"])
    assert after["status"] == "ingetrokken"
    assert all(a["schriftelijke_bevestiging_verwacht"] for a in after["approvals"])


@pytest.mark.parametrize("loose", ["on", "yes", "1", 1])
async def test_approved_must_be_true_or_false(client, demo, clock, loose):
    consent = await _request(client, demo, clock)
    resp = await _form(client, demo, consent["id"], approved=loose, form_date=clock.today().isoformat())
    assert await _field_of(resp) == "approved"
    assert (await _consent(client, demo, consent["id"]))["approvals"] == []


async def test_the_fourteen_days_hold_also_when_the_last_answer_comes_from_the_klant_on_the_page(client, demo, clock):
    consent = await _request(client, demo, clock)
    today = clock.today()
    resp = await _form(
        client, demo, consent["id"], wijze="mondeling_urgent", form_reference=ORAL, form_date=today.isoformat()
    )
    assert resp.status == 200, await resp.text()
    youssef = demo["by_name"]["Youssef El Amrani"]
    resp = await client.post(
        hh(demo, f"/toestemmingen/{consent['id']}/antwoord"),
        json={"besluit": "ja", "wijze": "schriftelijk"},
        headers=bearer(youssef),
    )
    granted = await resp.json()
    assert granted["status"] == "verleend" and granted["until"] == (today + timedelta(days=14)).isoformat()
