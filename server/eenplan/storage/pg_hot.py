"""PostgreSQL: a token's revocation check and the plan read's member_access in one round trip.

On PostgreSQL nothing remembered may decide access by itself between requests (another node commits
through another connection, and nothing here would notice). So a request asks: the revocation list
(authentication) and then member_access (membership, version, grants in force). This module folds the
second question into the first statement: when the token names a betrokkene, the revocation check also
returns that betrokkene's member_access rows for the current version (one snapshot, one round trip).
The plan read may skip even that, settling a remembered answer by its own log row: `pg_generation`.

The answer is *handed over*, never remembered: it belongs to the asyncio task that asked, and only until
that task next yields to the event loop (a `call_soon` callback drops it at the loop's next turn). So it
is used exactly when the same request goes on, without any I/O in between, to read the current plan
(`GET …/plan`: authentication, then member_access) — and then it is as fresh as the revocation check
itself. Anything else (another route, a write first, a version read, another day) misses it and asks.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

#: the handed-over answer's key: (household, betrokkene, today)
Key = tuple[str, str, date]


def combined_sql(member_access_sql: str, parameters: int) -> str:
    """The revocation check (jti, scope as the next two parameters) left-joined to member_access's rows:
    always at least one row, whose first column says whether the token was revoked."""
    jti, scope = f"${parameters + 1}", f"${parameters + 2}"
    return (
        f"SELECT r.revoked, m.* FROM (SELECT EXISTS (SELECT 1 FROM token_revocation WHERE jti = {jti} "
        f"AND scope = {scope}) AS revoked) AS r LEFT JOIN ({member_access_sql}) AS m ON true"
    )


class HandOver:
    """At most one answer, for the task that read it, until that task yields to the event loop."""

    def __init__(self) -> None:
        self._held: tuple[asyncio.Task[Any] | None, Key, Any] | None = None

    def give(self, key: Key, rows: Any) -> None:
        """Hold member_access rows read together with the revocation check, for this task's next step."""
        held = (asyncio.current_task(), key, rows)
        self._held = held
        asyncio.get_running_loop().call_soon(self._drop, held)

    def take(self, key: Key) -> Any:
        """The rows, if this very task read them for this key and has not yielded since; else None."""
        held, self._held = self._held, None
        if held is None or held[0] is not asyncio.current_task() or held[1] != key:
            return None
        return held[2]

    def _drop(self, held: tuple[asyncio.Task[Any] | None, Key, Any]) -> None:
        if self._held is held:
            self._held = None
