"""The client view's pages: following "Oudere regels" gives every matching entry exactly once, also when a sparse
filter stops a page early at the scan bound, and the period ends the walk."""

from __future__ import annotations

from datetime import timedelta

from support.log_kit import ids

from eenplan.domain.access import Principal
from eenplan.services import access_log
from eenplan.services.access_log import LogFilter


async def _walk(services, principal, hid, wanted, limit):
    seen, before, pages = [], None, 0
    while True:
        page = await services.access_log.client_view(principal, hid, wanted, before=before, limit=limit)
        seen += [row.seq for row in page.rows]
        pages += 1
        if page.next_before is None:
            return seen, pages
        before = page.next_before


async def test_every_matching_entry_comes_once_across_pages_and_scan_bounds(services, demo, monkeypatch):
    hid, joost, inge, fatima = ids(demo)
    monkeypatch.setattr(access_log, "SCAN_PAGE", 3)
    monkeypatch.setattr(access_log, "SCAN_LIMIT", 6)
    for _ in range(10):
        await services.plan.current(Principal(joost, hid), hid)
        await services.plan.current(Principal(joost, hid), hid)
        await services.plan.current(Principal(inge, hid), hid)
    me = Principal(fatima, hid, second_factor=True)
    everything = [seq for seq, e in await services.access_log.entries(me, hid, limit=500) if inge in (e.actor_id,)]
    assert len(everything) == 10
    seen, pages = await _walk(services, me, hid, LogFilter(person=inge), limit=4)
    assert seen == everything and pages > 3  # newest first, none twice, none missing
    assert len(set(seen)) == len(seen)


async def test_the_period_ends_the_walk_and_keeps_only_its_days(services, demo, clock):
    hid, joost, inge, fatima = ids(demo)
    await services.plan.current(Principal(joost, hid), hid)
    clock.advance(timedelta(days=5))
    await services.plan.current(Principal(inge, hid), hid)
    clock.advance(timedelta(days=5))
    await services.plan.current(Principal(joost, hid), hid)
    me = Principal(fatima, hid, second_factor=True)
    middle = clock.today() - timedelta(days=5)
    page = await services.access_log.client_view(me, hid, LogFilter(since=middle, until=middle))
    assert [row.event.actor_id for row in page.rows] == [inge] and page.next_before is None
    assert page.rows[0].reader is not None and page.rows[0].reader.name == "Inge Bakker"
