"""SQLite's hot read asks `PRAGMA data_version` once per pass of the event loop, and never lets a check outlive it.

A plan read checks its token's revocation and then its member_access without yielding to the event loop in
between: one check serves both (they decide on one snapshot), and the other requests the loop runs in the same
pass (their bytes arrived before it). Anything committed by another connection before a request's next step,
or before any request the loop runs later, is seen by it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from eenplan.domain.access import Principal

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _path(settings) -> str:
    return settings.effective_database_url.split("///", 1)[1]


@contextmanager
def _checks(services) -> Iterator[list[str]]:
    """The data_version checks made on the loop's connection while the block runs."""
    seen: list[str] = []
    raw = services.plan._reads._raw()
    raw.set_trace_callback(lambda sql: seen.append(sql) if "data_version" in sql else None)
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)


def _revoke_elsewhere(settings, jti: str, household_id: str) -> None:
    """A revocation committed through a connection of its own (as another process would)."""
    with sqlite3.connect(_path(settings)) as other:
        other.execute(
            "INSERT INTO token_revocation (jti, scope, revoked_by, revoked_at, expires_at) "
            "VALUES (?, ?, NULL, '2026-01-01 00:00:00', '2999-01-01 00:00:00')",
            (jti, household_id),
        )
    other.close()


async def test_a_plan_read_checks_once_for_its_token_and_its_access(services, demo):
    reads, hh = services.plan._reads, demo["household"]["id"]
    me = demo["regisseur"]["id"]
    today = services.plan.today()
    await reads.member_access(hh, me, None, today)  # warm: answers remembered
    await asyncio.sleep(0)
    with _checks(services) as seen:
        assert not await reads.revoked("j" * 22, hh, member=me)
        assert await reads.member_access(hh, me, None, today) is not None
    assert len(seen) == 1


async def test_a_check_ends_when_the_request_yields(services, demo, settings):
    reads, hh = services.plan._reads, demo["household"]["id"]
    jti = "k" * 22
    assert not await reads.revoked(jti, hh)
    _revoke_elsewhere(settings, jti, hh)
    await asyncio.sleep(0)  # the request awaited something: its next step asks again
    assert await reads.revoked(jti, hh)


async def test_a_later_request_never_reuses_a_check(services, demo, settings):
    reads, hh = services.plan._reads, demo["household"]["id"]
    jti = "m" * 22
    first = asyncio.ensure_future(reads.revoked(jti, hh))
    assert not await first
    _revoke_elsewhere(settings, jti, hh)
    later = [asyncio.ensure_future(reads.revoked(jti, hh)) for _ in range(3)]  # started after the commit
    assert await asyncio.gather(*later) == [True, True, True]


async def test_requests_in_one_pass_share_one_check(services, demo):
    reads, hh = services.plan._reads, demo["household"]["id"]
    assert not await reads.revoked("n" * 22, hh)
    await asyncio.sleep(0)
    with _checks(services) as seen:
        together = [asyncio.ensure_future(reads.revoked("n" * 22, hh)) for _ in range(4)]
        assert await asyncio.gather(*together) == [False] * 4
        await asyncio.sleep(0)
        assert not await asyncio.ensure_future(reads.revoked("n" * 22, hh))  # the next pass: a check of its own
    assert len(seen) == 2


async def test_under_a_task_factory_a_check_serves_only_its_task(services, demo):
    """Eager tasks may run a step inside the loop's poll, after a check made in its pass: none is shared."""
    reads, hh = services.plan._reads, demo["household"]["id"]
    loop = asyncio.get_running_loop()
    assert not await reads.revoked("p" * 22, hh)
    await asyncio.sleep(0)
    loop.set_task_factory(lambda loop, coro: asyncio.Task(coro, loop=loop))
    try:
        with _checks(services) as seen:
            together = [asyncio.ensure_future(reads.revoked("p" * 22, hh)) for _ in range(3)]
            await asyncio.gather(*together)
        assert len(seen) == 3
    finally:
        loop.set_task_factory(None)


async def test_a_revoked_token_is_refused_at_the_next_read(client, demo, settings, services):
    """End to end: the plan read right after a revocation committed elsewhere gets 401."""
    hh = demo["household"]["id"]
    issued = services.tokens.issue_token(Principal(demo["regisseur"]["id"], hh))
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get(f"/api/households/{hh}/plan", headers=headers)).status == 200
    _revoke_elsewhere(settings, issued.jti, hh)
    assert (await client.get(f"/api/households/{hh}/plan", headers=headers)).status == 401


async def test_a_role_changed_elsewhere_decides_the_next_read(services, demo, settings):
    """The decision and view remembered for an unchanged answer are not reused once another connection commits."""
    hh = demo["household"]["id"]
    me = Principal(demo["regisseur"]["id"], hh)
    before = await services.plan.current(me, hh)
    assert before is await services.plan.current(me, hh)  # nothing changed: the very same view
    with sqlite3.connect(_path(settings)) as other:
        other.execute("UPDATE betrokkene SET role = 'hulpverlener' WHERE id = ?", (me.betrokkene_id,))
    other.close()
    await asyncio.sleep(0)
    after = await services.plan.current(me, hh)
    assert set(after.sections) < set(before.sections)
