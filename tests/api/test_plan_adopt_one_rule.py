"""Vaststellen has one rule (issue 13/14 leftovers): the plan service offers no public `adopt` of its own that takes
any overleg; what adopts is `PlanDeadlineService.adopt_at` (a held or today's overleg) or closing an overleg, both
through `PlanService.adopt_in` inside their own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eenplan.domain.access import Principal
from eenplan.domain.errors import ValidationFailed
from eenplan.services.plan import PlanService


def test_the_plan_service_has_no_adopt_with_a_weaker_rule():
    assert {name for name in dir(PlanService) if name.startswith("adopt")} == {"adopt_in"}


async def test_the_one_public_way_refuses_a_future_overleg(client, services, demo, clock):
    hid, sanne = demo["household"]["id"], Principal(demo["regisseur"]["id"], demo["household"]["id"])
    day = (clock.today() + timedelta(days=9)).isoformat()
    resp = await client.post(
        f"/api/households/{hid}/overleggen",
        json={
            "type": "voortgangsoverleg",
            "start": f"{day}T10:00:00+01:00",
            "end": f"{day}T11:00:00+01:00",
            "invitees": [{"betrokkene_id": demo["by_name"]["Joost Willems"]["id"], "must_attend": False}],
        },
        headers={"Authorization": f"Bearer {demo['regisseur']['token']}"},
    )
    assert resp.status == 201, await resp.text()
    future = (await resp.json())["id"]
    with pytest.raises(ValidationFailed) as refused:
        await services.plan_deadlines.adopt_at(sanne, hid, 1, future)
    assert [p.field for p in refused.value.problems] == ["overleg"]
    versions, _ = await services.plan.versions(sanne, hid)
    assert not any(v.vastgesteld_at for v in versions)
