"""A safety signal's dates on the regie page are Amsterdam's days: one raised and resolved at 00:30 Amsterdam
time reads as that day, not as the UTC day (still the day before from 00:00 to 01:00 in winter)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from support.overleg_kit import regisseur
from support.pagekit import sign_in
from support.plan_kit import words

from eenplan.config import Settings
from eenplan.domain.veiligheid import Besluit, Soort

SANNE = "sanne.devries@example.org"
AFWEGINGEN = ("huiselijk_geweld", "acute_onveiligheid", "hulp_mogelijk", "medewerking", "duurzame_veiligheid")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second factor: this test is about the dates on the page."""
    return dataclasses.replace(settings, second_factor="off")


async def test_a_signal_raised_and_resolved_just_after_midnight_shows_amsterdams_day(
    client, services, demo, capsys, clock
):
    hid = demo["household"]["id"]
    clock.now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 00:30 in Amsterdam, Wednesday 2 December
    signal = await services.veiligheid.raise_signal(regisseur(demo), hid, Soort.ONVEILIGHEID, "zorgen")
    await services.veiligheid.resolve(
        regisseur(demo), hid, signal["id"], dict.fromkeys(AFWEGINGEN, "ja, besproken"), Besluit.HULP
    )
    clock.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    await sign_in(client, capsys, SANNE)
    text = await (await client.get(f"/huishoudens/{hid}/regie/stagnatie")).text()
    day = words(datetime(2026, 12, 2).date())
    assert f", {day}</h3>" in text  # raised on
    assert f"Afgehandeld op {day}:" in text
    assert "dinsdag 1 december 2026" not in text
