"""GET /api/werkbank: the regisseur's caseload as JSON (issue 13 items 1 and 9)."""

from __future__ import annotations

import dataclasses

import pytest
from support.helpers import bearer
from support.werkbank_kit import SANNE, busy_household, second_household, session_of

from eenplan.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sanne signs in by link only: the second factor is not what these tests check."""
    return dataclasses.replace(settings, second_factor="off")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_caseload_lists_every_household_where_i_am_regisseur_most_urgent_first(client, demo, clock, capsys):
    busy = await busy_household(client, demo)
    quiet = await second_household(client, demo)
    clock.advance(days=30)  # the startoverleg window (15 werkdagen) and the step-1 term (5 werkdagen) have passed
    session = await session_of(client, capsys, SANNE)
    resp = await client.get("/api/werkbank", headers=_auth(session))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert [h["household_id"] for h in body["households"]] == [busy, quiet]
    first = body["households"][0]
    assert first["urgency"] == "te-laat" and first["phase"] == 3
    assert {d["kind"] for d in first["deadlines_overdue"]} == {"startoverleg", "stagnatie"}
    assert first["open_signals"] == 1 and first["consent_waiting"] >= 1
    assert "GEHEIM-SIGNAAL" not in await resp.text()  # a signal is counted, its text never shown
    assert body["households"][1]["urgency"] != "te-laat" and body["households"][1]["deadlines_overdue"] == []
    assert body["counts"]["alle"] == 2 and body["counts"]["te-laat"] == 1 and body["counts"]["veiligheid"] == 1


async def test_filter_keeps_the_counts_of_all_households(client, demo, clock, capsys):
    busy = await busy_household(client, demo)
    await second_household(client, demo)
    clock.advance(days=30)
    session = await session_of(client, capsys, SANNE)
    everything = await (await client.get("/api/werkbank", headers=_auth(session))).json()
    overdue = await (await client.get("/api/werkbank?filter=te-laat", headers=_auth(session))).json()
    assert [h["household_id"] for h in overdue["households"]] == [busy]
    assert overdue["counts"] == everything["counts"] and overdue["filter"] == "te-laat"
    unknown = await client.get("/api/werkbank?filter=alles-kwijt", headers=_auth(session))
    assert unknown.status == 422 and (await unknown.json())["errors"][0]["field"] == "filter"


async def test_upcoming_deadline_before_it_is_overdue(client, demo, capsys):
    busy = await busy_household(client, demo)
    session = await session_of(client, capsys, SANNE)
    body = await (await client.get("/api/werkbank?filter=binnenkort", headers=_auth(session))).json()
    (row,) = body["households"]
    assert row["household_id"] == busy and row["deadlines_overdue"] == []
    assert [d["kind"] for d in row["deadlines_upcoming"]] == ["stagnatie"]  # the step-1 term, 5 werkdagen on


async def test_a_startoverleg_planned_in_its_window_ends_the_window_deadline(client, demo, clock, capsys):
    hh = await busy_household(client, demo)
    initiated = clock.today().isoformat()
    clock.advance(days=16)  # the window's last day is now near: an upcoming deadline until one is planned
    session = await session_of(client, capsys, SANNE)
    before = (await (await client.get("/api/werkbank", headers=_auth(session))).json())["households"][0]
    assert [d["kind"] for d in before["deadlines_upcoming"]] == ["startoverleg"]
    window = await client.get(
        f"/api/households/{hh}/overleggen/window?initiated={initiated}", headers=bearer(demo["regisseur"])
    )
    latest = (await window.json())["latest"]
    resp = await client.post(
        f"/api/households/{hh}/overleggen",
        headers=bearer(demo["regisseur"]),
        json={
            "type": "startoverleg",
            "start": f"{latest}T10:00:00+01:00",
            "end": f"{latest}T11:00:00+01:00",
            "initiated": initiated,
            "invitees": [{"betrokkene_id": demo["regisseur"]["id"], "must_attend": True}],
        },
    )
    assert resp.status == 201, await resp.text()
    row = (await (await client.get("/api/werkbank", headers=_auth(session))).json())["households"][0]
    assert all(d["kind"] != "startoverleg" for d in row["deadlines_overdue"] + row["deadlines_upcoming"])
    assert row["next_overleg"]["type"] == "startoverleg"


async def test_phase_4_without_a_future_overleg_says_so(client, demo, capsys):
    hh = demo["household"]["id"]
    for to in (2, 3, 4):
        await client.post(
            f"/api/households/{hh}/phase", json={"to": to, "reason": "stap"}, headers=bearer(demo["regisseur"])
        )
    session = await session_of(client, capsys, SANNE)
    body = await (await client.get("/api/werkbank?filter=geen-overleg", headers=_auth(session))).json()
    (row,) = body["households"]
    assert row["needs_overleg"] is True and row["next_overleg"] is None and row["urgency"] == "actie"


async def test_not_a_regisseur_anywhere_has_an_empty_caseload(client, demo, capsys):
    await busy_household(client, demo)
    session = await session_of(client, capsys, "fatima@example.org")
    body = await (await client.get("/api/werkbank", headers=_auth(session))).json()
    assert body["households"] == [] and body["counts"]["alle"] == 0


async def test_an_api_token_sees_its_one_household_and_only_as_regisseur(client, demo):
    await busy_household(client, demo)
    mine = await (await client.get("/api/werkbank", headers=bearer(demo["regisseur"]))).json()
    assert [h["household_id"] for h in mine["households"]] == [demo["household"]["id"]]
    other = await (await client.get("/api/werkbank", headers=bearer(demo["by_name"]["Joost Willems"]))).json()
    assert other["households"] == []
    assert (await client.get("/api/werkbank")).status == 401


async def test_one_fixed_set_of_queries_whatever_the_number_of_households(client, demo, services, capsys):
    """No query per household per row: the caseload's statements do not grow with the households."""
    import sqlalchemy as sa

    session = await session_of(client, capsys, SANNE)
    engine = services.plan._uow.engine
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await services.caseload.for_session(session)
        few = len(counted)
        for n in range(5):
            await second_household(client, demo, code=f"H-2026-1{n:02d}")
        session = await session_of(client, capsys, SANNE)
        counted.clear()
        caseload = await services.caseload.for_session(session)
        assert len(caseload.rows) == 6
        assert len(counted) == few
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
