"""`eenplan audit verify` reads a chain page by page (constant memory) and still finds a tampered entry
in a later page, a removed tail, and nothing on a sound chain."""

from __future__ import annotations

import asyncio

from support.tamper import tamper_with_log

from eenplan.domain.access import Principal
from eenplan.storage.access_repository import AccessLogRepository


async def test_verify_streams_the_chain_and_finds_tampering_in_a_later_page(services, demo, settings, monkeypatch):
    me = Principal(demo["regisseur"]["id"], demo["household"]["id"])
    hh = me.household_id
    for _ in range(3):
        await asyncio.gather(*[services.plan.current(me, hh) for _ in range(10)])
    pages: list[int] = []
    original = AccessLogRepository.chain_page

    async def counted(self, household_id, after, limit, upto):
        page = await original(self, household_id, after, limit, upto)
        pages.append(len(page))
        return page

    monkeypatch.setattr(AccessLogRepository, "chain_page", counted)

    [check] = await services.access_log.verify(hh, page_size=4)
    assert check.ok and check.entries >= 30
    assert len(pages) >= 8 and max(pages) <= 4  # never more than a page in hand

    late = check.entries - 2  # in the last pages
    await tamper_with_log(
        settings, f"UPDATE access_log SET actor_id = 'iemand-anders' WHERE household_id = '{hh}' AND seq = {late}"
    )
    [check] = await services.access_log.verify(hh, page_size=4)
    assert check.broken_at == [late]

    await tamper_with_log(settings, f"DELETE FROM access_log WHERE household_id = '{hh}' AND seq > {late}")
    [check] = await services.access_log.verify(hh, page_size=4)
    assert check.broken_at == [late, late + 1]  # the tampered entry, and the tail the head still counts
