"""A session's last-seen update never needs a second database connection while a request holds its first.

Many requests of sessions due for their last-seen update at once (a regisseur's tabs, a bench at 64 connections)
each held a read connection and waited for another one to write last-seen: with the pool used up, every one of them
waited for the pool's 30 s timeout and ended in a 500. The update now waits until the caller's reads are done."""

from __future__ import annotations

import asyncio
import contextlib

from authkit import sign_in_by_link

FATIMA = "Fatima El Amrani"


async def test_last_seen_waits_for_the_callers_connection_to_be_free(client, demo, capsys, clock, services):
    session = await sign_in_by_link(client, capsys, demo, FATIMA)
    clock.advance(120)  # last-seen is due on the next request
    sessions = services.sessions
    engine = sessions._uow.engine
    room = engine.pool.size() + engine.pool._max_overflow
    async with contextlib.AsyncExitStack() as held:
        for _ in range(room - 1):  # every connection but one is busy elsewhere
            await held.enter_async_context(engine.connect())
        async with sessions._uow() as uow:  # the last one: a page's or a caseload's reads
            _, members = await asyncio.wait_for(sessions.members(session, uow), timeout=10)
        assert members
    clock.advance(850)  # 970 s after sign-in: alive only because last-seen was written
    resp = await client.get("/api/werkbank", headers={"Authorization": f"Bearer {session}"})
    assert resp.status == 200
