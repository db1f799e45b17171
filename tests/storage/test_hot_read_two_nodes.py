"""Two nodes on one database: a change committed through node B decides the very next hot read on node A.

Node A is the `client` (its own services: loop connection or asyncpg pool, token cache, remembered
answers and views); node B is a second bootstrap of the same settings. Node A reads first, so everything
it may remember is warm; then B revokes and A's next `GET …/plan` must already refuse or cut.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from support.helpers import bearer, patch_plan, plan_url

from eenplan.bootstrap import build_services
from eenplan.domain.access import Level, Principal
from eenplan.services.container import Services

MARKER = "MARKER-TWEE-NODES-41c2"


@pytest.fixture
async def node_b(settings, clock) -> AsyncIterator[Services]:
    """A second node's services on the same database (a second bootstrap)."""
    services = build_services(settings, clock=clock)
    yield services
    await services.close()


def _principal(person: dict, demo: dict) -> Principal:
    return Principal(person["id"], demo["household"]["id"], second_factor=True)


async def _oma_reads(client, demo) -> tuple[int, str]:
    """Oma's read of the current plan on node A, twice (the second from whatever A remembers)."""
    oma = bearer(demo["by_name"]["Khadija El Amrani"])
    for _ in range(2):
        resp = await client.get(plan_url(demo), headers=oma)
        text = await resp.text()
    return resp.status, text


async def test_consent_revoked_on_b_cuts_the_next_read_on_a(client, demo, clock, node_b):
    hh = demo["household"]["id"]
    body = {"krachten_zorgen": [{"leefgebied": "sociale_steun", "krachten": [MARKER]}]}
    assert (await patch_plan(client, demo, body, version=2)).status == 200
    oma, fatima, youssef = (demo["by_name"][n] for n in ("Khadija El Amrani", "Fatima El Amrani", "Youssef El Amrani"))
    consent = (
        await node_b.consent.request(
            _principal(demo["regisseur"], demo),
            hh,
            grantee_id=oma["id"],
            sections=["krachten_zorgen"],
            level=Level.READ,
            purpose="Oma helpt bij de opvoeding en moet de krachten kennen",
            until=clock.today() + timedelta(days=30),
            about_id=None,
        )
    ).consent
    for klant in (fatima, youssef):
        await node_b.consent.answer_word(_principal(klant, demo), hh, consent.id, "ja")
    status, text = await _oma_reads(client, demo)
    assert status == 200 and MARKER in text  # granted through B: A sees it at once, and has remembered it

    await node_b.consent.revoke(_principal(youssef, demo), hh, consent.id)
    status, text = await _oma_reads(client, demo)
    assert status == 200 and MARKER not in text


async def test_token_revoked_on_b_is_refused_at_the_next_request_on_a(client, demo, services, node_b):
    hh = demo["household"]["id"]
    oma = demo["by_name"]["Khadija El Amrani"]
    issued = await services.tokens.issue_for(_principal(demo["regisseur"], demo), hh, oma["id"])
    headers = {"Authorization": f"Bearer {issued.token}"}
    for _ in range(2):  # verified and its revocation check answered (and remembered, where that is sound)
        assert (await client.get(plan_url(demo), headers=headers)).status == 200

    await node_b.tokens.revoke(_principal(demo["regisseur"], demo), hh, issued.jti)
    assert (await client.get(plan_url(demo), headers=headers)).status == 401


async def test_betrokkene_removed_on_b_reads_nothing_next_on_a(client, demo, node_b):
    hh = demo["household"]["id"]
    oma = demo["by_name"]["Khadija El Amrani"]
    for _ in range(2):
        assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 200

    await node_b.betrokkenen.remove(_principal(demo["regisseur"], demo), hh, oma["id"])
    assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 404


async def test_an_answer_read_with_the_revocation_check_is_not_used_after_the_request_yields(services, demo, node_b):
    """PostgreSQL reads member_access together with a token's revocation check and hands it to the same
    request's next step only: once the request has waited on anything, a removal on B in between counts."""
    hh = demo["household"]["id"]
    oma = demo["by_name"]["Khadija El Amrani"]
    reads, today = services.plan._reads, services.plan.today()
    assert await reads.member_access(hh, oma["id"], None, today) is not None
    assert not await reads.revoked("x" * 22, hh, member=oma["id"])
    await asyncio.sleep(0)  # the request waits on something else (and B commits meanwhile)
    await node_b.betrokkenen.remove(_principal(demo["regisseur"], demo), hh, oma["id"])
    assert await reads.member_access(hh, oma["id"], None, today) is None


async def test_postgresql_reads_the_plan_with_one_statement_before_the_log(client, demo, services, database_url):
    """The token's revocation check carries the read's member_access (pg_hot): one round trip, not two."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's hot read; SQLite remembers answers while no other connection commits")
    pg = services.plan._reads._pg
    statements: list[str] = []
    fetch_sql = pg.fetch_sql

    async def counted(sql: str, *args: object) -> list[object]:
        statements.append(sql)
        return await fetch_sql(sql, *args)

    oma = bearer(demo["by_name"]["Khadija El Amrani"])
    assert (await client.get(plan_url(demo), headers=oma)).status == 200  # warm: the day, the blobs
    pg.fetch_sql = counted
    assert (await client.get(plan_url(demo), headers=oma)).status == 200
    assert len(statements) == 1 and "token_revocation" in statements[0]
