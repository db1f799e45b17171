"""Caches of plan content are bounded by what they hold in bytes, not by how many entries: ~250 kB
sections once grew a server from 123 to 555 MB and kept it there."""

from __future__ import annotations

import sys

import pytest

from eenplan.domain.access import Principal
from eenplan.domain.lru import ENTRY_OVERHEAD, ByteLru
from eenplan.services.plan_content import BlobCache, Lru, snapshot_bytes

LARGE = 250_000


def test_a_byte_lru_never_holds_more_than_its_budget():
    cache: ByteLru[int, str] = ByteLru(1_000_000, sys.getsizeof)
    for n in range(40):
        cache.put(n, chr(ord("a") + n % 26) * LARGE)
        assert cache.total_bytes <= 1_000_000
    assert len(cache) == 1_000_000 // (sys.getsizeof("a" * LARGE) + ENTRY_OVERHEAD)
    assert cache.get(39) is not None and cache.get(0) is None  # the least recently used went first
    cache.put("huge", "x" * 2_000_000)  # type: ignore[arg-type]
    assert cache.get("huge") is None and cache.total_bytes <= 1_000_000  # type: ignore[arg-type]


def test_replacing_an_entry_does_not_count_it_twice():
    cache: ByteLru[str, str] = ByteLru(1_000_000, sys.getsizeof)
    for _ in range(10):
        cache.put("same", "y" * LARGE)
    assert len(cache) == 1 and cache.total_bytes == sys.getsizeof("y" * LARGE) + ENTRY_OVERHEAD


def test_the_section_text_cache_is_bounded_in_bytes():
    cache = BlobCache(max_bytes=2_000_000)
    for n in range(100):
        cache.put_many("hh", {f"hash-{n}": str(n) * (LARGE // len(str(n)))})
        assert cache.total_bytes <= 2_000_000
    found, missing = cache.get_many("hh", ["hash-99", "hash-0"])
    assert set(found) == {"hash-99"} and missing == {"hash-0"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_reading_many_large_versions_keeps_the_plan_caches_within_their_budget(services, demo):
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    hh = me.household_id
    budget = 150_000  # room for a few of the ~19 kB sections below, not all
    services.plan._cache = BlobCache(max_bytes=budget)
    services.plan._views = Lru(budget, lambda view: snapshot_bytes(view.snapshot))
    first = (await services.plan.current(me, hh)).info.number
    for n in range(12):  # each version's analyse is ~19 kB of its own (a field holds at most 20,000)
        await services.plan.change(me, hh, None, {"analyse": {"analyse": f"{n:02d}" * 9_500}})
    for number in range(first + 1, first + 13):
        snap = await services.plan.version(me, hh, number)
        assert len(snap.sections["analyse"]) > 19_000
        assert services.plan._cache.total_bytes <= budget
        assert services.plan._views.total_bytes <= budget
    assert services.plan._cache.total_bytes > budget // 2  # it does remember what fits
