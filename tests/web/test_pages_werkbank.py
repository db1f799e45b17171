"""De werkbank (/werkbank): the regisseur's caseload as a page, with the API's counts (issue 13 item 1)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.pagekit import sign_in
from support.werkbank_kit import SANNE, busy_household, second_household, session_of

from eenplan.config import Settings

FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: the caseload is what these tests check (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


def _summary(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="([a-z_-]+)">[^<]*<strong>(\d+)</strong>', html)}


def _filters(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-filter="([a-z-]+)">.*?\((\d+)\)<', html)}


async def test_the_page_shows_the_same_counts_as_the_api_most_urgent_first(client, demo, clock, capsys):
    busy = await busy_household(client, demo)
    quiet = await second_household(client, demo)
    clock.advance(days=30)
    await sign_in(client, capsys, SANNE)
    resp = await client.get("/werkbank")
    html = await resp.text()
    assert resp.status == 200
    api = await (
        await client.get(
            "/api/werkbank", headers={"Authorization": f"Bearer {await session_of(client, capsys, SANNE)}"}
        )
    ).json()
    summary, filters = _summary(html), _filters(html)
    assert summary == filters  # every count in the summary is the number its filter shows
    assert len(filters) == 8 and "geen-sleutel" in filters and "post" in filters
    assert all(api["counts"][k] == v for k, v in filters.items())
    assert html.index(f'data-household="{busy}"') < html.index(f'data-household="{quiet}"')
    assert "Te laat" in html and "Startoverleg houden" in html and "GEHEIM-SIGNAAL" not in html
    assert re.search(r"uiterlijk (maandag|dinsdag|woensdag|donderdag|vrijdag) \d+ \w+ 20\d\d", html)


async def test_a_filter_shows_only_its_households(client, demo, clock, capsys):
    busy = await busy_household(client, demo)
    quiet = await second_household(client, demo)
    clock.advance(days=30)
    await sign_in(client, capsys, SANNE)
    html = await (await client.get("/werkbank?filter=te-laat")).text()
    assert f'data-household="{busy}"' in html and f'data-household="{quiet}"' not in html
    assert '<strong aria-current="page">Te laat (1)</strong>' in html
    odd = await client.get("/werkbank?filter=iets-anders")  # as the API: a 422 naming the filter
    assert odd.status == 422 and "Dit filter bestaat niet" in await odd.text()


async def test_phase_4_without_a_next_overleg_says_so(client, demo, capsys):
    from support.helpers import bearer

    hh = demo["household"]["id"]
    for to in (2, 3, 4):
        resp = await client.post(
            f"/api/households/{hh}/phase", json={"to": to, "reason": "stap"}, headers=bearer(demo["regisseur"])
        )
        assert resp.status == 200
    await sign_in(client, capsys, SANNE)
    html = await (await client.get("/werkbank")).text()
    assert "geen volgend overleg gepland" in html


async def test_the_household_list_links_to_the_werkbank_only_for_a_regisseur(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    assert 'href="/werkbank"' in await (await client.get("/huishoudens")).text()
    client.session.cookie_jar.clear()
    await sign_in(client, capsys, FATIMA)
    assert 'href="/werkbank"' not in await (await client.get("/huishoudens")).text()
    resp = await client.get("/werkbank", allow_redirects=False)  # no empty werkbank: her own households
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"


async def test_signed_out_the_werkbank_asks_to_sign_in(client):
    resp = await client.get("/werkbank", allow_redirects=False)
    assert resp.status in (200, 303, 401) and "inloggen" in (await resp.text() + resp.headers.get("Location", ""))


def test_the_vaststellen_deadline_reads_as_a_sentence():
    """Review of issue 13: "binnen 6 weken nadat is besloten: geen familiegroepsplan"."""
    from datetime import date

    from eenplan.domain.caseload import DeadlineItem, DeadlineKind
    from eenplan.web.pages.werkbank_pages import deadline_text

    item = DeadlineItem(DeadlineKind.VASTSTELLEN, "geen-familiegroepsplan", "", date(2026, 12, 8), False)
    assert deadline_text(item) == "Plan vaststellen (6 weken na het besluit dat er geen familiegroepsplan komt)"
