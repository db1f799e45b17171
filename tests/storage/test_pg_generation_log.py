"""PostgreSQL: the access-log append is where a remembered decision is settled (storage/pg_generation.py).

A row decided under a household generation is written only if that generation is still current and the
token is not revoked; a change still in flight on another connection refuses it without a wait (so a writer
renewing two households cannot deadlock with a batch); a refused row leaves no gap in the hash chain, and the
other rows of its batch are written. A generation never takes a value again, and a row moved between
households renews both.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from support.helpers import bearer, plan_url

from eenplan.domain.access import Principal
from eenplan.domain.audit import AccessEvent, Channel, Event
from eenplan.domain.errors import DecisionChanged
from eenplan.storage import migrate
from eenplan.storage.pg_generation import PENDING, Pending

#: a hang guard only (never a speed assertion): with the fix nothing here waits for another transaction
HANG = 60


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


async def test_a_change_in_flight_when_the_row_is_logged_refuses_it_without_waiting(services, demo, pg_only):
    """A writer holding the generation row (its renewal done, not yet committed) makes the batch skip the row:
    the deferred row is refused at once. Sound: the change may commit right after the log, and a refused read
    is done again cold, which reads the committed state and logs unconditionally; waiting would gain nothing
    and can close a cycle with a writer renewing two households."""
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
        try:
            with pytest.raises(DecisionChanged):  # refused while the change is still open: no wait for it
                await asyncio.wait_for(_record(services, _event(hh, actor), pending), HANG)
        finally:
            await change.commit()
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
        stale = Pending(hh, generation ^ 1, "s" * 22, hh)
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
        assert after != before  # a fresh value: generations have no order
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


async def _generation(conn: asyncpg.Connection, household_id: str) -> int | None:
    return await conn.fetchval("SELECT generation FROM household_generation WHERE household_id = $1", household_id)


async def test_a_generation_never_comes_back_so_a_removed_member_reads_nothing_after_a_rollback(
    client, services, demo, pg_only, database_url
):
    """The generation rolled back (here: migration 0023 downgraded and upgraded again; likewise a backup
    restored or a replica promoted) and then moved on by ordinary changes: it never reaches a value a node
    remembers rows under, so a member removed meanwhile is not read from those rows (a counter came back)."""
    hh, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]
    for _ in range(3):
        assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 200
    remembered = {r.generation for k, r in services.plan._reads._pg.generations._rows.items() if k[0] == hh}
    assert remembered
    conn = await asyncpg.connect(pg_only)
    try:
        await migrate.downgrade(database_url, "0022")
        await conn.execute("UPDATE betrokkene SET removed_at = now() WHERE id = $1", oma["id"])
        await migrate.upgrade(database_url)
        seen = [await _generation(conn, hh)]
        async with conn.transaction():  # ordinary changes, each renewing the generation (checked one by one)
            await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            while len(seen) < 300 and seen[-1] not in remembered:
                await conn.execute("UPDATE household SET name = name WHERE id = $1", hh)
                seen.append(await _generation(conn, hh))
    finally:
        await conn.close()
    assert (await client.get(plan_url(demo), headers=bearer(oma))).status == 404  # the counter's 200
    assert not remembered & set(seen) and len(set(seen)) == len(seen)


async def test_a_writer_renewing_two_households_does_not_deadlock_the_log_batch(services, demo, pg_only):
    """The batch holds household X's generation row FOR SHARE and wants Y's, which a writer holds while it goes
    on to renew X: the batch skips Y's row (its deferred read refused, done again cold) instead of waiting, so
    no cycle forms; the batch's other rows are logged and the writer commits."""
    x, actor = demo["household"]["id"], demo["regisseur"]["id"]
    y = "~" + x[1:]  # sorts after x: the batch takes x first
    writer = await asyncpg.connect(pg_only)
    try:
        await writer.execute("INSERT INTO household_generation (household_id, generation) VALUES ($1, 5)", y)
        gx = await _generation(writer, x)
        change = writer.transaction()
        await change.start()
        await writer.execute("SET CONSTRAINTS ALL IMMEDIATE")
        revoke = (
            "INSERT INTO token_revocation (jti, scope, revoked_by, revoked_at, expires_at) "
            "VALUES ($1, $2, NULL, now(), now() + interval '1 day')"
        )
        await writer.execute(revoke, "a" * 22, y)  # the writer now holds y's generation row
        reads = [
            asyncio.ensure_future(_record(services, _event(x, actor), Pending(x, gx, "b" * 22, x))),
            asyncio.ensure_future(_record(services, _event(y, actor), Pending(y, 5, "c" * 22, y))),
            asyncio.ensure_future(_record(services, _event(x, actor), None)),
        ]
        await asyncio.sleep(0.3)  # ordering only (let the batch take x's row first), asserted on nothing
        try:
            await asyncio.wait_for(writer.execute(revoke, "d" * 22, x), HANG)  # ... and goes on to renew x
        finally:
            await change.commit()
        results = await asyncio.wait_for(asyncio.gather(*reads, return_exceptions=True), HANG)
    finally:
        await writer.close()
    assert all(r is None or isinstance(r, DecisionChanged) for r in results), results
    assert isinstance(results[1], DecisionChanged) and results[2] is None


async def test_a_row_moved_to_another_household_renews_both_and_a_deleted_one_its_own(services, demo, pg_only):
    """The trigger reads OLD as well as NEW: a consent moved away changes what the household it left grants."""
    hh, oma = demo["household"]["id"], demo["by_name"]["Khadija El Amrani"]["id"]
    other, consent = str(uuid.uuid4()), str(uuid.uuid4())
    conn = await asyncpg.connect(pg_only)
    try:
        await conn.execute(
            "INSERT INTO household (id, code, name, gemeente, phase, current_version, created_at) "
            "VALUES ($1, $2, 'ander', 'Utrecht', 1, 1, now())",
            other,
            "C" + other[:8],
        )
        await conn.execute(
            "INSERT INTO consent (id, household_id, requested_by, grantee_id, sections, level, purpose, until, "
            "status, created_at) VALUES ($1, $2, $3, $4, 'krachten_zorgen', 2, 'p', $5, 'verleend', now())",
            consent,
            hh,
            demo["regisseur"]["id"],
            oma,
            date.today() + timedelta(days=30),
        )
        left, joined = await _generation(conn, hh), await _generation(conn, other)
        await conn.execute("UPDATE consent SET household_id = $1 WHERE id = $2", other, consent)
        assert await _generation(conn, hh) != left and await _generation(conn, other) != joined
        joined = await _generation(conn, other)
        await conn.execute("DELETE FROM consent WHERE id = $1", consent)
        assert await _generation(conn, other) != joined
    finally:
        await conn.close()
