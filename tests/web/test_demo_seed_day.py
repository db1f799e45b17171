"""The demo household's plan starts on the day of the services' clock where the households live (Amsterdam),
not on the UTC day and not on the real date: `make run` shows actions that start today, and tests that move the
clock get a demo on their own day."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from support.clock import MovableClock

from eenplan.demo import seed_demo
from eenplan.domain.access import Principal


@pytest.fixture
def clock() -> MovableClock:
    """23:30 UTC on Wednesday 2 December 2026: already Thursday 3 December, 00:30, in Amsterdam."""
    return MovableClock(datetime(2026, 12, 2, 23, 30, tzinfo=UTC))


async def test_the_demo_plan_starts_on_the_amsterdam_day_of_the_services_clock(settings, services, clock):
    result = await seed_demo(settings, services=services)
    hid = result["household"]["id"]
    sanne = next(b for b in result["betrokkenen"] if b["role"] == "procesregisseur")
    plan = await services.plan.current(Principal(sanne["id"], hid, second_factor=True), hid)
    actions = {a["id"]: a for goal in json.loads(plan.sections["doelen"]) for a in goal["acties"]}
    assert (actions["budgetplan"]["start"], actions["budgetplan"]["einde"]) == ("2026-12-03", "2027-01-02")
    assert actions["mentor"]["start"] == "2026-12-06"
