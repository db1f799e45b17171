"""The neutral notices of stagnatie (`StagnatieService`): chain partners are told when the gemeentelijk
aanspreekpunt starts, records progress and hands back, and the deadline scheduler the outbox worker runs tells
the responsible people of an overdue step once per deadline. Every notice is content-free (`NOTICES`) and goes
by the transactional outbox in the caller's unit of work.
"""

from __future__ import annotations

import json

from ..domain.betrokkene import Kind, is_regisseur
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus
from ..domain.ports import UnitOfWork
from ..domain.stagnatie import Case, case_deadlines
from .stagnatie_cases import StagnatieCases
from .stagnatie_views import NOTICE_FOOTER, NOTICES, responsible


class StagnatieNotices(StagnatieCases):
    """Notices to chain partners and of overdue deadlines: the part of `StagnatieService` that tells people."""

    async def _notice(self, uow: UnitOfWork, household_id: str, recipient_id: str, event: str, key: str) -> bool:
        now = self._clock()
        payload = json.dumps({"subject": "Bericht over de samenwerking", "text": NOTICES[event] + NOTICE_FOOTER})
        return await uow.mail.enqueue(
            OutboxItem(
                self._new_id(),
                household_id,
                recipient_id,
                OutboxKind.NOTICE,
                key,
                None,
                None,
                OutboxStatus.QUEUED,
                0,
                now,
                now,
                payload=payload,
            )
        )

    async def _notify_partners(self, uow: UnitOfWork, case: Case, event: str) -> None:
        """Chain partners (professionals and regisseurs) get a neutral notice at start, progress and end."""
        for b in await uow.betrokkenen.list(case.household_id):
            if b.kind is Kind.PROFESSIONAL or is_regisseur(b.role):
                await self._notice(uow, case.household_id, b.id, event, f"stagnatie:{case.id}:{event}")

    # -- deadlines ----------------------------------------------------------------------------
    async def notify_overdue(self) -> int:
        """Find overdue steps and notify the responsible person and the regisseurs once per deadline (worker)."""
        today, now, queued = self.today(), self._clock(), 0
        async with self._uow(write=True) as uow:
            for case in await uow.stagnatie.open_cases():
                members = await uow.betrokkenen.list(case.household_id)
                for d in case_deadlines(case, self.werkdagen, today)[case.step]:
                    if not d.overdue or not await uow.stagnatie.mark_reminded(
                        case.id, int(case.step), d.key, d.due, now
                    ):
                        continue
                    for rid in sorted(responsible(case, members)):
                        key = f"termijn:{case.id}:{int(case.step)}:{d.key}:{d.due.isoformat()}"
                        queued += await self._notice(uow, case.household_id, rid, "termijn", key)
            await uow.commit()
        if queued:
            self._wake()
        return queued
