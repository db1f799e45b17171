"""Overleggen and date polls in the database: the only SQL of the overleg area."""

from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.overleg import (
    DatePoll,
    Invitee,
    Overleg,
    OverlegStatus,
    OverlegType,
    Partstat,
    PollOption,
    Vote,
)
from .calendar_feed_repository import CalendarFeedRows
from .results import rows_changed
from .tables_overleg import DatePollOptionRow, DatePollRow, DatePollVoteRow, OverlegInviteeRow, OverlegRow

_FIELDS = (
    "type",
    "status",
    "start_at",
    "end_at",
    "location",
    "video_link",
    "chair_id",
    "minute_taker_id",
    "agenda",
    "sequence",
    "revision",
    "initiated_on",
    "outside_window_reason",
    "decisions",
    "adopted_version",
    "next_overleg_id",
    "no_next_reason",
    "reminder_sent_at",
)


def _values(o: Overleg) -> dict[str, Any]:
    return {
        "type": o.type.value,
        "status": o.status.value,
        "start_at": o.start,
        "end_at": o.end,
        "location": o.location,
        "video_link": o.video_link,
        "chair_id": o.chair_id,
        "minute_taker_id": o.minute_taker_id,
        "agenda": o.agenda,
        "sequence": o.sequence,
        "revision": o.revision,
        "initiated_on": o.initiated_on,
        "outside_window_reason": o.outside_window_reason,
        "decisions": o.decisions,
        "adopted_version": o.adopted_version,
        "next_overleg_id": o.next_overleg_id,
        "no_next_reason": o.no_next_reason,
        "reminder_sent_at": o.reminder_sent_at,
    }


def _overleg(row: OverlegRow, invitees: list[OverlegInviteeRow]) -> Overleg:
    return Overleg(
        id=row.id,
        household_id=row.household_id,
        type=OverlegType(row.type),
        start=row.start_at,
        end=row.end_at,
        location=row.location,
        video_link=row.video_link,
        chair_id=row.chair_id,
        minute_taker_id=row.minute_taker_id,
        invitees=tuple(
            Invitee(i.betrokkene_id, i.must_attend, Partstat(i.partstat))
            for i in sorted(invitees, key=lambda i: i.position)
        ),
        agenda=row.agenda,
        status=OverlegStatus(row.status),
        uid=row.uid,
        sequence=row.sequence,
        revision=row.revision,
        created_by=row.created_by,
        created_at=row.created_at,
        initiated_on=row.initiated_on,
        outside_window_reason=row.outside_window_reason,
        decisions=row.decisions,
        adopted_version=row.adopted_version,
        next_overleg_id=row.next_overleg_id,
        no_next_reason=row.no_next_reason,
        reminder_sent_at=row.reminder_sent_at,
    )


