"""Concurrent "Nieuwe link maken" leave exactly one working calendar feed (on SQLite and PostgreSQL: the name
puts this module on both databases)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from eenplan.domain.access import Principal
from eenplan.domain.errors import NotFound
from eenplan.storage.tables_overleg import CalendarFeedRow


async def test_concurrent_new_links_leave_one_working_feed(services, demo):
    hid = demo["household"]["id"]
    fatima = Principal(demo["by_name"]["Fatima El Amrani"]["id"], hid)
    urls = await asyncio.gather(*(services.calendar_feeds.create(fatima, hid) for _ in range(6)))
    async with services.overleggen._uow() as uow:
        working = (
            await uow.session.execute(
                sa.select(sa.func.count())
                .select_from(CalendarFeedRow)
                .where(CalendarFeedRow.betrokkene_id == fatima.betrokkene_id, CalendarFeedRow.revoked_at.is_(None))
            )
        ).scalar_one()
    assert working == 1
    answered = 0
    for url in urls:
        token = url.rpartition("/agenda/")[2].removesuffix(".ics")
        try:
            await services.calendar_feeds.feed(token)
            answered += 1
        except NotFound:
            pass
    assert answered == 1
