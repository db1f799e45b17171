"""A regisseur stops someone's leaked calendar link (`/agenda/<token>.ics`): "Agenda-link stoppen" on the
betrokkenen page and `DELETE /api/households/{id}/betrokkenen/{bid}/calendar-feed`. The stopped link answers the
one 404 of an unknown link; the person can make a new one; nobody but a regisseur stops someone's link."""

from __future__ import annotations

import dataclasses

import pytest
from support.helpers import bearer
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal

SANNE = "sanne.devries@example.org"
UNKNOWN = "/agenda/" + "A" * 43 + ".ics"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about the feed (factors have their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def _ids(demo) -> tuple[str, str]:
    return demo["household"]["id"], demo["by_name"]["Fatima El Amrani"]["id"]


async def _link(services, demo, name: str) -> str:
    """The path of a new calendar link `name` made herself."""
    hid = demo["household"]["id"]
    url = await services.calendar_feeds.create(Principal(demo["by_name"][name]["id"], hid), hid)
    return "/agenda/" + url.rpartition("/agenda/")[2]


async def _fetch(client, path: str):
    """The feed as a calendar program fetches it: no cookie, no Authorization header."""
    client.session.cookie_jar.clear()
    return await client.get(path)


async def _answers_like_an_unknown_link(client, path: str) -> None:
    stopped, unknown = await _fetch(client, path), await _fetch(client, UNKNOWN)
    assert stopped.status == unknown.status == 404
    assert await stopped.read() == await unknown.read()


def _api(demo, bid: str) -> str:
    return f"/api/households/{demo['household']['id']}/betrokkenen/{bid}/calendar-feed"


async def test_the_regisseur_stops_a_link_on_the_betrokkenen_page(client, services, demo, capsys):
    hid, fatima = _ids(demo)
    path = await _link(services, demo, "Fatima El Amrani")
    assert (await _fetch(client, path)).status == 200
    await sign_in(client, capsys, SANNE)
    base = f"/huishoudens/{hid}/betrokkenen"
    html = await (await client.get(base)).text()
    assert html.count('data-feed="ja"') == 1 and "Agenda-link stoppen" in html
    assert f'action="{base}/{fatima}/agenda-link-stoppen"' in html
    csrf = await csrf_of(client, base)
    resp = await client.post(f"{base}/{fatima}/agenda-link-stoppen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    after = await (await client.get(resp.headers["Location"])).text()
    assert "De agenda-link is gestopt." in after and 'data-feed="ja"' not in after
    await _answers_like_an_unknown_link(client, path)
    again = await _link(services, demo, "Fatima El Amrani")  # she makes a new one herself
    assert (await _fetch(client, again)).status == 200


async def test_stopping_on_the_page_needs_the_form_token(client, services, demo, capsys):
    hid, fatima = _ids(demo)
    path = await _link(services, demo, "Fatima El Amrani")
    await sign_in(client, capsys, SANNE)
    resp = await client.post(f"/huishoudens/{hid}/betrokkenen/{fatima}/agenda-link-stoppen", data={})
    assert resp.status == 403
    assert (await _fetch(client, path)).status == 200


async def test_a_klant_gets_no_stop_button_and_cannot_stop_anothers_link(client, services, demo, capsys):
    hid, _ = _ids(demo)
    khadija = demo["by_name"]["Khadija El Amrani"]["id"]
    path = await _link(services, demo, "Khadija El Amrani")
    await sign_in(client, capsys, "fatima@example.org")
    base = f"/huishoudens/{hid}/betrokkenen"
    assert "Agenda-link stoppen" not in await (await client.get(base)).text()
    csrf = await csrf_of(client, f"/huishoudens/{hid}")
    resp = await client.post(f"{base}/{khadija}/agenda-link-stoppen", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 403
    assert (await _fetch(client, path)).status == 200


async def test_the_api_stops_a_link_and_says_whether_one_was_working(client, services, demo):
    _, fatima = _ids(demo)
    path = await _link(services, demo, "Fatima El Amrani")
    resp = await client.delete(_api(demo, fatima), headers=bearer(demo["regisseur"]))
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"betrokkene_id": fatima, "stopped": True}
    await _answers_like_an_unknown_link(client, path)
    again = await client.delete(_api(demo, fatima), headers=bearer(demo["regisseur"]))
    assert again.status == 200 and (await again.json())["stopped"] is False


async def test_only_a_regisseur_stops_someones_link_over_the_api(client, services, demo):
    _, fatima = _ids(demo)
    path = await _link(services, demo, "Fatima El Amrani")
    for name in ("Khadija El Amrani", "Joost Willems", "Fatima El Amrani"):
        resp = await client.delete(_api(demo, fatima), headers=bearer(demo["by_name"][name]))
        assert resp.status == 403 and resp.content_type == "application/problem+json"
        assert "only a regisseur" in (await resp.json())["detail"]
    missing = await client.delete(_api(demo, "0" * 36), headers=bearer(demo["regisseur"]))
    assert missing.status == 404
    assert (await _fetch(client, path)).status == 200
