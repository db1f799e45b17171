"""Journaal retention: a closed household's journaal does not stay forever (AVG art. 5(1)(e), storage limitation).

Every hour the outbox worker runs `JournaalRetention.delete_expired` (claimed once per cluster through
`storage.job_claims`): the messages of every household that entered phase 6 (afsluiten) at least
EENPLAN_JOURNAAL_RETENTION_DAYS ago — counted from its latest move into phase 6, so a household that reopened
keeps its journaal — are deleted in one transaction. Journaal mail still queued for a deleted message is skipped
at send time (`JournaalService.for_mail` finds no message). The access log keeps its entries (ids only).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ..domain.ports import Clock, UnitOfWorkFactory
from .common import retry_on_conflict

log = logging.getLogger("eenplan.journaal")

#: the default of EENPLAN_JOURNAAL_RETENTION_DAYS
RETENTION_DAYS = 365


class JournaalRetention:
    """Deletes the journaal of households closed longer than the retention."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, days: int = RETENTION_DAYS) -> None:
        self._uow, self._clock = uow, clock
        self._retention = timedelta(days=days)

    async def delete_expired(self) -> int:
        """Delete the messages of every household in phase 6 that entered it at least the retention ago, in one
        transaction; how many went (ids and counts only are logged)."""
        entered_before = self._clock() - self._retention

        async def attempt() -> int:
            async with self._uow(write=True) as uow:
                gone = await uow.journaal.delete_closed(entered_before)
                await uow.commit()
            return gone

        gone = await retry_on_conflict(attempt)
        if gone:
            log.info("journaal retention deleted messages=%d", gone)
        return gone
