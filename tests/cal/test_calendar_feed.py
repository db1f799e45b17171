"""The personal calendar feed (/agenda/<token>.ics): made on the overleggen page and shown once, read by icalendar
and ical.js alike, content-free, only one's own overleggen of this household, cancelled ones as STATUS:CANCELLED,
logged on channel ICS; a stopped, replaced, unknown or removed person's link answers one and the same 404."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from support.ical_parsers import read
from support.overleg_kit import plan_overleg, regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.audit import Channel
from eenplan.domain.overleg import Invitee, OverlegType
from eenplan.services.overleg_drafts import OverlegDraft

AMS = ZoneInfo("Europe/Amsterdam")
FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"
MARKER = "GEHEIM-AGENDA-9034"
PLACE = "Wijkcentrum De Kring"
FEED = re.compile(r'id="agenda-link"[^>]*>(https?://[^"<\s]+/agenda/([A-Za-z0-9_-]{43})\.ics)</textarea>')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the feed (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def plan(services, demo, names: list[str], days: int) -> str:
    """An overleg `days` ahead with an agenda holding MARKER and a place, for the named betrokkenen."""
    must = [(n, True) for n in names]
    return await plan_overleg(services, demo, must, days=days, agenda=f"Bespreken: {MARKER}", location=PLACE)


def overleggen(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/overleggen"


async def make_link(client, demo) -> tuple[str, str]:
    """Press "Agenda-link maken" (or "Nieuwe link maken"); the URL shown and its path."""
    csrf = await csrf_of(client, overleggen(demo))
    resp = await client.post(f"{overleggen(demo)}/agenda-link", data={"csrf": csrf})
    text = await resp.text()
    assert resp.status == 200, text
    found = FEED.search(text)
    assert found, "no feed URL on the page"
    return found.group(1), f"/agenda/{found.group(2)}.ics"


async def fetch_anonymously(client, path: str):
    """The feed as a calendar program fetches it: no cookie, no Authorization header."""
    client.session.cookie_jar.clear()
    return await client.get(path)


async def test_the_feed_is_content_free_and_both_parsers_read_it_alike(client, services, demo, capsys):
    hid = demo["household"]["id"]
    first = await plan(services, demo, ["Fatima El Amrani", "Khadija El Amrani"], days=20)
    second = await plan(services, demo, ["Fatima El Amrani"], days=40)
    await services.overleggen.cancel(regisseur(demo), hid, second)
    not_mine = await plan(services, demo, ["Joost Willems"], days=30)
    await sign_in(client, capsys, FATIMA)
    url, path = await make_link(client, demo)
    assert url.startswith(("http://", "https://")) and url.endswith(path)
    listing = await (await client.get(overleggen(demo))).text()
    assert path not in listing and "U heeft een agenda-link." in listing  # shown once only

    resp = await fetch_anonymously(client, path)
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    ics = await resp.read()
    assert b"\n" not in ics.replace(b"\r\n", b"")  # CRLF line endings only
    cal = read(ics)
    assert cal.method == "PUBLISH"
    assert {"X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"} <= cal.props
    uids = {}
    for oid in (first, second, not_mine):
        uids[oid] = (await services.overleggen.get(regisseur(demo), hid, oid)).uid
    by_uid = {e.uid: e for e in cal.events}
    assert set(by_uid) == {uids[first], uids[second]}  # only the overleggen she is invited to
    assert by_uid[uids[first]].status == "CONFIRMED" and by_uid[uids[second]].status == "CANCELLED"
    for event in cal.events:
        assert event.summary == "Overleg" and event.location is None and event.description is None
        assert event.organizer is None and event.attendees == ()
    for secret in (MARKER, PLACE, "Khadija", "Fatima", "khadija@", "fatima@", "Joost"):
        assert secret.encode() not in ics
    third = vobject.readOne(ics.decode("utf-8"))  # and the third parser the project checks every .ics with
    assert sorted(str(e.uid.value) for e in third.vevent_list) == sorted(by_uid)
    parsed = icalendar.Calendar.from_ical(ics)
    links = {str(e["UID"]): str(e["URL"]) for e in parsed.walk("VEVENT")}
    assert links[uids[first]].endswith(f"{overleggen(demo)}/{first}")


async def feed_log(services, demo) -> list:
    """The feed fetches in the household's access log, oldest first."""
    async with services.overleggen._uow() as uow:
        entries = await uow.access_log.entries(demo["household"]["id"], limit=1000)
    return [e for _, e in reversed(entries) if e.channel is Channel.ICS and e.detail.startswith("agenda-abonnement")]


async def test_a_fetch_is_logged_on_channel_ics_only_when_the_feed_changed(client, services, demo, capsys):
    hid = demo["household"]["id"]
    first = await plan(services, demo, ["Fatima El Amrani"], days=20)
    await sign_in(client, capsys, FATIMA)
    _, path = await make_link(client, demo)
    for _ in range(5):  # an hourly poller (or whoever found the link) fetching the same feed
        assert (await fetch_anonymously(client, path)).status == 200
    fatima = demo["by_name"]["Fatima El Amrani"]["id"]
    logged = await feed_log(services, demo)
    assert len(logged) == 1 and logged[0].actor_id == fatima
    assert logged[0].detail.startswith("agenda-abonnement: 1 overleggen (stand ")
    await services.overleggen.cancel(regisseur(demo), hid, first)  # what the feed shows changed
    assert (await fetch_anonymously(client, path)).status == 200
    assert (await fetch_anonymously(client, path)).status == 200
    logged = await feed_log(services, demo)
    assert len(logged) == 2 and logged[0].detail != logged[1].detail
    for entry in logged:  # no time or uid of an overleg in the log
        assert MARKER not in entry.detail and "T" not in entry.detail.partition("stand ")[2]


