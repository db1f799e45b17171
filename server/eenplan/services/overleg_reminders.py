"""The worker's reminder invitations: every voortgangsoverleg gets its REQUEST again N werkdagen ahead
(`OverlegService.due_reminders`, an hourly job wired in bootstrap)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..domain.overleg import reminder_due
from ..domain.ports import Clock, UnitOfWorkFactory, Werkdagen
from .common import known_household
from .overleg_changes import sent_by
from .overleg_drafts import AMSTERDAM, local_date
from .overleg_invites import REQUEST, InviteSender


async def due_reminders(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    werkdagen: Werkdagen,
    invites: InviteSender,
    n: int,
    today: date | None = None,
) -> list[str]:
    """Queue the reminder invite of every voortgangsoverleg `n` werkdagen ahead; idempotent (reminder_sent),
    one transaction per overleg. Returns the ids of the overleggen whose reminder was queued by this call."""
    now = clock()
    today = today or local_date(now)
    horizon = datetime.combine(today, datetime.min.time(), AMSTERDAM) + timedelta(days=2 * n + 15)
    async with uow_factory() as uow:
        candidates = await uow.overleggen.reminder_candidates(now, horizon)
    sent = []
    for cand in candidates:
        if not reminder_due(cand, today, now, werkdagen, n, local_date(cand.start)):
            continue
        async with uow_factory(write=True) as uow:
            overleg = await uow.overleggen.get(cand.household_id, cand.id, lock=True)
            if overleg is None or not await uow.overleggen.mark_reminder_sent(overleg.id, now):
                continue
            household = await known_household(uow, overleg.household_id)
            await invites.send(
                uow,
                household,
                overleg,
                [i.betrokkene_id for i in overleg.invitees],
                REQUEST,
                await sent_by(uow, overleg.household_id, overleg.created_by),
                f"overleg:{overleg.id}:reminder:s{overleg.sequence}",
            )
            await uow.commit()
            sent.append(overleg.id)
    return sent
