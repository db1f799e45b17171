"""The household list and a household's start page: only one's own households, names always escaped."""

from __future__ import annotations

import dataclasses
import urllib.parse

import pytest
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.domain.betrokkene import Kind, Role
from eenplan.domain.household import Phase
from eenplan.services.households import NewHousehold, RegisseurDetails
from eenplan.web.pages.households import phase_explanation, phase_label

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"
HOSTILE = '<script>alert("x")</script> & "Co"'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Co&#34;"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: these tests are about who sees which household (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


async def _open(services, name: str, regisseur: str, email: str) -> str:
    household, _ = await services.households.open(
        NewHousehold(f"T-{abs(hash(name)) % 10_000:04d}", name, "Utrecht"),
        RegisseurDetails(name=regisseur, email=email),
    )
    return household.id


async def test_a_person_in_two_households_sees_both_with_hostile_names_escaped(client, services, demo, capsys):
    other = await _open(services, HOSTILE, "Sanne <b>de Vries</b>", SANNE)
    await sign_in(client, capsys, SANNE)
    listing = await (await client.get("/huishoudens")).text()
    assert demo["household"]["name"] in listing and ESCAPED in listing
    assert "<script>alert" not in listing and "<b>de Vries</b>" not in listing
    assert "Sanne &lt;b&gt;de Vries&lt;/b&gt;" in listing
    start = await client.get(f"/huishoudens/{other}")
    text = await start.text()
    assert start.status == 200 and "<script>alert" not in text
    assert f'<h1 class="utrecht-heading-1">{ESCAPED}</h1>' in text and f"<title>{ESCAPED} — eenplan</title>" in text
    assert "Aanmelding" in text  # the phase, in words


async def test_a_household_that_is_not_yours_looks_exactly_like_a_missing_one(client, services, demo, capsys):
    stranger = await _open(services, "Huishouden Jansen", "Piet Regisseur", "piet@elders.example.org")
    await sign_in(client, capsys, FATIMA)
    theirs = await client.get(f"/huishoudens/{stranger}")
    missing = await client.get("/huishoudens/00000000-0000-4000-8000-000000000000")
    assert theirs.status == missing.status == 404
    assert theirs.content_type == missing.content_type == "text/html"
    assert await theirs.text() == await missing.text()
    assert "Jansen" not in await (await client.get("/huishoudens")).text()


async def test_a_shared_address_asks_who_you_are_before_the_household_opens(client, services, demo, capsys):
    hid = demo["household"]["id"]
    regisseur = Principal(demo["by_name"]["Sanne de Vries"]["id"], hid, second_factor=True)
    amira = await services.betrokkenen.add(
        regisseur,
        hid,
        {
            "name": "Amira El Amrani",
            "kind": Kind.KLANT,
            "role": Role.OUDER,
            "relation": "tante",
            "email": FATIMA,
            "organisation": "",
            "phone": None,
            "reachable_days": (),
            "birth_date": None,
        },
    )
    resp = await sign_in(client, capsys, FATIMA, next_path=f"/huishoudens/{hid}")
    assert urllib.parse.unquote(resp.headers["Location"]) == f"/inloggen/kiezen?next=/huishoudens/{hid}"
    page = await client.get(f"/huishoudens/{hid}", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/inloggen/kiezen")
    choose = await client.get(resp.headers["Location"])
    text = await choose.text()
    assert "Amira El Amrani" in text and "Fatima El Amrani" in text and f'value="{amira.id}"' in text
    token = await csrf_of(client, resp.headers["Location"])
    nothing = await client.post("/inloggen/kiezen", data={"csrf": token, "household": hid})
    assert nothing.status == 422 and "Kies wie u bent." in await nothing.text()
    stranger = demo["by_name"]["Youssef El Amrani"]["id"]  # not one of the choices: refused the same way
    wrong = await client.post("/inloggen/kiezen", data={"csrf": token, "household": hid, "betrokkene": stranger})
    assert wrong.status == 422 and "Kies wie u bent." in await wrong.text()
    chosen = await client.post(
        "/inloggen/kiezen",
        data={"csrf": token, "household": hid, "betrokkene": amira.id, "next": f"/huishoudens/{hid}"},
        allow_redirects=False,
    )
    assert chosen.status == 303 and chosen.headers["Location"] == f"/huishoudens/{hid}"
    start = await (await client.get(f"/huishoudens/{hid}")).text()
    assert "Amira El Amrani" in start and "Fatima El Amrani" not in start


async def test_the_start_page_says_what_one_can_do_now_and_what_the_phase_means(client, services, demo, capsys):
    hid = demo["household"]["id"]
    regisseur = Principal(demo["by_name"]["Sanne de Vries"]["id"], hid, second_factor=True)
    phase = (await services.households.get(regisseur, hid)).phase
    await sign_in(client, capsys, FATIMA)
    text = await (await client.get(f"/huishoudens/{hid}")).text()
    assert "binnenkort" not in text  # no promise of pages that are not there
    assert "Ons plan" in text and "Wat wilt u doen?" in text
    assert "Neem contact op met uw regisseur." in text
    assert "Waar staat het plan nu?" in text
    assert f"Fase: {phase_label(phase)}. {phase_explanation(phase)}" in text
    assert all(phase_explanation(p) for p in Phase)  # every phase is explained


async def test_the_menu_offers_the_klant_pages_only_to_a_klant(client, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, "khadija@example.org")  # the grandmother: netwerk
    network = await (await client.get(f"/huishoudens/{hid}")).text()
    assert f'href="/huishoudens/{hid}/plan"' in network and f'href="/huishoudens/{hid}/gegevens"' in network
    assert "/wie-ziet-wat" not in network and "/bekeken" not in network and "/inzage" not in network
    client.session.cookie_jar.clear()
    await sign_in(client, capsys, FATIMA)
    klant = await (await client.get(f"/huishoudens/{hid}")).text()
    assert all(f'href="/huishoudens/{hid}/{p}"' in klant for p in ("plan", "wie-ziet-wat", "bekeken", "inzage"))


async def test_every_page_under_a_household_leads_back_to_its_menu(client, demo, capsys):
    hid = demo["household"]["id"]
    await sign_in(client, capsys, FATIMA)
    crumb = f'<a class="utrecht-link utrecht-link--html-a" href="/huishoudens/{hid}">'
    for path in ("plan", "overleggen", "gegevens", "wie-ziet-wat"):
        text = await (await client.get(f"/huishoudens/{hid}/{path}")).text()
        assert 'aria-label="U bent hier"' in text and crumb in text, path
    assert 'aria-label="U bent hier"' not in await (await client.get(f"/huishoudens/{hid}")).text()
