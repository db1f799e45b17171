"""Ports of the overleg area: its store, the calendar functions, and the values they exchange.

The calendar adapter (eenplan_calendar.planner) implements `SlotPlanner` and `InviteBuilder`;
storage implements `OverlegStore`; bootstrap wires them. Services only see these protocols.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from .overleg import DatePoll, Invitee, Overleg, Partstat, Vote


@dataclass(frozen=True)
class AttendeeSpec:
    """One ATTENDEE of an invite: address, display name, required or optional, the answer given so far,
    and whether they chair the overleg."""

    email: str
    name: str
    required: bool
    partstat: Partstat = Partstat.NEEDS_ACTION
    chair: bool = False


@dataclass(frozen=True)
class InviteSpec:
    """Everything an iTIP VEVENT carries — all of it content-free by construction."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    organizer_email: str
    organizer_name: str
    attendees: tuple[AttendeeSpec, ...]
    location: str | None
    sent_by_email: str | None
    dtstamp: datetime | None = None


@dataclass(frozen=True)
class FeedEvent:
    """One overleg in a personal calendar feed: its stable UID, time and status, and the page to open it.
    Content-free by construction: no place, agenda, organizer or attendee."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    cancelled: bool
    url: str


@dataclass(frozen=True)
class FeedSpec:
    """A person's calendar subscription: a neutral name and title, how often to refresh, the events."""

    name: str
    summary: str
    events: tuple[FeedEvent, ...]
    refresh: timedelta
    dtstamp: datetime


@dataclass(frozen=True)
class FeedOwner:
    """Whose calendar feed a token opens: one active betrokkene of one household."""

    household_id: str
    betrokkene_id: str


@dataclass(frozen=True)
class SlotPerson:
    """A betrokkene reduced to what slot finding needs (opaque id, never a name)."""

    id: str
    must_attend: bool
    reachable_weekdays: frozenset[int]


@dataclass(frozen=True)
class Slot:
    """A proposed slot and which optional betrokkenen can (not) come."""

    start: datetime
    end: datetime
    optional_reachable: tuple[str, ...]
    optional_unreachable: tuple[str, ...]


class SlotPlanner(Protocol):
    """The startoverleg window and slot proposals, on werkdagen within office hours."""

    def startoverleg_window(self, initiated: date) -> tuple[date, date]: ...
    def in_window(self, when: datetime, earliest: date, latest: date, reason: str | None) -> bool: ...
    def propose_slots(
        self,
        earliest: date,
        latest: date,
        people: Sequence[SlotPerson],
        duration: timedelta,
        *,
        limit: int,
        max_per_day: int | None,
        not_before: datetime | None,
    ) -> list[Slot]: ...


class InviteBuilder(Protocol):
    """iTIP calendars (.ics bytes) for an invite."""

    def build_request(self, spec: InviteSpec) -> bytes: ...
    def build_cancel(self, spec: InviteSpec) -> bytes: ...
    def build_uninvite(self, spec: InviteSpec) -> bytes: ...
    def needs_sequence_bump(self, old: InviteSpec, new: InviteSpec) -> bool: ...


class FeedBuilder(Protocol):
    """A subscribable iCalendar feed (.ics bytes, METHOD:PUBLISH) of a person's overleggen."""

    def build_feed(self, spec: FeedSpec) -> bytes: ...


class OverlegStore(Protocol):
    """Overleggen, their invitees, date polls and votes of households."""

    async def add(self, overleg: Overleg) -> None: ...
    async def get(self, household_id: str, overleg_id: str, *, lock: bool = False) -> Overleg | None: ...
    async def update(self, overleg: Overleg) -> None: ...
    async def list(self, household_id: str) -> list[Overleg]: ...
    async def set_partstat(self, overleg_id: str, betrokkene_id: str, partstat: Partstat) -> None: ...
    async def has_future(self, household_id: str, now: datetime) -> bool: ...
    async def reminder_candidates(self, now: datetime, until: datetime) -> builtins.list[Overleg]: ...
    async def mark_reminder_sent(self, overleg_id: str, at: datetime) -> bool: ...
    async def add_poll(self, poll: DatePoll) -> None: ...
    async def get_poll(self, household_id: str, poll_id: str, *, lock: bool = False) -> DatePoll | None: ...
    async def set_votes(self, poll_id: str, betrokkene_id: str, votes: dict[str, Vote], at: datetime) -> None: ...
    async def close_poll(self, poll_id: str, overleg_id: str) -> None: ...
    async def open_polls(self, household_id: str) -> builtins.list[DatePoll]: ...
    async def add_feed(self, token_hash: str, household_id: str, betrokkene_id: str, at: datetime) -> None: ...
    async def revoke_feeds(self, household_id: str, betrokkene_id: str, at: datetime) -> int: ...
    async def has_feed(self, household_id: str, betrokkene_id: str) -> bool: ...
    async def feed_holders(self, household_id: str) -> frozenset[str]: ...
    async def feed_owner(self, token_hash: str) -> FeedOwner | None: ...


__all__ = [
    "AttendeeSpec",
    "FeedBuilder",
    "FeedEvent",
    "FeedOwner",
    "FeedSpec",
    "InviteBuilder",
    "InviteSpec",
    "Invitee",
    "OverlegStore",
    "Slot",
    "SlotPerson",
    "SlotPlanner",
]
