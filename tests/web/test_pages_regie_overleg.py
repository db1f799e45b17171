"""De overleggen van de regisseur: the startoverleg window as a calendar with its holidays, the slots, a date
poll through the pages and its pick, planning directly, the attendance overview (by page and by mail),
rescheduling, cancelling and closing with the next overleg — and 403 for everyone who is not the regisseur."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support import overleg_kit as kit
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel
from eenplan.domain.household import Phase
from eenplan.domain.inbound_ports import MailAnswer, Proposal
from eenplan.domain.overleg import Invitee, OverlegType, Partstat, Vote

AMS = ZoneInfo("Europe/Amsterdam")
SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"
SLOT = re.compile(r'name="optie" value="([^"]+)"')
STARTED = re.compile(r'name="gestart" value="([^"]+)"')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the overleggen (factors have their own tests); a closing day."""
    return dataclasses.replace(settings, second_factor="off", extra_closing_days="2027-01-04")


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/overleggen"


async def test_the_window_is_a_calendar_with_werkdagen_holidays_and_closing_days_explained(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get(base(demo) + "?gestart=2026-12-21")
    text = await resp.text()
    assert resp.status == 200, text
    # 5–15 werkdagen after Monday 21 December 2026: Christmas, New Year and the closing day do not count
    assert "van dinsdag 29 december 2026 tot en met donderdag 14 januari 2027: 11 werkdagen" in text, text
    assert "<caption" in text and "december 2026" in text and "januari 2027" in text
    assert '25&#8224;<span class="eenplan-hidden">: Feestdag (Eerste kerstdag): geen werkdag' in text
    assert "maandag 4 januari 2027: Sluitingsdag: geen werkdag" in text
    assert '29*<span class="eenplan-hidden">: Werkdag in het venster' in text
    hidden = '<span class="eenplan-hidden">'
    assert f"15{hidden}: Werkdag<" in text and f"16{hidden}: Weekend<" in text


async def test_a_date_poll_made_on_the_page_is_voted_on_and_its_pick_invites_everyone(client, services, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    slots = SLOT.findall(page)
    assert len(slots) >= 2, page
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    resp = await client.post(
        base(demo) + "/prikker",
        data={
            "csrf": await csrf_of(client, base(demo)),
            "optie": slots[:2],
            "moet": [fatima],
            "gekozen": "1",
            "gestart": STARTED.search(page).group(1),
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    (poll,) = await services.polls.open_polls(regisseur(demo), hid)
    assert [i.betrokkene_id for i in poll.invitees if i.must_attend] == [fatima]
    await services.polls.vote(Principal(fatima, hid, second_factor=True), hid, poll.id, {poll.options[0].id: Vote.YES})
    page = await (await client.get(base(demo))).text()
    assert "1 ja, 0 misschien, 0 nee" in page and "Fatima El Amrani: ja" in page
    resp = await client.post(
        base(demo) + f"/prikker/{poll.id}/kiezen",
        data={"csrf": await csrf_of(client, base(demo)), "optie": poll.options[0].id, "locatie": "Wijkcentrum"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    oid = resp.headers["Location"].split("/")[-1].split("?")[0]
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    assert view.start == poll.options[0].start and view.location == "Wijkcentrum"
    assert not await services.polls.open_polls(regisseur(demo), hid)


async def test_a_poll_without_a_chosen_time_is_refused_next_to_the_times(client, services, demo, capsys, clock):
    await sign_in(client, capsys, SANNE)
    resp = await client.post(
        base(demo) + "/prikker",
        data={
            "csrf": await csrf_of(client, base(demo)),
            "gekozen": "1",
            "gestart": clock.today().isoformat(),
            "moet": [demo["by_name"]["Fatima El Amrani"]["id"]],
        },
    )
    text = await resp.text()
    assert resp.status == 422 and 'id="optie-fout"' in text and "Kies een of meer tijden" in text
    assert not await services.polls.open_polls(regisseur(demo), demo["household"]["id"])


async def test_planning_outside_the_window_needs_a_reason(client, services, demo, capsys, clock):
    await sign_in(client, capsys, SANNE)
    start = (clock().astimezone(AMS) + timedelta(days=60)).replace(hour=10, minute=0, second=0, microsecond=0)
    slot = f"{start.isoformat()}|{(start + timedelta(hours=1)).isoformat()}"
    data = {
        "csrf": await csrf_of(client, base(demo)),
        "optie": slot,
        "gekozen": "1",
        "gestart": clock.today().isoformat(),
        "moet": [demo["by_name"]["Fatima El Amrani"]["id"]],
    }
    resp = await client.post(base(demo) + "/plannen", data=data)
    text = await resp.text()
    assert resp.status == 422 and "buiten het venster" in text, text
    assert not await services.overleggen.list(regisseur(demo), demo["household"]["id"])
    resp = await client.post(base(demo) + "/plannen", data=data | {"reden": "Spoed"}, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    (view,) = await services.overleggen.list(regisseur(demo), demo["household"]["id"])
    assert view.outside_window_reason == "Spoed"


async def test_the_attendance_shows_who_answered_on_the_page_and_logs_the_read_on_web(
    client, services, demo, capsys, clock
):
    hid = demo["household"]["id"]
    invitees = [("Fatima El Amrani", True), ("Khadija El Amrani", False)]
    oid = await kit.plan_overleg(services, demo, invitees, days=10, now=clock(), agenda="Het plan")
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    await services.overleggen.attendance(Principal(fatima, hid, second_factor=True), hid, oid, Partstat.ACCEPTED)
    await sign_in(client, capsys, SANNE)
    resp = await client.get(f"{base(demo)}/{oid}")
    text = await resp.text()
    assert resp.status == 200, text
    row = re.search(r"Fatima El Amrani \(moet erbij zijn\)</th>\s*<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]+)<", text)
    assert row and row.groups() == ("Komt", "op de website"), text
    assert re.search(r"Khadija El Amrani</th>\s*<td[^>]*>Nog geen antwoord", text)
    async with services.overleggen._uow() as uow:
        entries = await uow.access_log.entries(hid, limit=100)
    assert any(e.channel is Channel.WEB and oid in e.detail for _, e in entries)


async def test_reschedule_then_cancel(client, services, demo, capsys, clock):
    hid = demo["household"]["id"]
    oid = await kit.plan_overleg(services, demo, [("Fatima El Amrani", True)], days=10, now=clock())
    await sign_in(client, capsys, SANNE)
    one = f"{base(demo)}/{oid}"
    day = (clock().astimezone(AMS) + timedelta(days=12)).date()
    resp = await client.post(
        one + "/verplaatsen",
        data={"csrf": await csrf_of(client, one), "datum": day.isoformat(), "van": "10:00", "tot": "09:00"},
    )
    assert resp.status == 422 and "Het einde komt na het begin" in await resp.text()
    resp = await client.post(
        one + "/verplaatsen",
        data={"csrf": await csrf_of(client, one), "datum": day.isoformat(), "van": "10:00", "tot": "11:00"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    assert view.start.astimezone(AMS) == datetime.combine(day, datetime.min.time(), AMS).replace(hour=10)
    resp = await client.post(one + "/afzeggen", data={"csrf": await csrf_of(client, one)}, allow_redirects=False)
    assert resp.status == 303
    assert (await services.overleggen.get(regisseur(demo), hid, oid)).status.value == "cancelled"
    resp = await client.post(one + "/afzeggen", data={"csrf": await csrf_of(client, base(demo))})
    assert resp.status == 422 and "gaat niet door" in await resp.text()


async def test_closing_asks_for_the_next_overleg_or_a_reason_and_plans_the_next(client, services, demo, capsys, clock):
    hid = demo["household"]["id"]
    oid = await kit.plan_overleg(services, demo, [("Fatima El Amrani", True)], days=1, now=clock())
    clock.advance(timedelta(days=2))
    await sign_in(client, capsys, SANNE)
    one = f"{base(demo)}/{oid}"
    resp = await client.post(one + "/afsluiten", data={"csrf": await csrf_of(client, one), "besluiten": "Goed"})
    text = await resp.text()
    assert resp.status == 422 and 'id="volgende-fout"' in text and "geen volgend overleg" in text
    assert (await services.overleggen.get(regisseur(demo), hid, oid)).status.value == "planned"
    nxt = (clock().astimezone(AMS) + timedelta(days=40)).date()
    resp = await client.post(
        one + "/afsluiten",
        data={
            "csrf": await csrf_of(client, one),
            "besluiten": "Goed",
            "volgende_datum": nxt.isoformat(),
            "volgende_van": "14:00",
            "volgende_tot": "15:00",
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    held = await services.overleggen.get(regisseur(demo), hid, oid)
    assert held.status.value == "held" and held.next_overleg_id
    page = await (await client.get(one)).text()
    assert "Naar het volgende overleg" in page


@pytest.mark.parametrize("email", [FATIMA, KHADIJA])
async def test_everyone_but_the_regisseur_gets_403(client, services, demo, capsys, email, clock):
    oid = await kit.plan_overleg(
        services, demo, [("Fatima El Amrani", True), ("Khadija El Amrani", False)], days=10, now=clock()
    )
    await sign_in(client, capsys, email)
    for path in (base(demo), f"{base(demo)}/{oid}"):
        resp = await client.get(path)
        assert resp.status == 403, (path, resp.status)
    token = await csrf_of(client, "/huishoudens")
    for path in (f"{base(demo)}/{oid}/afzeggen", f"{base(demo)}/plannen", f"{base(demo)}/prikker"):
        resp = await client.post(path, data={"csrf": token})
        assert resp.status == 403, (path, resp.status)
    assert (await services.overleggen.get(regisseur(demo), demo["household"]["id"], oid)).status.value == "planned"


async def test_answers_by_mail_say_signed_or_not_and_proposed_times_are_listed(client, services, demo, capsys, clock):
    hid = demo["household"]["id"]
    invitees = [("Fatima El Amrani", True), ("Khadija El Amrani", False)]
    oid = await kit.plan_overleg(services, demo, invitees, days=10, now=clock())
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    view = await services.overleggen.get(regisseur(demo), hid, oid)
    now = clock().astimezone(AMS)
    async with services.overleggen._uow(write=True) as uow:  # what InboundService._store records for a reply
        await uow.overleggen.set_partstat(oid, khadija, Partstat.DECLINED)
        await uow.inbound.put_answer(MailAnswer(oid, khadija, Partstat.DECLINED, True, now))
        later = view.start + timedelta(days=1)
        await uow.inbound.add_proposal(Proposal("p1", oid, fatima, later, later + timedelta(hours=1), False, now))
        await uow.commit()
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(f"{base(demo)}/{oid}")).text()
    row = re.search(r"Khadija El Amrani</th>\s*<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]+)<", text)
    assert row and row.groups() == ("Komt niet", "per e-mail, ondertekend"), text
    assert "Andere tijden voorgesteld" in text and "Fatima El Amrani: " in text and "niet ondertekend" in text
    resp = await client.post(
        f"{base(demo)}/{oid}/verplaatsen",
        data={
            "csrf": await csrf_of(client, base(demo)),
            "datum": re.search(r'name="datum" value="([^"]+)"', text).group(1),
            "van": re.search(r'name="van" value="([^"]+)"', text).group(1),
            "tot": re.search(r'name="tot" value="([^"]+)"', text).group(1),
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    assert (await services.overleggen.get(regisseur(demo), hid, oid)).start == later


async def test_the_window_counts_from_the_day_phase_3_began_when_no_date_is_given(
    client, services, demo, capsys, clock
):
    hid = demo["household"]["id"]
    await services.households.change_phase(regisseur(demo), hid, Phase.INTAKE, None)
    await services.households.change_phase(regisseur(demo), hid, Phase.STARTOVERLEG, "Intake klaar")
    began = clock().astimezone(AMS).date()
    clock.advance(timedelta(days=3))
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(base(demo))).text()
    assert f'name="gestart" type="date" value="{began.isoformat()}"' in text, text


async def test_picking_without_an_option_is_refused_next_to_the_poll(client, services, demo, capsys, clock):
    hid = demo["household"]["id"]
    start = (clock().astimezone(AMS) + timedelta(days=60)).replace(hour=10, minute=0, second=0, microsecond=0)
    poll = await services.polls.create(
        regisseur(demo),
        hid,
        overleg_type=OverlegType.VOORTGANGSOVERLEG,
        options=[(start, start + timedelta(hours=1))],
        invitees=(Invitee(demo["by_name"]["Fatima El Amrani"]["id"], True),),
    )
    await sign_in(client, capsys, SANNE)
    resp = await client.post(f"{base(demo)}/prikker/{poll.id}/kiezen", data={"csrf": await csrf_of(client, base(demo))})
    text = await resp.text()
    assert resp.status == 422 and f'id="kies-{poll.id}-fout"' in text and "Kies een van de tijden." in text
    assert [p.id for p in await services.polls.open_polls(regisseur(demo), hid)] == [poll.id]
    assert not await services.overleggen.list(regisseur(demo), hid)


async def test_a_start_date_that_does_not_exist_is_refused_next_to_its_field(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get(base(demo) + "?gestart=2026-02-30")
    text = await resp.text()
    assert resp.status == 422 and 'id="gestart-fout"' in text and "Vul een bestaande datum in." in text
    assert "<caption" in text  # the window from the default date is still drawn


async def test_closing_adopts_an_existing_version_and_records_why_there_is_no_next(
    client, services, demo, capsys, clock
):
    hid = demo["household"]["id"]
    oid = await kit.plan_overleg(services, demo, [("Fatima El Amrani", True)], days=1, now=clock())
    clock.advance(timedelta(days=2))
    await sign_in(client, capsys, SANNE)
    one = f"{base(demo)}/{oid}"
    resp = await client.post(
        one + "/afsluiten", data={"csrf": await csrf_of(client, one), "versie": "99", "geen_volgende": "Verhuisd"}
    )
    text = await resp.text()
    assert resp.status == 422 and 'id="versie-fout"' in text and "Deze versie bestaat niet" in text
    version = (await services.households.get(regisseur(demo), hid)).current_version
    resp = await client.post(
        one + "/afsluiten",
        data={"csrf": await csrf_of(client, one), "versie": str(version), "geen_volgende": "Verhuisd"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    held = await services.overleggen.get(regisseur(demo), hid, oid)
    assert held.adopted_version == version and held.no_next_reason == "Verhuisd" and held.next_overleg_id is None
    text = await (await client.get(one)).text()
    assert "Vastgestelde versie" in text and "Verhuisd" in text


async def test_the_overview_shows_no_agenda_and_logs_no_read_of_one(client, services, demo, capsys, clock):
    """The regisseur's overview lists when and what, not the agenda: the klant's access log must not say she read
    agenda and decisions there (it did: the list was logged as a read of every overleg's content)."""
    hid = demo["household"]["id"]
    oid = await kit.plan_overleg(
        services, demo, [("Fatima El Amrani", True)], days=10, now=clock(), agenda="GEHEIME-AGENDA-42"
    )
    await sign_in(client, capsys, SANNE)
    async with services.overleggen._uow() as uow:
        before = {seq for seq, _ in await uow.access_log.entries(hid, limit=1000)}
    text = await (await client.get(base(demo))).text()
    assert "GEHEIME-AGENDA-42" not in text
    async with services.overleggen._uow() as uow:
        after = [e for seq, e in await uow.access_log.entries(hid, limit=1000) if seq not in before]
    assert not [e for e in after if e.channel is Channel.WEB and oid in e.detail], after
