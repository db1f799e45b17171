"""The access log's PostgreSQL append: one transaction per batch on the asyncpg pool (`audit_writer`).

Per household two round trips: lock the head; insert the rows (one array per column) and move the head in
one statement. A batch whose requests were decided from remembered facts (`pg_generation`) locks each
head with the household's generation in the same statement (never waiting for it) and appends only the rows
still decided rightly. A deadlock or serialization failure is logged with its SQLSTATE (nothing else: no
personal data) before the batch turns it into `TemporaryFailure`.
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain.audit import GENESIS, AccessEvent
from .access_repository import LOG_COLUMNS, log_values
from .log_chain import ChainRow, InsertRows, LockHead, MoveHead, Step, arun, by_household
from .pg_generation import LOCK_AND_CHECK, Pending, holds

log = logging.getLogger(__name__)

#: SQLSTATEs of a transaction PostgreSQL aborted to break a lock cycle or a serialization conflict
_CONFLICTS = {"40P01": "deadlock detected", "40001": "serialization failure"}

#: PostgreSQL array types of the access_log columns after household_id, for `unnest` (one array per column)
_PG_ARRAYS = {
    "seq": "int[]",
    "at": "timestamptz[]",
    "emergency": "bool[]",
}

#: One statement (one round trip) inserts a household's rows of a batch and moves its head: the rows come as one
#: array per column. Both parts run whatever the other finds (a data-modifying CTE always runs to completion), in
#: the batch's transaction, after LockHead locked the head: a round trip less per batch than an executemany and an
#: UPDATE, and the head row (which other nodes' batches for the household wait for) is held one round trip shorter.
_APPEND_PG = (
    "WITH moved AS (UPDATE access_log_head SET seq = $2, hash = $3 WHERE household_id = $1) "
    f"INSERT INTO access_log ({', '.join(LOG_COLUMNS)}) SELECT $1, * FROM unnest("
    + ", ".join(f"${n}::{_PG_ARRAYS.get(c, 'text[]')}" for n, c in enumerate(LOG_COLUMNS[1:], start=4))
    + ")"
)


_LOCK_HEAD_PG = (
    "INSERT INTO access_log_head (household_id, seq, hash) VALUES ($1, 0, $2) "
    "ON CONFLICT (household_id) DO UPDATE SET seq = access_log_head.seq RETURNING seq, hash"
)


async def append_pg(conn: Any, events: list[AccessEvent], locked: dict[str, tuple[int, str]] | None = None) -> None:
    """Append on an asyncpg connection, in the caller's transaction (the steps of `log_chain`): two round trips
    per household (lock the head; insert the rows and move the head in one statement). `locked`: heads this
    transaction has locked already, by household (their (seq, hash))."""
    inserting: list[ChainRow] = []

    async def execute(step: Step) -> tuple[int, str] | None:
        if isinstance(step, LockHead):
            if locked is not None and step.household_id in locked:
                return locked[step.household_id]
            # one round trip: create the head at (0, GENESIS) or lock the existing one (ON CONFLICT DO UPDATE
            # locks the row like FOR UPDATE and returns its latest committed values)
            head = await conn.fetchrow(_LOCK_HEAD_PG, step.household_id, GENESIS)
            return (head["seq"], head["hash"]) if head else None
        if isinstance(step, InsertRows):
            inserting[:] = step.rows  # written with the head's move, the household's next step
        elif isinstance(step, MoveHead):
            values = [log_values(step.household_id, *row)[1:] for row in inserting]
            columns = [list(column) for column in zip(*values, strict=True)]
            await conn.execute(_APPEND_PG, step.household_id, step.seq, step.hash, *columns)
            inserting.clear()
        return None

    await arun(events, execute)


async def append_pg_checked(conn: Any, groups: list[tuple[list[AccessEvent], Pending | None]]) -> set[int]:
    """Append the groups of a batch whose deferred decisions still hold (`pg_generation`); answer the indices
    of the groups refused (nothing of them is written). Without deferred decisions: `append_pg` exactly.

    Per household in the log's fixed order: the head is locked and, in the same statement, the generation row
    FOR SHARE SKIP LOCKED (a writer holding it refuses the household's deferred rows, never a wait) and the
    token ids checked; the chain is then extended over the accepted events only, so a refused row leaves no
    gap in it."""
    try:
        return await _append_checked(conn, groups)
    except Exception as exc:
        state = getattr(exc, "sqlstate", None)
        if state in _CONFLICTS:  # the batch's waiters get TemporaryFailure (503): say why, by code only
            log.warning("access log batch aborted by PostgreSQL: %s (SQLSTATE %s)", _CONFLICTS[state], state)
        raise


async def _append_checked(conn: Any, groups: list[tuple[list[AccessEvent], Pending | None]]) -> set[int]:
    if all(pending is None for _, pending in groups):
        await append_pg(conn, [e for group, _ in groups for e in group])
        return set()
    heads: dict[str, tuple[int, str]] = {}
    refused: set[int] = set()
    owner = {id(e): index for index, (group, _) in enumerate(groups) for e in group}
    for household_id, events in by_household(e for group, _ in groups for e in group):
        checked = [groups[i][1] for i in sorted({owner[id(e)] for e in events})]
        deferred = [p for p in checked if p is not None]
        if not deferred:
            head = await conn.fetchrow(_LOCK_HEAD_PG, household_id, GENESIS)
        else:
            head = await conn.fetchrow(LOCK_AND_CHECK, household_id, GENESIS, sorted({p.jti for p in deferred}))
        heads[household_id] = (head["seq"], head["hash"])
        if deferred:
            revoked = list(head["revoked"])
            for index in {owner[id(e)] for e in events}:
                pending = groups[index][1]
                if pending is not None and not holds(pending, head["generation"], revoked):
                    refused.add(index)
    accepted = [e for index, (group, _) in enumerate(groups) if index not in refused for e in group]
    await append_pg(conn, accepted, heads)
    return refused
