"""Attempt limits hold across nodes (issue 15 item 1): attempts spread over two service sets are refused at the
limit exactly as one node would refuse them, and concurrent takes never exceed it. On both databases."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import sqlalchemy as sa

from eenplan.bootstrap import build_services
from eenplan.domain.access import Principal
from eenplan.domain.signin import MemoryCounter, RateLimited
from eenplan.services.calendar_feed import FETCHES_PER_HOUR
from eenplan.services.inbound import SLOW_DOWN
from eenplan.storage.shared_limits import DatabaseCounter

pytestmark = pytest.mark.both_databases

IP = "203.0.113.7"


async def request_link(node, n: int) -> bool:
    """One link request from the same IP to a fresh address (so only the per-IP limit decides); True if taken."""
    try:
        await node.signin.request_link(email=f"nobody{n}@example.org", client_ip=IP)
    except RateLimited:
        return False
    return True


async def test_sign_in_attempts_spread_over_two_nodes_stop_at_the_limit_of_one(services, node_b, settings):
    limit = settings.signin_ip_limit
    taken = [await request_link(services if n % 2 else node_b, n) for n in range(limit + 3)]
    assert taken == [True] * limit + [False] * 3
    await asyncio.gather(services.signin.settle(), node_b.signin.settle())


async def test_concurrent_sign_in_attempts_over_two_nodes_never_exceed_the_limit(services, node_b, settings):
    limit = settings.signin_ip_limit
    taken = await asyncio.gather(*(request_link(services if n % 2 else node_b, n) for n in range(limit + 20)))
    assert taken.count(True) == limit
    await asyncio.gather(services.signin.settle(), node_b.signin.settle())


async def test_the_per_address_limit_counts_once_across_nodes(services, node_b, settings):
    address = "fatima@example.org"
    outcomes = []
    for n in range(settings.signin_target_limit + 2):
        node = services if n % 2 else node_b
        try:
            await node.signin.request_link(email=address, client_ip=f"198.51.100.{n}")  # a new IP each time
            outcomes.append(True)
        except RateLimited:
            outcomes.append(False)
    assert outcomes == [True] * settings.signin_target_limit + [False] * 2
    await asyncio.gather(services.signin.settle(), node_b.signin.settle())


async def test_the_buckets_hold_no_address_or_ip_in_the_clear(services, node_b, settings):
    await services.signin.request_link(email="fatima@example.org", client_ip=IP)
    await services.signin.settle()
    async with services.mailgroup._uow() as uow:
        rows = (await uow.session.execute(sa.text("SELECT key FROM rate_bucket"))).scalars().all()
    assert rows and all(len(key) == 64 for key in rows)
    assert not any("fatima" in key or IP in key for key in rows)


async def test_a_calendar_feed_fetched_through_two_nodes_stops_at_its_hourly_limit(services, node_b, demo):
    hid = demo["household"]["id"]
    fatima = Principal(demo["by_name"]["Fatima El Amrani"]["id"], hid)
    token = (await services.calendar_feeds.create(fatima, hid)).rpartition("/agenda/")[2].removesuffix(".ics")
    for n in range(FETCHES_PER_HOUR):
        await (services if n % 2 else node_b).calendar_feeds.feed(token, head=True)
    for node in (services, node_b):
        with pytest.raises(RateLimited):
            await node.calendar_feeds.feed(token, head=True)


def message(sender: str, n: int) -> bytes:
    return (
        f"From: {sender}\r\nTo: plan-nobody@eenplan.localhost\r\nSubject: hallo\r\n"
        f"Message-ID: <m{n}@example.org>\r\n\r\nHallo\r\n"
    ).encode()


async def test_an_inbound_senders_hourly_budget_holds_across_two_receivers(services, node_b):
    sender = "loop@example.org"
    replies = []
    for n in range(61):
        node = services if n % 2 else node_b
        replies.append(await node.inbound.deliver(sender, "plan-nobody@eenplan.localhost", message(sender, n)))
    assert SLOW_DOWN not in replies[:60]  # each one refused on its merits (no such group), but counted
    assert replies[60] == SLOW_DOWN
    assert await services.inbound.deliver(sender, "plan-nobody@eenplan.localhost", message(sender, 99)) == SLOW_DOWN
    other = "someone@example.org"
    assert await node_b.inbound.deliver(other, "plan-nobody@eenplan.localhost", message(other, 100)) != SLOW_DOWN


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_concurrent_takes_of_the_last_attempts_never_exceed_capacity(services, node_b):
    """The database adapter itself: many takers at once on two engines, one bucket of 7."""
    from eenplan.domain.cluster_ports import Limit

    limit = Limit("test", 7, 3600)
    counters = [services.signin._limits.counter, node_b.signin._limits.counter]
    assert all(isinstance(c, DatabaseCounter) for c in counters)
    waits = await asyncio.gather(*(counters[n % 2].take(((limit, "k"),), 1000.0) for n in range(40)))
    assert sum(1 for w in waits if w == 0) == 7
    assert all(w > 0 for w in waits if w != 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_one_sqlite_node_keeps_its_counters_in_memory_by_default(settings, clock):
    """SQLite without the setting: exactly today's single-node behaviour (in-memory buckets, nothing stored)."""
    single = build_services(dataclasses.replace(settings, shared_state="auto"), clock=clock)
    try:
        assert isinstance(single.signin._limits.counter, MemoryCounter)
        await single.signin.request_link(email="fatima@example.org", client_ip=IP)
        await single.signin.settle()
        async with single.mailgroup._uow() as uow:
            assert (await uow.session.execute(sa.text("SELECT count(*) FROM rate_bucket"))).scalar_one() == 0
    finally:
        await single.close()


async def test_an_attempt_refused_by_one_bucket_costs_the_other_nothing(services):
    """All or none, as on one node: the target's empty bucket refuses, and the IP's attempt is not spent."""
    from eenplan.domain.cluster_ports import Limit

    counter = services.signin._limits.counter
    assert isinstance(counter, DatabaseCounter)
    wide, narrow = Limit("wide", 3, 3600), Limit("narrow", 1, 3600)
    assert await counter.take(((wide, "ip"), (narrow, "a")), 0.0) == 0
    assert await counter.take(((wide, "ip"), (narrow, "a")), 0.0) == pytest.approx(3600)
    assert [await counter.take(((wide, "ip"),), 0.0) for _ in range(3)] == [0, 0, pytest.approx(1200)]


async def test_buckets_untouched_for_a_week_are_purged(services):
    from eenplan.domain.cluster_ports import Limit
    from eenplan.storage.shared_limits import PURGE_AFTER_SECONDS

    counter = services.signin._limits.counter
    assert isinstance(counter, DatabaseCounter)
    await counter.take(((Limit("old", 1, 60), "k"),), 0.0)
    await counter.take(((Limit("new", 1, 60), "k"),), PURGE_AFTER_SECONDS)
    await counter.purge(PURGE_AFTER_SECONDS + 1)
    async with services.mailgroup._uow() as uow:
        assert (await uow.session.execute(sa.text("SELECT count(*) FROM rate_bucket"))).scalar_one() == 1
