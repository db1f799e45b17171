"""Onze overleggen: the list and one overleg as each person may see them, the answer form (the regisseur sees
the answer at once), the date poll, the invite download (content-free, logged on ICS), and 404 for others."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from support import overleg_kit as kit
from support.ical_parsers import read
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.audit import Channel
from eenplan.domain.overleg import Invitee, OverlegType, Partstat, Vote

AMS = ZoneInfo("Europe/Amsterdam")
SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"
MARKER = "GEHEIM-AGENDA-5521"
PLACE = "Wijkcentrum De Kring"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the overleggen (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def plan_overleg(services, demo, *, invite_khadija: bool = True, days: int = 28) -> str:
    """A voortgangsoverleg with an agenda holding MARKER; Fatima must come, Khadija may (if invited)."""
    invitees = [("Fatima El Amrani", True)] + ([("Khadija El Amrani", False)] if invite_khadija else [])
    return await kit.plan_overleg(services, demo, invitees, days=days, agenda=f"Bespreken: {MARKER}", location=PLACE)


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/overleggen"


async def log_entries(services, demo, channel: Channel) -> list:
    """The household's access-log entries on one channel, newest first."""
    async with services.overleggen._uow() as uow:
        entries = await uow.access_log.entries(demo["household"]["id"], limit=1000)
    return [e for _, e in entries if e.channel is channel]


async def web_reads(services, demo) -> list:
    """The access log's entries on channel WEB."""
    return await log_entries(services, demo, Channel.WEB)


async def test_the_list_shows_date_time_place_and_must_come_and_logs_the_agenda_on_web(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, FATIMA)
    resp = await client.get(base(demo))
    text = await resp.text()
    assert resp.status == 200, text
    view = await services.overleggen.get(regisseur(demo), demo["household"]["id"], oid)
    start = view.start.astimezone(AMS)
    weekday = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"][start.weekday()]
    assert f"{weekday} {start.day} " in text and ", 14:00–15:30" in text
    assert PLACE in text and "Ja, u moet erbij zijn." in text and "U heeft nog niet geantwoord" in text
    assert MARKER in text  # a klant reads the whole plan, so the agenda too
    reads = await web_reads(services, demo)
    assert any(e.detail == f"overleg {oid}: agenda" for e in reads), [e.detail for e in reads]


async def test_the_agenda_is_absent_for_whoever_may_not_read_it(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, KHADIJA)
    for path in (base(demo), f"{base(demo)}/{oid}"):
        resp = await client.get(path)
        text = await resp.text()
        assert resp.status == 200 and MARKER not in text and ">Agenda</h" not in text
        assert "U mag komen. Het hoeft niet." in text
    assert not [e for e in await web_reads(services, demo) if "agenda" in (e.detail or "")]


async def test_someone_not_invited_gets_the_same_404_as_for_a_missing_overleg(client, services, demo, capsys):
    oid = await plan_overleg(services, demo, invite_khadija=False)
    await sign_in(client, capsys, KHADIJA)
    theirs = await client.get(f"{base(demo)}/{oid}")
    missing = await client.get(f"{base(demo)}/00000000-0000-4000-8000-000000000000")
    assert theirs.status == missing.status == 404
    assert await theirs.text() == await missing.text()
    invite = await client.get(f"{base(demo)}/{oid}/uitnodiging.ics")
    assert invite.status == 404
    listing = await (await client.get(base(demo))).text()
    assert oid not in listing and "Er staat nu geen overleg gepland." in listing


