"""The one algorithm that appends to the access log's hash chains, for all three writers.

The ORM (`AccessLogRepository.append`, inside a unit of work), SQLite on the
event loop's connection (`loop_db`) and PostgreSQL through asyncpg
(`audit_writer`) differ only in how they talk to the database. What they do
is `append_steps`: per household, in a fixed order (so two writers lock heads
alike), lock the head row (creating it when missing), extend the chain from
it, insert the rows and move the head. Each writer runs the steps with its own
`execute` (`run` for a synchronous connection, `arun` for an async one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable
from typing import NamedTuple

from ..domain.audit import GENESIS, AccessEvent, extend_chain


class ChainRow(NamedTuple):
    """One access_log row to insert: its place in the chain and the event it records."""

    seq: int
    prev_hash: str
    hash: str
    event: AccessEvent


class LockHead(NamedTuple):
    """Lock the household's head row (create it at (0, GENESIS) when missing); answer (seq, hash)."""

    household_id: str


class InsertRows(NamedTuple):
    """Insert these rows of the household's chain."""

    household_id: str
    rows: list[ChainRow]


class MoveHead(NamedTuple):
    """Set the household's head row to its new last entry."""

    household_id: str
    seq: int
    hash: str


Step = LockHead | InsertRows | MoveHead


def by_household(events: Iterable[AccessEvent]) -> list[tuple[str, list[AccessEvent]]]:
    """The events per household, households in a fixed order (so two writers lock heads alike)."""
    grouped: dict[str, list[AccessEvent]] = {}
    for e in events:
        grouped.setdefault(e.household_id, []).append(e)
    return sorted(grouped.items())


def append_steps(events: Iterable[AccessEvent]) -> Generator[Step, tuple[int, str] | None, None]:
    """The steps appending `events`; a LockHead step is answered with the head's (seq, hash)."""
    for household_id, group in by_household(events):
        head = yield LockHead(household_id)
        rows = [ChainRow(*r) for r in extend_chain(*(head or (0, GENESIS)), group)]
        yield InsertRows(household_id, rows)
        yield MoveHead(household_id, rows[-1].seq, rows[-1].hash)


def run(events: Iterable[AccessEvent], execute: Callable[[Step], tuple[int, str] | None]) -> None:
    """Append `events` on a synchronous connection: `execute` carries out one step."""
    steps = append_steps(events)
    try:
        answer = None
        while True:
            answer = execute(steps.send(answer))
    except StopIteration:
        return


async def arun(events: Iterable[AccessEvent], execute: Callable[[Step], Awaitable[tuple[int, str] | None]]) -> None:
    """Append `events` on an async connection: `execute` carries out one step."""
    steps = append_steps(events)
    try:
        answer = None
        while True:
            answer = await execute(steps.send(answer))
    except StopIteration:
        return
