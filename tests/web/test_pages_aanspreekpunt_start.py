"""The gemeentelijk aanspreekpunt lands on their escalations after signing in (one household: its escalatie page
at once), and `/huishoudens/{id}/escalatie` is their page alone: a regisseur (who works on the regie stagnatie page)
and a klant get the 404 of a missing household, and nothing of the case or the plan is read for them."""

from __future__ import annotations

import dataclasses

import pytest
from support.pagekit import sign_in
from support.stagnatie import AP_EMAIL, escalate_to_step_4

from eenplan.config import Settings
from eenplan.domain.caseload import StartPage, start_page
from eenplan_crypto.testing import create_keys

SANNE = "sanne.devries@example.org"
FATIMA = "fatima@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about where one lands (a professional's factor has its own tests)."""
    return dataclasses.replace(settings, second_factor="off")


@pytest.fixture(scope="module")
def ap_key():
    """The aanspreekpunt's own key pair (the registry validates and pins it)."""
    keys = create_keys({"ap": ("good", f"Anna Punt <{AP_EMAIL}>")})
    yield keys["ap"]
    keys["ap"].cleanup()


async def _log_size(services, household_id: str) -> int:
    async with services.plan._uow() as uow:
        return len(await uow.access_log.entries(household_id, limit=10_000))


def test_who_starts_where():
    assert start_page(1, 1) is StartPage.WERKBANK
    assert start_page(0, 2) is StartPage.ESCALATIES
    assert start_page(0, 0) is StartPage.HUISHOUDENS


async def test_the_aanspreekpunt_lands_on_the_escalatie_page(client, services, demo, capsys, ap_key):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    resp = await sign_in(client, capsys, AP_EMAIL)
    assert resp.headers["Location"] == "/escalaties"
    start = await client.get("/escalaties", allow_redirects=False)
    assert start.status == 303 and start.headers["Location"] == f"/huishoudens/{hh}/escalatie"
    page = await client.get(start.headers["Location"])
    assert page.status == 200 and "Uw zaken" in await page.text()


async def test_without_escalations_the_start_page_leads_to_the_households(client, demo, capsys):
    await sign_in(client, capsys, FATIMA)
    resp = await client.get("/escalaties", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/huishoudens"


@pytest.mark.parametrize("email", [SANNE, FATIMA])
async def test_the_escalatie_page_is_the_aanspreekpunts_alone(client, services, demo, capsys, ap_key, email):
    hh = demo["household"]["id"]
    await escalate_to_step_4(client, services, demo, ap_key)
    await sign_in(client, capsys, email)
    before = await _log_size(services, hh)
    resp = await client.get(f"/huishoudens/{hh}/escalatie")
    missing = await client.get("/huishoudens/00000000-0000-0000-0000-000000000000/escalatie")
    assert resp.status == missing.status == 404
    assert await _log_size(services, hh) == before  # no case, no plan was read for them
