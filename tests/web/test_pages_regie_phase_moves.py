"""The phase form on the regisseur's stagnatie page offers only the moves the method allows from the current phase
(`domain.household.ALLOWED_TRANSITIONS`): not the current phase itself, not a phase out of reach (both could only be
refused); the current phase is said in words. With no move allowed the page says so and shows no form. A refusal
for the aanspreekpunt ("Dit doet het gemeentelijk aanspreekpunt") is told by the domain error's type, not by the
words of its English message."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.overleg_kit import regisseur
from support.pagekit import csrf_of, sign_in

from eenplan.config import Settings
from eenplan.domain.errors import Forbidden
from eenplan.domain.household import Phase
from eenplan.web.pages import regie_stagnatie_pages

SANNE = "sanne.devries@example.org"
AP_TEXT = "Dit doet het gemeentelijk aanspreekpunt, niet de regisseur."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the forms."""
    return dataclasses.replace(settings, second_factor="off")


def base(demo) -> str:
    return f"/huishoudens/{demo['household']['id']}/regie/stagnatie"


def offered(page: str) -> list[str]:
    """The phases the form's select offers, by number."""
    found = re.search(r'<select[^>]*id="fase-naar"[^>]*>(.*?)</select>', page, re.S)
    assert found, "no phase form"
    return re.findall(r'<option value="(\d+)"', found.group(1))


async def test_from_aanmelding_only_intake_and_afsluiten_are_offered(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    assert offered(page) == ["2", "6"]
    assert "Het huishouden is nu in fase 1: Aanmelding." in page


async def test_after_afsluiten_only_voortgang_is_offered_and_the_move_works(client, services, demo, capsys):
    hid = demo["household"]["id"]
    await services.households.change_phase(regisseur(demo), hid, Phase.AFSLUITEN, None)
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    assert offered(page) == ["4"]
    assert "Het huishouden is nu in fase 6: Afsluiten." in page
    data = {"csrf": await csrf_of(client, base(demo)), "naar": offered(page)[0], "reden": "Nieuw signaal"}
    resp = await client.post(base(demo) + "/fase", data=data, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    assert (await services.households.get(regisseur(demo), hid)).phase is Phase.VOORTGANG


async def test_with_no_move_allowed_the_page_says_so_and_shows_no_form(client, demo, capsys, monkeypatch):
    stuck = {**regie_stagnatie_pages.ALLOWED_TRANSITIONS, Phase.AANMELDING: frozenset()}
    monkeypatch.setattr(regie_stagnatie_pages, "ALLOWED_TRANSITIONS", stuck)
    await sign_in(client, capsys, SANNE)
    page = await (await client.get(base(demo))).text()
    assert "Vanuit deze fase kan het huishouden niet naar een andere fase." in page
    assert 'id="fase-naar"' not in page and f'action="{base(demo)}/fase"' not in page
    assert "Het huishouden is nu in fase 1: Aanmelding." in page


async def test_a_forbidden_that_merely_mentions_the_aanspreekpunt_is_not_told_as_hers(
    client, services, demo, capsys, monkeypatch
):
    async def refuse(*_args, **_kwargs):
        raise Forbidden("only a regisseur (or the gemeentelijk aanspreekpunt) may do this")

    monkeypatch.setattr(services.households, "change_phase", refuse)
    await sign_in(client, capsys, SANNE)
    data = {"csrf": await csrf_of(client, base(demo)), "naar": "2"}
    resp = await client.post(base(demo) + "/fase", data=data, allow_redirects=False)
    assert resp.status == 403
    assert AP_TEXT not in await resp.text()
