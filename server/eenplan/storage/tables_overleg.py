"""Tables for overleggen, date polls and attendance.

The agenda and decisions are care content, stored like plan data; nothing here is ever
logged. Invitee and vote rows hold identifiers only.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .tables_base import _ts


class OverlegRow(SQLModel, table=True):
    """One overleg of a household, with its iTIP identity (uid, sequence)."""

    __tablename__ = "overleg"
    __table_args__ = (sa.Index("ix_overleg_status_start", "status", "start_at"),)
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    type: str = Field(max_length=30)
    status: str = Field(max_length=12)
    start_at: datetime = Field(sa_column=_ts())
    end_at: datetime = Field(sa_column=_ts())
    location: str | None = Field(default=None, max_length=200)
    video_link: str | None = Field(default=None, max_length=200)
    chair_id: str | None = Field(default=None, max_length=36)
    minute_taker_id: str | None = Field(default=None, max_length=36)
    agenda: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    uid: str = Field(max_length=255, sa_column_kwargs={"unique": True}, nullable=False)
    sequence: int
    revision: int
    initiated_on: date | None = None
    outside_window_reason: str | None = Field(default=None, max_length=2000)
    decisions: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    adopted_version: int | None = None
    next_overleg_id: str | None = Field(default=None, max_length=36)
    no_next_reason: str | None = Field(default=None, max_length=2000)
    reminder_sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_by: str = Field(max_length=36)
    created_at: datetime = Field(sa_column=_ts())


class OverlegInviteeRow(SQLModel, table=True):
    """One invited betrokkene of an overleg: must attend or optional, and their answer."""

    __tablename__ = "overleg_invitee"
    overleg_id: str = Field(foreign_key="overleg.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(primary_key=True, max_length=36)
    position: int
    must_attend: bool
    partstat: str = Field(max_length=20)


class DatePollRow(SQLModel, table=True):
    """A date poll for an overleg; `invitees` is JSON [{betrokkene_id, must_attend}] (ids only)."""

    __tablename__ = "date_poll"
    id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=36)
    type: str = Field(max_length=30)
    invitees: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    initiated_on: date | None = None
    outside_window_reason: str | None = Field(default=None, max_length=2000)
    overleg_id: str | None = Field(default=None, max_length=36)
    created_by: str = Field(max_length=36)
    created_at: datetime = Field(sa_column=_ts())


class DatePollOptionRow(SQLModel, table=True):
    """One candidate slot of a date poll."""

    __tablename__ = "date_poll_option"
    id: str = Field(primary_key=True, max_length=36)
    poll_id: str = Field(foreign_key="date_poll.id", index=True, max_length=36)
    start_at: datetime = Field(sa_column=_ts())
    end_at: datetime = Field(sa_column=_ts())


class DatePollVoteRow(SQLModel, table=True):
    """One betrokkene's answer (yes, maybe, no) to one option."""

    __tablename__ = "date_poll_vote"
    option_id: str = Field(foreign_key="date_poll_option.id", primary_key=True, max_length=36)
    betrokkene_id: str = Field(primary_key=True, max_length=36)
    poll_id: str = Field(foreign_key="date_poll.id", index=True, max_length=36)
    vote: str = Field(max_length=8)
    at: datetime = Field(sa_column=_ts())


class CalendarFeedRow(SQLModel, table=True):
    """A person's secret calendar subscription URL: only the SHA-256 of its token is kept (migration 0014)."""

    __tablename__ = "calendar_feed"
    token_hash: str = Field(primary_key=True, max_length=64)
    household_id: str = Field(foreign_key="household.id", max_length=36)
    betrokkene_id: str = Field(foreign_key="betrokkene.id", index=True, max_length=36)
    created_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
