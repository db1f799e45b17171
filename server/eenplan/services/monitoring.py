"""Aggregate monitoring per gemeente and period, for aandachtsfunctionarissen and agendahouders.

They are no betrokkenen of any household, so they do not use household credentials: the
operator issues a monitoring token (`eenplan monitoring-token --gemeente X`), a JWT with the
`mon` scope and the gemeente it covers ("*" for the whole region), verified by
`TokenService.verify_monitoring`. The figures hold no personal data (see domain.monitoring).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.errors import Forbidden
from ..domain.monitoring import Period, figures
from ..domain.ports import Clock, UnitOfWorkFactory, Werkdagen
from ..domain.stagnatie import gemeente_key

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class MonitoringService:
    """Counts of phases and escalations of one gemeente."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, werkdagen: Werkdagen) -> None:
        self._uow = uow
        self._clock = clock
        self._werkdagen = werkdagen

    async def figures(self, scope: str, gemeente: str, start: date, end: date) -> dict[str, Any]:
        """The figures of `gemeente` in [start, end], if the monitoring token's scope covers it."""
        if scope != "*" and gemeente_key(scope) != gemeente_key(gemeente):
            raise Forbidden("this monitoring token does not cover that gemeente")
        period = Period(start, end)
        async with self._uow(waits=True) as uow:  # a whole gemeente's histories: a long read
            histories = await uow.stagnatie.phase_histories(gemeente)
            cases = await uow.stagnatie.cases_in_gemeente(gemeente)
        return figures(
            " ".join(gemeente.split()),
            period,
            histories,
            cases,
            self._werkdagen,
            self._clock().astimezone(AMSTERDAM).date(),
        )
