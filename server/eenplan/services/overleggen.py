"""Overleg use cases: window and slots, reading, planning; change and cancel (`overleg_changes`), close
(`overleg_close`), attendance (`overleg_attendance`), must-attend (`overleg_must_attend`), reminders
(`overleg_reminders`) behind the same service.

Every change to an overleg and the invites it causes are one transaction: the invites are
queued through the `InviteOutbox` port in the same unit of work. Only regisseurs plan, change,
cancel and close; betrokkenen see the overleggen they are invited to.
"""

from __future__ import annotations

import builtins
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.access import Actor, Principal, may_see_overleg
from ..domain.audit import Channel
from ..domain.errors import NotFound, ValidationFailed
from ..domain.overleg import (
    NEEDS_NEXT,
    Overleg,
    OverlegStatus,
    OverlegType,
    Partstat,
    check_invitees,
    check_times,
    with_roles,
)
from ..domain.overleg_ports import Slot, SlotPlanner
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory, Werkdagen
from . import overleg_reads
from .common import Need, authorised, known_household, require_need
from .overleg_attendance import AttendanceRecorder
from .overleg_changes import OverlegChanges, sent_by
from .overleg_close import CloseRequest, OverlegCloser
from .overleg_drafts import OverlegDraft, local_date
from .overleg_invites import REQUEST, InviteSender, overleg_uid
from .overleg_must_attend import MustAttendChanger
from .overleg_reminders import due_reminders
from .overleg_slots import SlotChoice, SlotFinder, SlotRequest
from .overleg_views import OverlegView, shown, shown_in
from .overleg_window import WindowCalendar, initiation_date, window_calendar
from .plan import PlanService

NOT_FOUND = "overleg not found"


