"""Date polls: the regisseur offers candidate slots, betrokkenen vote, the pick becomes the overleg.

The method uses a date poll once, for the first overleg [004 §3a toelichting]; nothing stops a
regisseur using one later. The pick plans the overleg and queues its invitations in the same
transaction that closes the poll.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from ..domain.access import Principal, may_see_overleg
from ..domain.errors import NotFound, ValidationFailed
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus
from ..domain.names import ids_by_name
from ..domain.overleg import DatePoll, Invitee, OverlegType, PollOption, Vote, check_invitees, check_times
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, require_need
from .overleg_drafts import OverlegDraft, check_initiated
from .overleg_views import OverlegView, shown_in
from .overleggen import OverlegService
from .plan import PlanService

MAX_OPTIONS = 20
NOT_FOUND = "date poll not found"


POLL_NOTICE = (
    "Er staat een datumprikker klaar voor een overleg over het plan waar u bij betrokken bent.\n\n"
    "Geef via de link hieronder aan wanneer u kunt. De inhoud van het plan staat niet in dit bericht.\n"
)


async def _names(uow: UnitOfWork, household_id: str) -> dict[str, str]:
    """Everyone's name by id, the removed too (their votes stay)."""
    return {b.id: b.name for b in await uow.betrokkenen.list(household_id, include_removed=True)}


def in_name_order(poll: DatePoll, names: dict[str, str]) -> DatePoll:
    """The poll with its invitees and each option's votes in name order (`domain.names`), so the page and the
    API list the people the same way at every read."""
    everyone = {i.betrokkene_id for i in poll.invitees} | {b for votes in poll.votes.values() for b in votes}
    rank = {b: n for n, b in enumerate(ids_by_name(everyone, names))}
    return replace(
        poll,
        invitees=tuple(sorted(poll.invitees, key=lambda i: rank[i.betrokkene_id])),
        votes={
            option: {b: votes[b] for b in sorted(votes, key=rank.__getitem__)} for option, votes in poll.votes.items()
        },
    )


