"""The klant's view of the access log, and verifying its hash chains."""

from __future__ import annotations

from ..domain.access import Principal
from ..domain.audit import GENESIS, AccessEvent, ChainCheck, chain_hash
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised

#: entries of a chain read at a time by `verify`
VERIFY_PAGE = 1000


class AccessLogService:
    """Who saw what of a household's plan, when, and why."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def entries(
        self, principal: Principal, household_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[tuple[int, AccessEvent]]:
        """A page of the household's access log, newest first — for the klant."""
        async with authorised(
            self._uow, principal, household_id, need=Need.PERSONAL_KLANT_SECOND_FACTOR, what="read the access log"
        ) as caller:
            return await caller.uow.access_log.entries(household_id, before=before, limit=limit)

    async def verify(self, household_id: str | None = None, *, page_size: int = VERIFY_PAGE) -> list[ChainCheck]:
        """Recompute every chain (or one) and report entries whose hash or link does not match.

        A chain is read page by page (by key, `page_size` entries at a time), so memory stays constant
        however long it is; entries appended while it runs lie beyond the head read first and are left out.
        """
        async with self._uow() as uow:
            households = [household_id] if household_id else await uow.access_log.households()
            return [await self._verify_one(uow, hh, page_size) for hh in households]

    async def _verify_one(self, uow: UnitOfWork, household_id: str, page_size: int) -> ChainCheck:
        check = ChainCheck(household_id)
        head = await uow.access_log.head(household_id)
        prev, expected_seq = GENESIS, 1
        while True:
            page = await uow.access_log.chain_page(household_id, expected_seq - 1, page_size, head[0])
            for seq, prev_hash, digest, event in page:
                check.entries += 1
                if seq != expected_seq or prev_hash != prev or chain_hash(prev, seq, event.canonical()) != digest:
                    check.broken_at.append(seq)
                prev, expected_seq = digest, seq + 1
            if len(page) < page_size:
                break
        if head != (expected_seq - 1, prev):
            check.broken_at.append(expected_seq)  # entries were removed from the end
        return check