class OverlegRepository(CalendarFeedRows):
    """Overleggen with their invitees, date polls with options and votes, and calendar feeds (the base)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _load(self, rows: list[OverlegRow]) -> list[Overleg]:
        if not rows:
            return []
        stmt = sa.select(OverlegInviteeRow).where(col(OverlegInviteeRow.overleg_id).in_([r.id for r in rows]))
        by_overleg: dict[str, list[OverlegInviteeRow]] = {}
        for inv in (await self._s.execute(stmt)).scalars():
            by_overleg.setdefault(inv.overleg_id, []).append(inv)
        return [_overleg(r, by_overleg.get(r.id, [])) for r in rows]

    async def _write_invitees(self, o: Overleg) -> None:
        await self._s.execute(sa.delete(OverlegInviteeRow).where(col(OverlegInviteeRow.overleg_id) == o.id))
        for n, inv in enumerate(o.invitees):
            self._s.add(
                OverlegInviteeRow(
                    overleg_id=o.id,
                    betrokkene_id=inv.betrokkene_id,
                    position=n,
                    must_attend=inv.must_attend,
                    partstat=inv.partstat.value,
                )
            )
        await self._s.flush()

    async def add(self, overleg: Overleg) -> None:
        """Store a new overleg and its invitees."""
        self._s.add(
            OverlegRow(
                id=overleg.id,
                household_id=overleg.household_id,
                uid=overleg.uid,
                created_by=overleg.created_by,
                created_at=overleg.created_at,
                **_values(overleg),
            )
        )
        await self._s.flush()
        await self._write_invitees(overleg)

    async def get(self, household_id: str, overleg_id: str, *, lock: bool = False) -> Overleg | None:
        """One overleg of the household; with `lock`, held until commit (PostgreSQL FOR UPDATE)."""
        stmt = sa.select(OverlegRow).where(
            col(OverlegRow.id) == overleg_id, col(OverlegRow.household_id) == household_id
        )
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        return (await self._load([row]))[0] if row else None

    async def update(self, overleg: Overleg) -> None:
        """Overwrite an overleg's changeable fields and its invitee list."""
        await self._s.execute(sa.update(OverlegRow).where(col(OverlegRow.id) == overleg.id).values(**_values(overleg)))
        await self._write_invitees(overleg)

    async def list(self, household_id: str) -> list[Overleg]:
        """Every overleg of the household, by start time."""
        stmt = (
            sa.select(OverlegRow)
            .where(col(OverlegRow.household_id) == household_id)
            .order_by(col(OverlegRow.start_at), col(OverlegRow.id))
        )
        return await self._load(list((await self._s.execute(stmt)).scalars()))

    async def set_partstat(self, overleg_id: str, betrokkene_id: str, partstat: Partstat) -> None:
        """Record one invitee's answer."""
        await self._s.execute(
            sa.update(OverlegInviteeRow)
            .where(
                col(OverlegInviteeRow.overleg_id) == overleg_id, col(OverlegInviteeRow.betrokkene_id) == betrokkene_id
            )
            .values(partstat=partstat.value)
        )

    async def has_future(self, household_id: str, now: datetime) -> bool:
        """Whether a planned overleg starts after `now`."""
        stmt = (
            sa.select(sa.func.count())
            .select_from(OverlegRow)
            .where(
                col(OverlegRow.household_id) == household_id,
                col(OverlegRow.status) == OverlegStatus.PLANNED.value,
                col(OverlegRow.start_at) > now,
            )
        )
        return bool((await self._s.execute(stmt)).scalar_one())

    async def reminder_candidates(self, now: datetime, until: datetime) -> builtins.list[Overleg]:
        """Planned voortgangsoverleggen starting in (now, until] whose reminder is unsent (all households)."""
        stmt = (
            sa.select(OverlegRow)
            .where(
                col(OverlegRow.status) == OverlegStatus.PLANNED.value,
                col(OverlegRow.type) == OverlegType.VOORTGANGSOVERLEG.value,
                col(OverlegRow.reminder_sent_at).is_(None),
                col(OverlegRow.start_at) > now,
                col(OverlegRow.start_at) <= until,
            )
            .order_by(col(OverlegRow.start_at))
        )
        return await self._load(list((await self._s.execute(stmt)).scalars()))

    async def mark_reminder_sent(self, overleg_id: str, at: datetime) -> bool:
        """Mark the reminder sent, once: False if another worker already did (compare-and-set)."""
        stmt = (
            sa.update(OverlegRow)
            .where(col(OverlegRow.id) == overleg_id, col(OverlegRow.reminder_sent_at).is_(None))
            .values(reminder_sent_at=at)
        )
        return rows_changed(await self._s.execute(stmt)) == 1

    # ------------------------------------------------------------------ date polls
    async def add_poll(self, poll: DatePoll) -> None:
        """Store a new date poll with its options."""
        self._s.add(
            DatePollRow(
                id=poll.id,
                household_id=poll.household_id,
                type=poll.type.value,
                created_by=poll.created_by,
                created_at=poll.created_at,
                initiated_on=poll.initiated_on,
                overleg_id=poll.overleg_id,
                outside_window_reason=poll.outside_window_reason,
                invitees=json.dumps(
                    [{"betrokkene_id": i.betrokkene_id, "must_attend": i.must_attend} for i in poll.invitees]
                ),
            )
        )
        await self._s.flush()
        for option in poll.options:
            self._s.add(DatePollOptionRow(id=option.id, poll_id=poll.id, start_at=option.start, end_at=option.end))
        await self._s.flush()

    async def get_poll(self, household_id: str, poll_id: str, *, lock: bool = False) -> DatePoll | None:
        """One date poll of the household with its options and votes."""
        stmt = sa.select(DatePollRow).where(
            col(DatePollRow.id) == poll_id, col(DatePollRow.household_id) == household_id
        )
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        options = (
            await self._s.execute(
                sa.select(DatePollOptionRow)
                .where(col(DatePollOptionRow.poll_id) == poll_id)
                .order_by(col(DatePollOptionRow.start_at), col(DatePollOptionRow.id))
            )
        ).scalars()
        votes: dict[str, dict[str, Vote]] = {}
        vote_rows = sa.select(DatePollVoteRow).where(col(DatePollVoteRow.poll_id) == poll_id)
        for v in (await self._s.execute(vote_rows)).scalars():
            votes.setdefault(v.option_id, {})[v.betrokkene_id] = Vote(v.vote)
        return DatePoll(
            id=row.id,
            household_id=row.household_id,
            type=OverlegType(row.type),
            options=tuple(PollOption(o.id, o.start_at, o.end_at) for o in options),
            invitees=tuple(Invitee(i["betrokkene_id"], bool(i["must_attend"])) for i in json.loads(row.invitees)),
            created_by=row.created_by,
            created_at=row.created_at,
            initiated_on=row.initiated_on,
            outside_window_reason=row.outside_window_reason,
            overleg_id=row.overleg_id,
            votes=votes,
        )

    async def set_votes(self, poll_id: str, betrokkene_id: str, votes: dict[str, Vote], at: datetime) -> None:
        """Replace one betrokkene's answers on the given options."""
        if not votes:
            return
        await self._s.execute(
            sa.delete(DatePollVoteRow).where(
                col(DatePollVoteRow.poll_id) == poll_id,
                col(DatePollVoteRow.betrokkene_id) == betrokkene_id,
                col(DatePollVoteRow.option_id).in_(list(votes)),
            )
        )
        for option_id, vote in votes.items():
            self._s.add(
                DatePollVoteRow(
                    option_id=option_id, betrokkene_id=betrokkene_id, poll_id=poll_id, vote=vote.value, at=at
                )
            )
        await self._s.flush()

    async def close_poll(self, poll_id: str, overleg_id: str) -> None:
        """Record the overleg the regisseur's pick became."""
        await self._s.execute(
            sa.update(DatePollRow).where(col(DatePollRow.id) == poll_id).values(overleg_id=overleg_id)
        )
