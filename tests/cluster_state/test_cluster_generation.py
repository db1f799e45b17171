"""Every change the household generation covers, committed through another node (its own connection) between
two reads, decides the very next `GET …/plan` on node A — also when node A answered the read before from what
it remembers (PostgreSQL: member_access by household generation, the token check deferred to the read's own
access-log row; storage/pg_generation.py). Each test first makes node A warm (three reads; on PostgreSQL the
last one asks the database nothing before its log append), then changes one thing through node B.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.helpers import bearer, patch_plan, plan_url

from eenplan.domain.access import Level, Principal
from eenplan.storage.engine import create_engine

pytestmark = pytest.mark.both_databases

MARKER = "MARKER-GENERATIE-7d1e"
SECTION = "krachten_zorgen"
OMA = "Khadija El Amrani"


@pytest.fixture
async def other_connection(settings) -> AsyncIterator[Callable[[str, dict], Awaitable[None]]]:
    """Run one statement through a connection of its own (as another node's code would), committed."""
    engine = create_engine(settings.effective_database_url)

    async def run(sql: str, params: dict) -> None:
        async with engine.begin() as conn:
            await conn.execute(sa.text(sql), params)

    yield run
    await engine.dispose()


def _principal(demo: dict, name: str | None = None) -> Principal:
    person = demo["by_name"][name] if name else demo["regisseur"]
    return Principal(person["id"], demo["household"]["id"], second_factor=True)


async def _warm(client, demo, services, headers: dict[str, str]) -> str:
    """Three reads through node A; on PostgreSQL the third asks nothing before its log (it is warm)."""
    for _ in range(2):
        assert (await client.get(plan_url(demo), headers=headers)).status == 200
    asked = _count_statements(services)
    resp = await client.get(plan_url(demo), headers=headers)
    assert resp.status == 200
    if services.plan._reads._pg is not None:
        assert asked == [], f"the warm read asked {asked}"
    return await resp.text()


def _count_statements(services) -> list[str]:
    """The hot statements node A's PostgreSQL pool runs from now on (none on SQLite)."""
    asked: list[str] = []
    pg = services.plan._reads._pg
    if pg is not None:
        fetch_sql = pg.fetch_sql

        async def counted(sql: str, *args: object) -> list[object]:
            asked.append(sql)
            return await fetch_sql(sql, *args)

        pg.fetch_sql = counted
    return asked


async def _marked(client, demo) -> None:
    body = {SECTION: [{"leefgebied": "sociale_steun", "krachten": [MARKER]}]}
    assert (await patch_plan(client, demo, body, version=2)).status == 200


async def _grant_consent(node_b, demo, clock) -> str:
    hh = demo["household"]["id"]
    consent = (
        await node_b.consent.request(
            _principal(demo),
            hh,
            grantee_id=demo["by_name"][OMA]["id"],
            sections=[SECTION],
            level=Level.READ,
            purpose="Oma helpt bij de opvoeding en moet de krachten kennen",
            until=clock.today() + timedelta(days=30),
            about_id=None,
        )
    ).consent
    for klant in ("Fatima El Amrani", "Youssef El Amrani"):
        await node_b.consent.answer_word(_principal(demo, klant), hh, consent.id, "ja")
    return consent.id


async def test_a_consent_granted_on_b_shows_on_a_at_the_next_read(client, demo, services, node_b, clock):
    await _marked(client, demo)
    oma = bearer(demo["by_name"][OMA])
    assert MARKER not in await _warm(client, demo, services, oma)
    await _grant_consent(node_b, demo, clock)
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER in await resp.text()


async def test_a_consent_revoked_on_b_hides_on_a_at_the_next_read(client, demo, services, node_b, clock):
    await _marked(client, demo)
    consent_id = await _grant_consent(node_b, demo, clock)
    oma = bearer(demo["by_name"][OMA])
    assert MARKER in await _warm(client, demo, services, oma)
    await node_b.consent.revoke(_principal(demo, "Youssef El Amrani"), demo["household"]["id"], consent_id)
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER not in await resp.text()


async def test_overmacht_recorded_elsewhere_shows_on_a_at_the_next_read(
    client, demo, services, other_connection, clock
):
    await _marked(client, demo)
    oma = bearer(demo["by_name"][OMA])
    assert MARKER not in await _warm(client, demo, services, oma)
    await other_connection(
        "INSERT INTO overmacht (id, household_id, professional_id, recipient_id, answers, besluit, sections, until,"
        " created_at) VALUES (:id, :hh, :pro, :oma, '{}', 'delen', :sections, :until, :at)",
        {
            "id": str(uuid.uuid4()),
            "hh": demo["household"]["id"],
            "pro": demo["regisseur"]["id"],
            "oma": demo["by_name"][OMA]["id"],
            "sections": SECTION,
            "until": clock.today() + timedelta(days=3),
            "at": datetime.now(UTC),
        },
    )
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER in await resp.text()


async def test_an_escalation_grant_given_and_ended_elsewhere_decides_the_next_read_on_a(
    client, demo, services, other_connection
):
    await _marked(client, demo)
    oma = bearer(demo["by_name"][OMA])
    assert MARKER not in await _warm(client, demo, services, oma)
    grant = {"id": str(uuid.uuid4()), "hh": demo["household"]["id"], "oma": demo["by_name"][OMA]["id"]}
    await other_connection(
        "INSERT INTO escalatie_grant (id, household_id, grantee_id, sections, created_at)"
        " VALUES (:id, :hh, :oma, :sections, :at)",
        {**grant, "sections": SECTION, "at": datetime.now(UTC)},
    )
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER in await resp.text()
    assert MARKER in await _warm(client, demo, services, oma)
    await other_connection(
        "UPDATE escalatie_grant SET ended_at = :at WHERE id = :id", {**grant, "at": datetime.now(UTC)}
    )
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER not in await resp.text()


async def test_a_new_version_made_on_b_is_the_next_read_on_a(client, demo, services, node_b):
    oma = bearer(demo["by_name"][OMA])
    await _warm(client, demo, services, oma)
    before = (await client.get(plan_url(demo), headers=oma)).headers["ETag"]
    body = {SECTION: [{"leefgebied": "sociale_steun", "krachten": [MARKER]}]}
    snap, _ = await node_b.plan.change(_principal(demo), demo["household"]["id"], None, body)
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and resp.headers["ETag"] != before and str(snap.info.number) in resp.headers["ETag"]


async def test_a_member_removed_on_b_reads_nothing_next_on_a(client, demo, services, node_b):
    oma = bearer(demo["by_name"][OMA])
    await _warm(client, demo, services, oma)
    await node_b.betrokkenen.remove(_principal(demo), demo["household"]["id"], demo["by_name"][OMA]["id"])
    assert (await client.get(plan_url(demo), headers=oma)).status == 404


async def test_a_token_revoked_on_b_is_refused_at_the_next_read_on_a(client, demo, services, node_b):
    hh = demo["household"]["id"]
    issued = await services.tokens.issue_for(_principal(demo), hh, demo["by_name"][OMA]["id"])
    headers = {"Authorization": f"Bearer {issued.token}"}
    await _warm(client, demo, services, headers)
    await node_b.tokens.revoke(_principal(demo), hh, issued.jti)
    assert (await client.get(plan_url(demo), headers=headers)).status == 401


async def test_a_revoked_token_is_refused_even_when_its_member_is_remembered(client, demo, services, node_b):
    """Another token of the same member, revoked before node A ever saw it: the remembered rows are the
    member's, the revocation is the token's, and the log append checks it."""
    hh = demo["household"]["id"]
    oma = demo["by_name"][OMA]
    await _warm(client, demo, services, bearer(oma))
    issued = await services.tokens.issue_for(_principal(demo), hh, oma["id"])
    await node_b.tokens.revoke(_principal(demo), hh, issued.jti)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get(plan_url(demo), headers=headers)).status == 401


