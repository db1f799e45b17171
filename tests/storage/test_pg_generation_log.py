"""PostgreSQL: the access-log append is where a remembered decision is settled (storage/pg_generation.py).

A row decided under a household generation is written only if that generation is still current and the
token is not revoked; a change still in flight on another connection is waited for and then wins; a refused
row leaves no gap in the hash chain, and the other rows of its batch are written.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from eenplan.domain.access import Principal
from eenplan.domain.audit import AccessEvent, Channel, Event
from eenplan.domain.errors import DecisionChanged
from eenplan.storage.pg_generation import PENDING, Pending


@pytest.fixture
def pg_only(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the household generation is PostgreSQL's (SQLite forgets by data_version)")
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _event(household_id: str, actor: str) -> AccessEvent:
    return AccessEvent(Event.READ, household_id, actor, ("algemeen",), Channel.API, "betrokkene", datetime.now(UTC))


async def _logged(conn: asyncpg.Connection, household_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM access_log WHERE household_id = $1", household_id)


async def _record(services, event: AccessEvent, pending: Pending | None) -> None:
    """Record as a request whose decision is deferred under `pending` would (its own context)."""
    PENDING.set(pending)
    await services.plan._log.record([event])


async def test_a_change_in_flight_when_the_row_is_logged_is_waited_for_and_refuses_it(services, demo, pg_only):
    hh, actor = demo["household"]["id"], demo["regisseur"]["id"]
    conn = await asyncpg.connect(pg_only)
    other = await asyncpg.connect(pg_only)
    try:
        generation = await conn.fetchval("SELECT generation FROM household_generation WHERE household_id = $1", hh)
        assert generation is not None  # every household has one (created with it, or by the migration)
        before = await _logged(conn, hh)
        change = other.transaction()
        await change.start()
        await other.execute("UPDATE household SET name = name WHERE id = $1", hh)
        await other.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the bump now: its lock held until commit
        pending = Pending(hh, generation, "x" * 22, hh)
        logging = asyncio.ensure_future(_record(services, _event(hh, actor), pending))
        done, _ = await asyncio.wait([logging], timeout=0.5)
        assert not done  # the log waits for the change still in flight
        await change.commit()
        with pytest.raises(DecisionChanged):
            await logging
        assert await _logged(conn, hh) == before and not pending.settled
    finally:
        await other.close()
        await conn.close()


async def test_refused_rows_leave_the_chain_whole_and_the_rest_of_the_batch_logged(services, demo, pg_only):
    hh, actor = demo["household"]["id"], demo["regisseur"]["id"]
    conn = await asyncpg.connect(pg_only)
    try:
        generation = await conn.fetchval("SELECT generation FROM household_generation WHERE household_id = $1", hh)
        before = await _logged(conn, hh)
        current = Pending(hh, generation, "c" * 22, hh)
        stale = Pending(hh, generation - 1, "s" * 22, hh)
        revoked = Pending(hh, generation, "r" * 22, hh)
        await conn.execute(
            "INSERT INTO token_revocation (jti, scope, revoked_by, revoked_at, expires_at) "
            "VALUES ($1, $2, NULL, now(), now() + interval '1 day')",
            revoked.jti,
            hh,
        )
        revoked.generation = await conn.fetchval(
            "SELECT generation FROM household_generation WHERE household_id = $1", hh
        )
        current.generation = revoked.generation
        results = await asyncio.gather(
            _record(services, _event(hh, actor), current),
            _record(services, _event(hh, actor), stale),
            _record(services, _event(hh, actor), revoked),
            _record(services, _event(hh, actor), None),
            return_exceptions=True,
        )
        assert [type(r).__name__ for r in results] == ["NoneType", "DecisionChanged", "DecisionChanged", "NoneType"]
        assert await _logged(conn, hh) == before + 2 and current.settled
    finally:
        await conn.close()
    [check] = await services.access_log.verify(hh)
    assert check.ok, check


async def test_every_household_gets_a_generation_that_moves_with_its_changes(services, demo, pg_only):
    hh = demo["household"]["id"]
    conn = await asyncpg.connect(pg_only)
    try:
        before = await conn.fetchval("SELECT generation FROM household_generation WHERE household_id = $1", hh)
        oma = demo["by_name"]["Khadija El Amrani"]["id"]
        await services.betrokkenen.remove(Principal(demo["regisseur"]["id"], hh, second_factor=True), hh, oma)
        after = await conn.fetchval("SELECT generation FROM household_generation WHERE household_id = $1", hh)
        assert after > before
    finally:
        await conn.close()


async def test_a_deferred_check_with_no_log_row_is_settled_by_asking(services, demo, pg_only):
    """A request that logs nothing settles its deferred token check with one query before it answers: a
    revocation committed elsewhere since the rows were remembered refuses it."""
    hh = demo["household"]["id"]
    oma = demo["by_name"]["Khadija El Amrani"]["id"]
    reads, today = services.plan._reads, services.plan.today()
    jti = "d" * 22
    await reads.member_access(hh, oma, None, today)  # the day is known
    assert not await reads.revoked(jti, hh, member=oma)  # read with the generation: remembered
    assert not await reads.revoked(jti, hh, member=oma, deferred=True)
    assert PENDING.get() is not None  # deferred: nothing asked
    assert await reads.settle()  # nothing changed: it holds
    assert not await reads.revoked(jti, hh, member=oma, deferred=True)
    conn = await asyncpg.connect(pg_only)
    try:
        await conn.execute(
            "INSERT INTO token_revocation (jti, scope, revoked_by, revoked_at, expires_at) "
            "VALUES ($1, $2, NULL, now(), now() + interval '1 day')",
            jti,
            hh,
        )
    finally:
        await conn.close()
    assert not await reads.settle()
    assert PENDING.get() is None
    assert await reads.revoked(jti, hh, member=oma, deferred=True)  # forgotten: asked afresh, and refused
