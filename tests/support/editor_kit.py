"""The plan editor's pages in tests: its address for the demo household, the grandmother the actions are for, and
the plan as the service has it (what a page test compares before and after a form)."""

from __future__ import annotations

import json
from typing import Any

from eenplan.domain.access import Principal

SANNE = "sanne.devries@example.org"


def editor(demo: dict[str, Any]) -> str:
    """The editor page of the demo household (its forms post below it)."""
    return f"/huishoudens/{demo['household']['id']}/plan/bewerken"


def oma(demo: dict[str, Any]) -> str:
    """Khadija El Amrani's id: the grandmother a test gives an action to."""
    return str(demo["by_name"]["Khadija El Amrani"]["id"])


async def current_plan(services: Any, regisseur_id: str, household_id: str) -> dict[str, Any]:
    """The current plan read through the service as the regisseur: {"version": number, section key: value}."""
    me = Principal(regisseur_id, household_id)
    snap = await services.plan.current(me, household_id)
    return {"version": snap.info.number, **{k: json.loads(v) for k, v in snap.sections.items()}}


async def plan_of(services: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """The demo household's current plan, as `current_plan` reads it."""
    return await current_plan(services, demo["regisseur"]["id"], demo["household"]["id"])
