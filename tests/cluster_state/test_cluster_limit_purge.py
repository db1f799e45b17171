"""The shared rate-limit table stays small: a bucket untouched for its limit's window is full again, so its
row is purged (not kept for a week); past a cap of rows the least recently used buckets go as well."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eenplan.domain.cluster_ports import Limit
from eenplan.storage.shared_limits import DatabaseCounter

pytestmark = pytest.mark.both_databases


async def _rows(counter: DatabaseCounter) -> int:
    async with counter._engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM rate_bucket"))).scalar_one()


async def test_purge_removes_buckets_past_the_window(services) -> None:
    counter = services.signin._limits.counter
    assert isinstance(counter, DatabaseCounter)
    window = counter.window_seconds
    assert window < 86_400  # the longest limit's window (an hour), not a week
    await counter.take(((Limit("signin-ip", 5, 900), "old"),), 0.0)
    await counter.take(((Limit("signin-ip", 5, 900), "recent"),), 10.0)
    await counter.purge(window - 1)
    assert await _rows(counter) == 2  # still within the window: not yet full
    await counter.purge(window + 5)
    assert await _rows(counter) == 1  # "old" is full again: gone; "recent" stays
    await counter.purge(window + 11)
    assert await _rows(counter) == 0


async def test_past_the_cap_the_least_recently_used_buckets_go(services) -> None:
    shared = services.signin._limits.counter
    assert isinstance(shared, DatabaseCounter)
    capped = DatabaseCounter(shared._engine, b"k" * 32, max_rows=5)
    for n in range(12):
        await capped.take(((Limit("signin-target", 5, 900), f"invented-{n}"),), float(n))
    await capped.purge(12.0)
    assert await _rows(capped) == 5
    assert await capped.wait_needed(Limit("signin-target", 1, 900), "invented-11", 12.0) == 0.0
    async with capped._engine.connect() as conn:
        ats = sorted(r[0] for r in await conn.execute(sa.text("SELECT at FROM rate_bucket")))
    assert ats == [7.0, 8.0, 9.0, 10.0, 11.0]  # the newest buckets are kept