async def test_a_consent_moved_to_another_household_elsewhere_hides_on_a_at_the_next_read(
    client, demo, services, other_connection, clock
):
    """A row moved away (an UPDATE of its household) changes what the household it left grants: on PostgreSQL
    the trigger renews OLD's household too, not only NEW's."""
    await _marked(client, demo)
    hh, other, consent = demo["household"]["id"], str(uuid.uuid4()), str(uuid.uuid4())
    await other_connection(
        "INSERT INTO household (id, code, name, gemeente, phase, current_version, created_at)"
        " VALUES (:id, :code, 'ander', 'Utrecht', 1, 1, :at)",
        {"id": other, "code": "C" + other[:8], "at": datetime.now(UTC)},
    )
    await other_connection(
        "INSERT INTO consent (id, household_id, requested_by, grantee_id, sections, level, purpose, until, status,"
        " created_at) VALUES (:id, :hh, :by, :oma, :sections, 2, 'p', :until, 'verleend', :at)",
        {
            "id": consent,
            "hh": hh,
            "by": demo["regisseur"]["id"],
            "oma": demo["by_name"][OMA]["id"],
            "sections": SECTION,
            "until": clock.today() + timedelta(days=30),
            "at": datetime.now(UTC),
        },
    )
    oma = bearer(demo["by_name"][OMA])
    assert MARKER in await _warm(client, demo, services, oma)
    await other_connection("UPDATE consent SET household_id = :other WHERE id = :id", {"other": other, "id": consent})
    resp = await client.get(plan_url(demo), headers=oma)
    assert resp.status == 200 and MARKER not in await resp.text()
