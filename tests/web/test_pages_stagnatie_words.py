"""The regie stagnatie page speaks B1 Dutch: "nieuwe afspraken", never the method's English "commitment" (at every
step of the ladder, on the escalatie page too), and the editor's "Over wie" in krachten en zorgen lists the
household's own people (klanten and netwerk), not the professionals who help them."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.overleg_kit import regisseur
from support.pagekit import sign_in

from eenplan.config import Settings
from eenplan.domain.stagnatie import Outcome

SANNE = "sanne.devries@example.org"
TAG = re.compile(r"<[^>]*>")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: these tests are about the words on the pages."""
    return dataclasses.replace(settings, second_factor="off")


def _shown(html: str) -> str:
    """The page's text as a reader sees it (tags and their attributes, e.g. form actions, left out)."""
    return TAG.sub(" ", html)


async def test_the_ladder_says_nieuwe_afspraken_at_every_step(client, services, demo, capsys, clock):
    hh = demo["household"]["id"]
    me = regisseur(demo)
    case = await services.stagnatie.open(
        me, hh, doel_id="school", actie_id="mentor", betrokkene_id=None, organisatie="Jeugdteam", toelichting="x"
    )
    await sign_in(client, capsys, SANNE)
    page = f"/huishoudens/{hh}/regie/stagnatie"
    for step in (1, 2):
        text = _shown(await (await client.get(page)).text())
        assert f"stap {step} van 4" in text
        assert "ommitment" not in text, step
        assert "Nieuwe afspraken" in text and "Afspraken vastleggen" in text
        if step == 2:  # the internal plan is step 2's outcome (the ladder asks for it before step 3)
            await services.stagnatie.record_outcome(
                me, hh, case["id"], Outcome.INTERN_PLAN, datum=clock.today(), acties=None, resultaat=None, termijn=None
            )
        await services.stagnatie.escalate(me, hh, case["id"])
    text = _shown(await (await client.get(page)).text())
    assert "stap 3 van 4" in text and "ommitment" not in text
    assert "daarna binnen vijf werkdagen nieuwe afspraken" in text


async def test_over_wie_lists_the_households_people_not_the_professionals(client, demo, capsys):
    await sign_in(client, capsys, SANNE)
    html = await (await client.get(f"/huishoudens/{demo['household']['id']}/plan/bewerken")).text()
    select = re.search(r'<select[^>]*id="deel-krachten_zorgen-betrokkene_id-2".*?</select>', html, re.S)
    assert select is not None
    offered = set(re.findall(r'<option value="([^"]+)"', select.group(0)))
    by_name = demo["by_name"]
    people = {b["id"] for b in by_name.values() if b["kind"] in ("klant", "netwerk")}
    assert people and offered == people
    assert by_name["Joost Willems"]["id"] not in offered and demo["regisseur"]["id"] not in offered