async def test_a_new_link_logs_its_first_fetch(client, services, demo, capsys):
    await plan(services, demo, ["Fatima El Amrani"], days=20)
    await sign_in(client, capsys, FATIMA)
    _, old = await make_link(client, demo)
    assert (await fetch_anonymously(client, old)).status == 200
    await sign_in(client, capsys, FATIMA)
    _, new = await make_link(client, demo)
    assert (await fetch_anonymously(client, new)).status == 200
    assert len(await feed_log(services, demo)) == 2


async def test_head_answers_like_get_without_a_body_and_is_not_logged(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    _, path = await make_link(client, demo)
    client.session.cookie_jar.clear()
    resp = await client.head(path)
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert await resp.read() == b""
    assert await feed_log(services, demo) == []


async def test_a_feed_link_answers_429_after_too_many_fetches_an_hour(client, services, demo, capsys):
    from eenplan.services.calendar_feed import FETCHES_PER_HOUR

    await sign_in(client, capsys, FATIMA)
    _, path = await make_link(client, demo)
    client.session.cookie_jar.clear()
    for _ in range(FETCHES_PER_HOUR):
        assert (await client.get(path)).status == 200
    resp = await client.get(path)
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    assert b"BEGIN:VCALENDAR" not in await resp.read()
    assert len(await feed_log(services, demo)) == 1


async def test_the_calendar_name_holds_no_household_code(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    _, path = await make_link(client, demo)
    ics = await (await fetch_anonymously(client, path)).read()
    parsed = icalendar.Calendar.from_ical(ics)
    assert str(parsed["X-WR-CALNAME"]) == "eenplan: overleggen"
    assert demo["household"]["code"].encode() not in ics


async def test_a_stopped_link_answers_exactly_like_an_unknown_one(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    _, path = await make_link(client, demo)
    csrf = await csrf_of(client, overleggen(demo))
    resp = await client.post(f"{overleggen(demo)}/agenda-link/stoppen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    listing = await (await client.get(resp.headers["Location"])).text()
    assert "De agenda-link werkt niet meer." in listing and "Agenda-link maken" in listing
    stopped = await fetch_anonymously(client, path)
    unknown = await fetch_anonymously(client, "/agenda/" + "A" * 43 + ".ics")
    malformed = await fetch_anonymously(client, "/agenda/kort.ics")
    assert stopped.status == unknown.status == malformed.status == 404
    assert await stopped.read() == await unknown.read() == await malformed.read()
    assert stopped.headers["Content-Type"] == unknown.headers["Content-Type"]


async def test_a_new_link_stops_the_old_one(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    _, old = await make_link(client, demo)
    csrf = await csrf_of(client, overleggen(demo))
    resp = await client.post(f"{overleggen(demo)}/agenda-link", data={"csrf": csrf})
    text = await resp.text()
    assert "Uw vorige agenda-link werkt nu niet meer." in text
    new = f"/agenda/{FEED.search(text).group(2)}.ics"
    assert new != old
    assert (await fetch_anonymously(client, old)).status == 404
    assert (await fetch_anonymously(client, new)).status == 200


async def test_a_removed_betrokkenes_feed_stops(client, services, demo, capsys):
    await sign_in(client, capsys, KHADIJA)
    _, path = await make_link(client, demo)
    assert (await fetch_anonymously(client, path)).status == 200
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    await services.betrokkenen.remove(regisseur(demo), demo["household"]["id"], khadija)
    assert (await fetch_anonymously(client, path)).status == 404


async def test_making_a_link_needs_the_form_token(client, services, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    resp = await client.post(f"{overleggen(demo)}/agenda-link", data={})
    assert resp.status == 403 and "/agenda/" not in await resp.text()
    fatima = Principal(demo["by_name"]["Fatima El Amrani"]["id"], demo["household"]["id"])
    assert not await services.calendar_feeds.has_feed(fatima, demo["household"]["id"])


async def test_a_feed_holds_only_its_own_household_and_a_token_issued_by_another_cannot_make_one(services, demo):
    from eenplan.domain.errors import Forbidden
    from eenplan.services.households import NewHousehold, RegisseurDetails

    sanne = demo["regisseur"]
    mine = await plan(services, demo, ["Sanne de Vries"], days=20)
    other, there = await services.households.open(
        NewHousehold("T-4242", "Huishouden Jansen", "Heerlen"),
        RegisseurDetails(name="Sanne de Vries", email=sanne["email"]),
    )
    elsewhere = Principal(there.id, other.id, second_factor=True)
    start = (datetime.now(AMS) + timedelta(days=25)).replace(hour=10, minute=0, second=0, microsecond=0)
    away, _ = await services.overleggen.plan(
        elsewhere,
        other.id,
        OverlegDraft(OverlegType.VOORTGANGSOVERLEG, start, start + timedelta(hours=1), (Invitee(there.id, True),)),
    )
    url = await services.calendar_feeds.create(regisseur(demo), demo["household"]["id"])
    cal = read(await services.calendar_feeds.feed(url.rpartition("/agenda/")[2].removesuffix(".ics")))
    uid = (await services.overleggen.get(regisseur(demo), demo["household"]["id"], mine)).uid
    assert [e.uid for e in cal.events] == [uid] and away.uid not in {e.uid for e in cal.events}

    issued = Principal(demo["by_name"]["Fatima El Amrani"]["id"], demo["household"]["id"], issued_by=sanne["id"])
    with pytest.raises(Forbidden):
        await services.calendar_feeds.create(issued, demo["household"]["id"])
