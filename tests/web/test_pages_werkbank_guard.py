"""Who gets the werkbank: a regisseur gets their caseload; a person who is regisseur of no household is sent
to their own start page (a klant: their households), never shown an empty werkbank. A filter that does not
exist is a 422 in Dutch naming the filter, as `GET /api/werkbank?filter=…` answers."""

from __future__ import annotations

import dataclasses

import pytest
from support.pagekit import sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4
from support.werkbank_kit import SANNE, session_of

from eenplan.config import Settings
from eenplan_crypto.testing import create_keys

FATIMA = "fatima@example.org"
KHADIJA = "khadija@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor here: who gets the werkbank is what these tests check (factors: their own tests)."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.mark.parametrize("email", [FATIMA, KHADIJA])
async def test_someone_who_is_regisseur_nowhere_is_sent_to_their_households(client, demo, capsys, email):
    await sign_in(client, capsys, email)
    resp = await client.get("/werkbank", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"
    resp = await client.get("/werkbank?filter=te-laat", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"


async def test_the_aanspreekpunt_is_sent_to_their_escalations(client, services, demo, capsys):
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    try:
        await escalate_to_step_4(client, services, demo, keys["ap"])
    finally:
        keys["ap"].cleanup()
    await sign_in(client, capsys, AP_EMAIL)
    resp = await client.get("/werkbank", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/escalaties"


async def test_the_regisseur_still_gets_the_werkbank(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    resp = await client.get("/werkbank", allow_redirects=False)
    assert resp.status == 200 and "Huishoudens waar u regisseur bent" in await resp.text()


async def test_an_unknown_filter_is_a_dutch_422_naming_the_filter_like_the_api(client, demo, capsys):
    api = await client.get(
        "/api/werkbank?filter=bogus", headers={"Authorization": f"Bearer {await session_of(client, capsys, SANNE)}"}
    )
    assert api.status == 422
    await sign_in(client, capsys, SANNE)
    resp = await client.get("/werkbank?filter=bogus")
    text = await resp.text()
    assert resp.status == 422
    assert "Dit filter bestaat niet" in text and "Te laat" in text and "bogus" not in text
