"""PATCH of an overleg with null for a field that cannot be empty answers 422 naming it, not a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.clock import MovableClock
from support.helpers import bearer

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def clock() -> MovableClock:
    """Wednesday 2 December 2026, 10:00 in Amsterdam: the overleg below lies ahead of it."""
    return MovableClock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))


async def test_null_start_end_agenda_or_invitees_is_refused(client, demo):
    hh, reg = demo["household"]["id"], bearer(demo["regisseur"])
    start = datetime(2027, 2, 2, 10, tzinfo=AMS)
    resp = await client.post(
        f"/api/households/{hh}/overleggen",
        headers=reg,
        json={
            "type": "voortgangsoverleg",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "location": "Wijkcentrum",
            "invitees": [{"betrokkene_id": demo["by_name"]["Inge Bakker"]["id"]}],
        },
    )
    assert resp.status == 201, await resp.text()
    oid = (await resp.json())["id"]
    for field in ("start", "end", "agenda", "invitees"):
        resp = await client.patch(f"/api/households/{hh}/overleggen/{oid}", json={field: None}, headers=reg)
        assert resp.status == 422, (field, resp.status, await resp.text())
        assert (await resp.json())["errors"][0]["field"] == field
    resp = await client.patch(f"/api/households/{hh}/overleggen/{oid}", json={"location": None}, headers=reg)
    assert resp.status in (200, 422)  # a place may be taken away (then a video link is needed)