class OverlegService:
    """Planning and following up the overleggen of households.

    Every overleg it answers with is an `OverlegView` cut to the caller by the policy, and what the view
    disclosed is access-logged here (inside the transaction of a change).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        werkdagen: Werkdagen,
        planner: SlotPlanner,
        invites: InviteSender,
        plan: PlanService,
        reminder_werkdagen: int = 2,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        self.werkdagen = werkdagen
        self.planner = planner
        self.invites = invites
        self._plan = plan
        self.reminder_werkdagen = reminder_werkdagen
        self._closer = OverlegCloser(uow, clock, plan, self)
        self._must_attend = MustAttendChanger(uow, plan, invites, NOT_FOUND)
        self._changes = OverlegChanges(uow, clock, plan, invites, self.check_window, NOT_FOUND)
        self._attendance = AttendanceRecorder(uow, plan, self._visible)
        self._slots = SlotFinder(uow, clock, planner)

    def now(self) -> datetime:
        """The service's clock: what "upcoming" means on a page that lists overleggen."""
        return self._clock()

    # ------------------------------------------------------------------ helpers
    async def _visible(self, uow: UnitOfWork, actor: Actor, overleg_id: str, *, lock: bool = False) -> Overleg:
        """The overleg if the actor may see it (NotFound otherwise); `lock` for a use case that writes to it: the
        row lock every writer of the overleg or its invitee list takes, so their writes serialise."""
        found = await uow.overleggen.get(actor.household_id, overleg_id, lock=lock)
        if found is None or not may_see_overleg(actor, (i.betrokkene_id for i in found.invitees)):
            raise NotFound(NOT_FOUND)
        return found

    def window(self, overleg_type: OverlegType, initiated: date) -> tuple[date, date]:
        """The startoverleg window: werkdag 5 to 15 after initiation (other types have none)."""
        if overleg_type is not OverlegType.STARTOVERLEG:
            raise ValidationFailed.one("type", "only a startoverleg has a window (5–15 werkdagen after initiation)")
        return self.planner.startoverleg_window(initiated)

    def check_window(
        self, draft_type: OverlegType, start: datetime, initiated: date | None, reason: str | None
    ) -> str | None:
        """For a startoverleg: the reason to record when outside the window, or ValidationFailed on 'start'."""
        if draft_type is not OverlegType.STARTOVERLEG:
            return None
        if initiated is None:
            raise ValidationFailed.one("initiated", "a startoverleg needs its initiation date (YYYY-MM-DD)")
        earliest, latest = self.planner.startoverleg_window(initiated)
        inside = self.planner.in_window(start, earliest, latest, reason)
        return None if inside else (reason or "").strip()

    # ------------------------------------------------------------------ reading
    async def window_for(
        self, principal: Principal, household_id: str, overleg_type: OverlegType, initiated: date
    ) -> tuple[date, date]:
        """The window, for a betrokkene of the household."""
        async with authorised(self._uow, principal, household_id):
            pass  # membership only: the window is the same for every betrokkene
        return self.window(overleg_type, initiated)

    async def window_calendar(self, principal: Principal, household_id: str, initiated: date | None) -> WindowCalendar:
        """For the regisseur's overleggen page: the startoverleg window drawn as its months, each day explained
        (werkdag, weekend, holiday, closing day); without `initiated`, counted from the day phase 3 began."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="plan overleggen"
        ) as caller:
            history = await caller.uow.households.phase_history(household_id)
        start = initiated or initiation_date(history, local_date(self._clock()))
        earliest, latest = self.planner.startoverleg_window(start)
        return window_calendar(self.werkdagen, start, earliest, latest)

    async def slots(
        self,
        principal: Principal,
        household_id: str,
        *,
        earliest: date,
        latest: date,
        must: list[str],
        optional: list[str],
        duration: timedelta,
        limit: int = 10,
        max_per_day: int | None = 2,
    ) -> list[Slot]:
        """Slots in [earliest, latest] where every must-attend betrokkene is reachable, best first."""
        want = SlotRequest(earliest, latest, duration, limit, max_per_day)
        return await self._slots.slots(principal, household_id, want, must, optional)

    async def slot_choice(
        self, principal: Principal, household_id: str, want: SlotRequest, must: list[str] | None, optional: list[str]
    ) -> SlotChoice:
        """The slots with who was checked for them (the page's words come from it); `must=None`: the klanten must
        come, the rest may (see overleg_slots)."""
        return await self._slots.choice(principal, household_id, want, must, optional)

    async def list(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.API, content: bool = True
    ) -> list[OverlegView]:
        """The overleggen the caller may see (all for a regisseur, otherwise those they are invited to),
        each cut to what the caller may read (logged on `channel`: a page says WEB); `content=False` for a page
        that shows no agenda or decisions (see `overleg_views.shown`)."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            found = [
                o
                for o in await caller.uow.overleggen.list(household_id)
                if may_see_overleg(actor, (i.betrokkene_id for i in o.invitees))
            ]
        return await shown(self._plan, principal, household_id, found, channel, content=content)

    async def get(
        self,
        principal: Principal,
        household_id: str,
        overleg_id: str,
        *,
        channel: Channel = Channel.API,
        content: bool = True,
    ) -> OverlegView:
        """One overleg, for a regisseur or an invitee (404 for everyone else), cut to what they may read
        (`content=False`: its facts only, nothing logged — see `overleg_views.shown`)."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            found = await self._visible(caller.uow, actor, overleg_id)
        return (await shown(self._plan, principal, household_id, [found], channel, content=content))[0]

    async def invite_ics(
        self, principal: Principal, household_id: str, overleg_id: str, for_id: str | None, *, cleartext: bool = False
    ) -> tuple[str, bytes]:
        """The caller's own invite as .ics (a regisseur may fetch any invitee's): (uid, bytes); `cleartext`: the
        reduced one (see overleg_reads)."""
        return await overleg_reads.invite_ics(
            self._uow, self._plan, self.invites, self._visible, principal, household_id, overleg_id, for_id, cleartext
        )

    async def status(self, principal: Principal, household_id: str) -> dict[str, Any]:
        """Whether the household needs an overleg planned (phase 4/5 without a future one), and the next one."""
        return await overleg_reads.status(self._uow, self._clock(), principal, household_id)

    # ------------------------------------------------------------------ changing
    async def plan(self, principal: Principal, household_id: str, draft: OverlegDraft) -> tuple[OverlegView, int]:
        """Plan an overleg and queue its invites; returns the overleg and how many invites were queued."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="plan overleggen"
        ) as caller:
            require_need(caller, Need.PERSONAL, "plan overleggen")  # created_by, invitations sent as from her
            uow, actor = caller.uow, caller.actor
            overleg, queued = await self.create_in(uow, actor, draft)
            view = await shown_in(self._plan, uow, actor, overleg)
            await uow.commit()
            return view, queued

    async def create_in(self, uow: UnitOfWork, actor: Actor, draft: OverlegDraft) -> tuple[Overleg, int]:
        """Plan inside an open unit of work (used by plan, close's next overleg and a poll's pick)."""
        now = self._clock()
        check_times(draft.start, draft.end, now)
        draft.check_initiated(now)
        reason = self.check_window(draft.type, draft.start, draft.initiated_on, draft.reason)
        members = [b.id for b in await uow.betrokkenen.list(actor.household_id)]
        invitees = with_roles(draft.invitees, draft.chair_id, draft.minute_taker_id)
        check_invitees(invitees, members)
        oid = self._new_id()
        overleg = Overleg(
            id=oid,
            household_id=actor.household_id,
            type=draft.type,
            start=draft.start,
            end=draft.end,
            location=draft.location,
            video_link=draft.video_link,
            chair_id=draft.chair_id,
            minute_taker_id=draft.minute_taker_id,
            invitees=invitees,
            agenda=draft.agenda,
            status=OverlegStatus.PLANNED,
            uid=overleg_uid(oid, self.invites.mail_domain),
            sequence=0,
            revision=0,
            created_by=actor.betrokkene_id,
            created_at=now,
            initiated_on=draft.initiated_on,
            outside_window_reason=reason,
        )
        await uow.overleggen.add(overleg)
        household = await known_household(uow, actor.household_id)
        sender = await sent_by(uow, actor.household_id, actor.betrokkene_id)
        queued = await self.invites.send(
            uow, household, overleg, [i.betrokkene_id for i in invitees], REQUEST, sender, f"overleg:{oid}:r0"
        )
        return overleg, queued

    async def change(
        self, principal: Principal, household_id: str, overleg_id: str, changes: dict[str, Any]
    ) -> tuple[OverlegView, int]:
        """Reschedule or change an overleg; time or place changes raise SEQUENCE. Removed invitees get CANCEL
        (see overleg_changes)."""
        return await self._changes.change(principal, household_id, overleg_id, changes)

    async def set_must_attend(
        self, principal: Principal, household_id: str, overleg_id: str, betrokkene_id: str, must: bool
    ) -> tuple[OverlegView, int]:
        """Must-attend or not for one betrokkene of a planned overleg, in one locked transaction: only that person
        gets an updated invitation, nobody else is mailed (see overleg_must_attend; its facts only are answered)."""
        return await self._must_attend.set(principal, household_id, overleg_id, betrokkene_id, must)

    async def cancel(self, principal: Principal, household_id: str, overleg_id: str) -> tuple[OverlegView, int]:
        """Cancel a planned overleg: SEQUENCE is raised and every invitee gets METHOD:CANCEL (see overleg_changes)."""
        return await self._changes.cancel(principal, household_id, overleg_id)

    async def attendance(
        self,
        principal: Principal,
        household_id: str,
        overleg_id: str,
        partstat: Partstat,
        *,
        channel: Channel = Channel.API,
    ) -> OverlegView:
        """An invitee answers: accepted, declined or tentative (replies by e-mail: services.inbound); the answer
        shows the overleg cut to the invitee, like a read (see overleg_attendance)."""
        return await self._attendance.answer(principal, household_id, overleg_id, partstat, channel)

    async def close(
        self, principal: Principal, household_id: str, overleg_id: str, request: CloseRequest
    ) -> tuple[OverlegView, builtins.list[str], int]:
        """Record a held overleg: decisions, the adopted plan version, and the next overleg — one transaction
        (see overleg_close)."""
        return await self._closer.close(principal, household_id, overleg_id, request)

    # ------------------------------------------------------------------ the worker
    async def due_reminders(self, today: date | None = None) -> builtins.list[str]:
        """Queue the reminder invite of every voortgangsoverleg N werkdagen ahead; idempotent (reminder_sent).

        Returns the ids of the overleggen whose reminder was queued by this call (see overleg_reminders).
        """
        return await due_reminders(self._uow, self._clock, self.werkdagen, self.invites, self.reminder_werkdagen, today)


__all__ = ["NEEDS_NEXT", "OverlegDraft", "OverlegService", "local_date"]
