"""PostgreSQL: decisions remembered per household generation, settled by the read's own access-log append.

A household's generation (`household_generation`, migration 0023) is given a fresh random value in the very
transaction of any change that could alter a read's decision: membership, versions, consents, overmacht,
escalation grants, token revocations (triggers, so no write site can forget it). The cold read (`pg_hot`'s
one statement: the token's revocation check and the member's member_access) also returns the generation, from
the same snapshot; `Generations` keeps those rows by (household, betrokkene, day) under that generation. Only
equality means anything: a generation never repeats (not a counter, which a restored backup, a promoted
replica or a re-run migration would roll back to values a node still remembers), and none is "newer".

A warm read asks nothing: the token's revocation check is *deferred* (`Pending`, in the request's context)
and member_access comes from `Generations`. What settles it is the read's own access-log row: the log
batch locks the household's generation row (FOR SHARE SKIP LOCKED, after the head) and inserts the row only
if the generation is still the one the decision was made under and the token is not revoked. Locking, not
just reading, makes that sound without trusting any notification's timing: a committed change is seen
(READ COMMITTED locks a row's newest version), one that starts later waits for the log's commit, and a
change still in flight (its writer holds the row) is not waited for: the row is skipped, so the deferred
decision is refused — so a change committed before the log commit always wins, on every node, and one
committed after it is ordered after the read. Never waiting for a generation row is what keeps a writer
that renews two households (at its commit, in its own order) from deadlocking with a batch that holds one
of them and wants the other. A refused row fails its
request with `DecisionChanged`, and the request is done again on the cold path (`web/auth.py`). A request
that logs nothing settles its deferred answer with one plain query (`settle`) before it answers.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

#: remembered decisions' rows at most (all dropped when full: a bound, not a policy)
KEPT = 4096

#: (household, betrokkene, today)
Key = tuple[str, str, date]


@dataclass
class Pending:
    """A request's deferred revocation check: settled by its access-log rows or by `settle`."""

    household_id: str
    generation: int
    jti: str
    scope: str
    settled: bool = False


#: the deferred check of the request this context serves (set by `PlanReader.revoked`, cleared by `settle`)
PENDING: ContextVar[Pending | None] = ContextVar("eenplan_pending_decision", default=None)


@dataclass
class Remembered:
    """member_access rows read under a generation, and the answer decoded from them once (rows never change)."""

    generation: int
    rows: list[Any]
    answer: Any = None


class Generations:
    """member_access rows per (household, betrokkene, day), each with the generation they were read under."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._rows: dict[Key, Remembered] = {}

    def get(self, key: Key) -> Remembered | None:
        """The rows remembered for `key` with their generation, if any (never trusted without settling)."""
        return self._rows.get(key)

    def put(self, key: Key, generation: int, rows: list[Any]) -> Remembered:
        """Remember rows read under `generation` (only a member's: a refusal is never remembered)."""
        if len(self._rows) >= self._kept:
            self._rows.clear()
        remembered = self._rows[key] = Remembered(generation, rows)
        return remembered

    def drop(self, household_id: str, generation: int | None = None) -> None:
        """Forget a household's rows (those under `generation`, found stale; all when None). Generations have
        no order: rows under another stale one are refused at their own next use and dropped then."""
        stale = [
            k
            for k, r in self._rows.items()
            if k[0] == household_id and (generation is None or r.generation == generation)
        ]
        for k in stale:
            del self._rows[k]

    def clear(self) -> None:
        """Forget everything."""
        self._rows.clear()


def with_generation(sql: str, household_parameter: int) -> str:
    """`pg_hot.combined_sql`'s statement plus the household's generation from the same snapshot (NULL when
    the household has no generation row: then nothing is remembered)."""
    return (
        f"SELECT c.*, (SELECT generation FROM household_generation WHERE household_id = ${household_parameter}) "
        f"AS generation FROM ({sql}) AS c"
    )


#: Lock the head (as audit_writer's plain lock does) and then, in the same statement and round trip, the
#: household's generation row FOR SHARE SKIP LOCKED; answer the head, the generation now (NULL while a writer
#: holds the row: a change in flight, which refuses the deferred rows), and which of the given token ids are
#: revoked for the household. The head is locked first (the target list's subqueries run per output row,
#: after the CTE); the generation row is never waited for, so a writer renewing several households at its
#: commit cannot form a cycle with a batch that holds one of them FOR SHARE.
LOCK_AND_CHECK = (
    "WITH head AS (INSERT INTO access_log_head (household_id, seq, hash) VALUES ($1, 0, $2) "
    "ON CONFLICT (household_id) DO UPDATE SET seq = access_log_head.seq RETURNING seq, hash) "
    "SELECT head.seq, head.hash, "
    "(SELECT generation FROM household_generation WHERE household_id = $1 FOR SHARE SKIP LOCKED) AS generation, "
    "ARRAY(SELECT jti FROM token_revocation WHERE scope = $1 AND jti = ANY($3::text[])) AS revoked FROM head"
)

#: A deferred check with no log row to settle it: the generation unchanged and the token not revoked.
SETTLE = (
    "SELECT EXISTS (SELECT 1 FROM household_generation WHERE household_id = $1 AND generation = $2) "
    "AND NOT EXISTS (SELECT 1 FROM token_revocation WHERE jti = $3 AND scope = $4)"
)


def holds(pending: Pending, generation: int | None, revoked: list[str]) -> bool:
    """Whether a deferred decision still holds given the household's locked generation (None: none, or a
    change in flight) and revoked ids. Equality only: generations are random, never ordered."""
    return generation == pending.generation and pending.jti not in revoked