async def test_an_answer_on_the_page_is_what_the_regisseur_sees_at_once(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, FATIMA)
    page = f"{base(demo)}/{oid}"
    csrf = await csrf_of(client, page)
    resp = await client.post(f"{page}/antwoord", data={"csrf": csrf, "antwoord": "nee"}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"{page}?gelukt=antwoord"
    seen = await services.overleggen.get(regisseur(demo), demo["household"]["id"], oid)
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    assert next(i for i in seen.invitees if i.betrokkene_id == fatima).partstat is Partstat.DECLINED
    text = await (await client.get(resp.headers["Location"])).text()
    assert "Uw antwoord is bewaard." in text and 'value="nee" checked' in text
    # and once more, through the API as the regisseur would look
    api = await client.get(
        f"/api/households/{demo['household']['id']}/overleggen/{oid}",
        headers={"Authorization": f"Bearer {demo['regisseur']['token']}"},
    )
    body = await api.json()
    assert {i["betrokkene_id"]: i["partstat"] for i in body["invitees"]}[fatima] == "declined"


async def test_an_answer_without_a_choice_names_the_field_and_changes_nothing(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, FATIMA)
    page = f"{base(demo)}/{oid}"
    resp = await client.post(f"{page}/antwoord", data={"csrf": await csrf_of(client, page)})
    text = await resp.text()
    assert resp.status == 422 and 'id="antwoord-fout"' in text and "Kies ja, nee of misschien." in text
    seen = await services.overleggen.get(regisseur(demo), demo["household"]["id"], oid)
    assert all(i.partstat is Partstat.NEEDS_ACTION for i in seen.invitees)


async def test_an_answer_without_the_form_token_is_refused(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, FATIMA)
    resp = await client.post(f"{base(demo)}/{oid}/antwoord", data={"antwoord": "ja"})
    assert resp.status == 403
    seen = await services.overleggen.get(regisseur(demo), demo["household"]["id"], oid)
    assert all(i.partstat is Partstat.NEEDS_ACTION for i in seen.invitees)


async def test_the_downloaded_invite_is_content_free_and_logged_on_ics(client, services, demo, capsys):
    oid = await plan_overleg(services, demo)
    await sign_in(client, capsys, FATIMA)
    resp = await client.get(f"{base(demo)}/{oid}/uitnodiging.ics")
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    ics = await resp.read()
    assert b"\r\n" in ics and b"\n" not in ics.replace(b"\r\n", b"")
    cal = read(ics)
    assert vobject.readOne(ics.decode("utf-8")).vevent.uid.value == cal.event.uid
    event = cal.event
    assert event.location is None and event.description is None
    assert [a.email for a in event.attendees] == [FATIMA]  # nobody else: who comes tells what help there is
    for secret in (MARKER.encode(), PLACE.encode(), b"Khadija", b"khadija@", b"SENT-BY"):
        assert secret not in ics
    entries = await log_entries(services, demo, Channel.ICS)
    assert any(e.detail == "uitnodiging REQUEST" for e in entries), [e.detail for e in entries]


async def test_a_vote_in_the_date_poll_through_the_page(client, services, demo, capsys):
    hid = demo["household"]["id"]
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    first = (services.overleggen.now().astimezone(AMS) + timedelta(days=14)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    options = [(first, first + timedelta(hours=1)), (first + timedelta(days=1), first + timedelta(days=1, hours=1))]
    poll = await services.polls.create(
        regisseur(demo),
        hid,
        overleg_type=OverlegType.VOORTGANGSOVERLEG,
        options=options,
        invitees=(Invitee(fatima, True),),
    )
    await sign_in(client, capsys, FATIMA)
    listing = await (await client.get(base(demo))).text()
    page = f"{base(demo)}/prikker/{poll.id}"
    assert page in listing
    text = await (await client.get(page)).text()
    assert text.count("<fieldset") == 2 and text.count("<legend") == 2
    a, b = poll.options
    data = {"csrf": await csrf_of(client, page), f"optie-{a.id}": "ja", f"optie-{b.id}": "nee"}
    resp = await client.post(page, data=data, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"{page}?gelukt=stem"
    seen = await services.polls.get(regisseur(demo), hid, poll.id)
    assert seen.votes[a.id][fatima] is Vote.YES and seen.votes[b.id][fatima] is Vote.NO
    again = await (await client.get(resp.headers["Location"])).text()
    assert f'name="optie-{a.id}" id="optie-1-ja" value="ja" checked' in again


async def test_a_date_poll_one_is_not_invited_to_is_404(client, services, demo, capsys):
    hid = demo["household"]["id"]
    first = (services.overleggen.now().astimezone(AMS) + timedelta(days=14)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    poll = await services.polls.create(
        regisseur(demo),
        hid,
        overleg_type=OverlegType.VOORTGANGSOVERLEG,
        options=[(first, first + timedelta(hours=1))],
        invitees=(Invitee(demo["by_name"]["Fatima El Amrani"]["id"], True),),
    )
    await sign_in(client, capsys, KHADIJA)
    assert (await client.get(f"{base(demo)}/prikker/{poll.id}")).status == 404
    assert f"prikker/{poll.id}" not in await (await client.get(base(demo))).text()


async def test_upcoming_overleggen_come_first_and_past_ones_follow_by_the_servers_clock(
    client, services, demo, clock, capsys
):
    soon = await plan_overleg(services, demo, days=10)
    later = await plan_overleg(services, demo, days=40)
    await sign_in(client, capsys, FATIMA)
    text = await (await client.get(base(demo))).text()
    upcoming, _, earlier = text.partition("Eerdere overleggen")
    assert upcoming.index(soon) < upcoming.index(later) and not earlier
    clock.advance(timedelta(days=20))  # the first one is over (not yet closed by the regisseur)
    await sign_in(client, capsys, FATIMA)  # the session ended meanwhile
    text = await (await client.get(base(demo))).text()
    upcoming, _, earlier = text.partition("Eerdere overleggen")
    assert later in upcoming and soon not in upcoming and soon in earlier
    detail = await (await client.get(f"{base(demo)}/{soon}")).text()
    assert "Voortgangsoverleg" in detail