class PollService:
    """Date polls of households, on top of the overleg service's public planning (`check_window`,
    `create_in`), the plan service (what a pick shows) and its own unit of work, clock, ids."""

    def __init__(
        self,
        overleggen: OverlegService,
        plan: PlanService,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        *,
        wake_after_commit: Callable[[UnitOfWork], None] | None = None,
    ) -> None:
        self._overleggen = overleggen
        self._plan = plan
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        #: wakes the outbox worker once a transaction that queued notices commits (MailgroupService)
        self._wake_after_commit = wake_after_commit

    async def create(
        self,
        principal: Principal,
        household_id: str,
        *,
        overleg_type: OverlegType,
        options: list[tuple[datetime, datetime]],
        invitees: tuple[Invitee, ...],
        initiated_on: date | None = None,
        reason: str | None = None,
    ) -> DatePoll:
        """Open a poll with candidate slots (a startoverleg's must lie in its window unless a reason is given)."""
        if not 1 <= len(options) <= MAX_OPTIONS:
            raise ValidationFailed.one("options", f"give 1 to {MAX_OPTIONS} candidate slots")
        now = self._clock()
        if overleg_type is OverlegType.STARTOVERLEG:
            check_initiated(initiated_on, now)
        recorded = None
        for i, (start, end) in enumerate(options):
            try:
                check_times(start, end, now)
                recorded = self._overleggen.check_window(overleg_type, start, initiated_on, reason) or recorded
            except ValidationFailed as exc:
                raise ValidationFailed(
                    [
                        replace(p, field=f"options[{i}].{p.field}") if p.field in ("start", "end") else p
                        for p in exc.problems
                    ]
                ) from None
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="open date polls"
        ) as caller:
            require_need(caller, Need.PERSONAL, "open date polls")  # created_by, announced as from her
            uow, actor = caller.uow, caller.actor
            members = await uow.betrokkenen.list(household_id)
            check_invitees(invitees, [b.id for b in members])
            poll = DatePoll(
                id=self._new_id(),
                household_id=household_id,
                type=overleg_type,
                options=tuple(PollOption(self._new_id(), s, e) for s, e in sorted(options)),
                invitees=invitees,
                created_by=actor.betrokkene_id,
                created_at=now,
                initiated_on=initiated_on,
                outside_window_reason=recorded,
            )
            await uow.overleggen.add_poll(poll)
            await self._announce(uow, poll)
            await uow.commit()
            return in_name_order(poll, {b.id: b.name for b in members})

    async def _announce(self, uow: UnitOfWork, poll: DatePoll) -> None:
        """Tell every invitee with an e-mail address that a date poll waits for their vote: a signed,
        content-free notice through the outbox, queued in the poll's own transaction."""
        people = {b.id: b for b in await uow.betrokkenen.list(poll.household_id)}
        now = self._clock()
        payload = json.dumps({"subject": "Datumprikker voor een overleg", "text": POLL_NOTICE})
        queued = False
        for invitee in poll.invitees:
            if people.get(invitee.betrokkene_id) and people[invitee.betrokkene_id].email:
                await uow.mail.enqueue(
                    OutboxItem(
                        self._new_id(),
                        poll.household_id,
                        invitee.betrokkene_id,
                        OutboxKind.NOTICE,
                        f"poll:{poll.id}",
                        None,
                        None,
                        OutboxStatus.QUEUED,
                        0,
                        now,
                        now,
                        payload=payload,
                    )
                )
                queued = True
        if queued and self._wake_after_commit is not None:
            self._wake_after_commit(uow)

    async def get(self, principal: Principal, household_id: str, poll_id: str) -> DatePoll:
        """A poll with its votes, for the regisseur and the invited betrokkenen."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            poll = await caller.uow.overleggen.get_poll(household_id, poll_id)
            if poll is None or not may_see_overleg(actor, (i.betrokkene_id for i in poll.invitees)):
                raise NotFound(NOT_FOUND)
            return in_name_order(poll, await _names(caller.uow, household_id))

    async def open_for(self, principal: Principal, household_id: str) -> list[DatePoll]:
        """The open date polls the caller is invited to vote in (a page offers them), oldest first."""
        async with authorised(self._uow, principal, household_id) as caller:
            polls = await caller.uow.overleggen.open_polls(household_id)
        me = principal.betrokkene_id
        return [p for p in polls if any(i.betrokkene_id == me for i in p.invitees)]

    async def open_polls(self, principal: Principal, household_id: str) -> list[DatePoll]:
        """Every open date poll of the household with its votes so far, for the regisseur who picks a date."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="see the date polls"
        ) as caller:
            polls = await caller.uow.overleggen.open_polls(household_id)
            names = await _names(caller.uow, household_id) if polls else {}
        return [in_name_order(p, names) for p in polls]

    async def vote(self, principal: Principal, household_id: str, poll_id: str, votes: dict[str, Vote]) -> DatePoll:
        """An invited betrokkene answers yes, maybe or no per option (answers can be changed while open); only
        with a credential of their own (Need.PERSONAL): a token a regisseur issued for them votes for nobody."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="vote in a date poll"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            poll = await uow.overleggen.get_poll(household_id, poll_id)
            if poll is None or not may_see_overleg(actor, (i.betrokkene_id for i in poll.invitees)):
                raise NotFound(NOT_FOUND)
            if not any(i.betrokkene_id == actor.betrokkene_id for i in poll.invitees):
                raise ValidationFailed.one("votes", "only invited betrokkenen vote")
            if not poll.open:
                raise ValidationFailed.one("poll", "the poll is closed: a date was picked")
            known = {opt.id for opt in poll.options}
            unknown = [k for k in votes if k not in known]
            if unknown or not votes:
                raise ValidationFailed.one("votes", "name one or more options of this poll")
            await uow.overleggen.set_votes(poll_id, actor.betrokkene_id, votes, self._clock())
            await uow.commit()
        return await self.get(principal, household_id, poll_id)

    async def pick(
        self,
        principal: Principal,
        household_id: str,
        poll_id: str,
        option_id: str,
        *,
        agenda: str = "",
        location: str | None = None,
        video_link: str | None = None,
        chair_id: str | None = None,
        minute_taker_id: str | None = None,
    ) -> tuple[OverlegView, int]:
        """The regisseur picks an option: it becomes the overleg and its invitations, and the poll closes."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="pick a date"
        ) as caller:
            require_need(caller, Need.PERSONAL, "pick a date")  # the overleg it plans is created by her
            uow, actor = caller.uow, caller.actor
            poll = await uow.overleggen.get_poll(household_id, poll_id, lock=True)
            if poll is None:
                raise NotFound(NOT_FOUND)
            if not poll.open:
                raise ValidationFailed.one("poll", "a date was already picked")
            option = next((opt for opt in poll.options if opt.id == option_id), None)
            if option is None:
                raise ValidationFailed.one("option_id", "is not an option of this poll")
            draft = OverlegDraft(
                type=poll.type,
                start=option.start,
                end=option.end,
                invitees=poll.invitees,
                agenda=agenda,
                location=location,
                video_link=video_link,
                chair_id=chair_id,
                minute_taker_id=minute_taker_id,
                initiated_on=poll.initiated_on,
                reason=poll.outside_window_reason,
            )
            overleg, queued = await self._overleggen.create_in(uow, actor, draft)
            await uow.overleggen.close_poll(poll_id, overleg.id)
            view = await shown_in(self._plan, uow, actor, overleg)
            await uow.commit()
            return view, queued
