"""Attempt limits every node shares (issue 15): token buckets in the `rate_bucket` table.

Each take is one `INSERT … ON CONFLICT DO UPDATE … RETURNING` that refills the bucket in SQL and takes one
attempt: the row lock it holds until the transaction ends means two nodes can never both take the last
attempt. Several buckets (the client IP's and the target's) are taken in one transaction, in key order (no
deadlock between two takers), and rolled back together when any is empty: all or none, like one node.
The key is an HMAC of the limit's name and the counted thing (IP, address, link hash) under a key derived
from the deployment's secret: the table holds no address or IP in the clear.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.cluster_ports import Limit
from ..domain.errors import StorageUnavailable, TemporaryFailure
from .engine import WRITE_OPTION, is_sqlite
from .faults import DETAIL, classify

log = logging.getLogger(__name__)

#: the longest window of eenplan's own limits (inbound senders, calendar feeds: an hour); a counter is given the
#: deployment's longest window (bootstrap) and never purges sooner than that
PURGE_AFTER_SECONDS = 3600.0
#: more rows than this after the regular purge: the least recently used buckets go too (a flood of invented
#: targets must not grow the table without bound; the oldest rows are the nearest to full)
MAX_ROWS = 200_000


def _take_sql(sqlite: bool) -> sa.TextClause:
    least, greatest = ("MIN", "MAX") if sqlite else ("LEAST", "GREATEST")
    return sa.text(
        "INSERT INTO rate_bucket (key, tokens, at) VALUES (:key, :capacity - 1, :now) "
        "ON CONFLICT (key) DO UPDATE SET "
        f"tokens = {least}(:capacity, rate_bucket.tokens + {greatest}(0, :now - rate_bucket.at) * :rate) - 1, "
        f"at = {greatest}(rate_bucket.at, :now) "
        "RETURNING tokens"
    )


_READ = sa.text("SELECT tokens, at FROM rate_bucket WHERE key = :key")
_PURGE = sa.text("DELETE FROM rate_bucket WHERE at < :before")
_COUNT = sa.text("SELECT count(*) FROM rate_bucket")
_PURGE_OLDEST = sa.text(
    "DELETE FROM rate_bucket WHERE key IN (SELECT key FROM rate_bucket ORDER BY at, key LIMIT :excess)"
)


class _Refused(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """A storage fault as StorageUnavailable (503, the engine has reported it), anything else of the database as
    a TemporaryFailure: an attempt that cannot be counted is refused, never let through uncounted."""
    try:
        yield
    except (sa_exc.DBAPIError, OSError) as exc:
        kind = classify(exc)
        if kind is not None:
            raise StorageUnavailable(DETAIL[kind]) from exc
        raise TemporaryFailure("the attempt limits are busy; try again") from exc


class DatabaseCounter:
    """The shared `AttemptCounter`: buckets in the database every node uses (PostgreSQL; SQLite works too)."""

    def __init__(
        self, engine: AsyncEngine, key: bytes, *, window_seconds: float = PURGE_AFTER_SECONDS, max_rows: int = MAX_ROWS
    ) -> None:
        if len(key) < 32:
            raise ValueError("a rate-limit key needs 32 bytes")
        self._engine = engine
        self._key = key
        #: the longest window of any limit counted here: a bucket untouched that long is full (= no row)
        self.window_seconds = max(float(window_seconds), PURGE_AFTER_SECONDS)
        self._max_rows = max_rows
        self._take = _take_sql(is_sqlite(str(engine.url)))

    def bucket_key(self, limit: Limit, key: str) -> str:
        """The stored key of (limit, key): a keyed hash, so nothing counted is readable in the table."""
        return hmac.new(self._key, f"{limit.name}\0{key}".encode(), hashlib.sha256).hexdigest()

    async def wait_needed(self, limit: Limit, key: str, now: float) -> float:
        """Seconds until `key` has an attempt of `limit`; takes nothing (a plain read)."""
        with _translated():
            async with self._engine.connect() as conn:
                row = (await conn.execute(_READ, {"key": self.bucket_key(limit, key)})).first()
        if row is None:
            return 0.0
        tokens = min(float(limit.capacity), row[0] + max(0.0, now - row[1]) * limit.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / limit.rate

    async def take(self, wants: Sequence[tuple[Limit, str]], now: float) -> float:
        """Take one attempt from every (limit, key), all or none, in one transaction; 0.0 or the wait."""
        keyed = sorted(((self.bucket_key(limit, key), limit) for limit, key in wants), key=lambda kl: kl[0])
        try:
            with _translated():
                async with self._engine.connect() as conn:
                    conn = await conn.execution_options(**{WRITE_OPTION: True})
                    async with conn.begin():
                        waits = []
                        for bucket, limit in keyed:
                            self.window_seconds = max(self.window_seconds, limit.window_seconds)
                            rate = limit.rate
                            params = {"key": bucket, "capacity": float(limit.capacity), "now": now, "rate": rate}
                            left = (await conn.execute(self._take, params)).scalar_one()
                            if left < 0:
                                waits.append(-left / rate)
                        if waits:
                            raise _Refused(max(waits))  # rolls every take of this transaction back
        except _Refused as refused:
            return refused.wait
        return 0.0

    async def purge(self, now: float) -> None:
        """Delete buckets untouched for the longest window (they are full again: the same as no row); then, if
        more than `max_rows` are left, the least recently used ones (an emergency: their limits start afresh)."""
        with _translated():
            async with self._engine.connect() as conn:
                conn = await conn.execution_options(**{WRITE_OPTION: True})
                async with conn.begin():
                    await conn.execute(_PURGE, {"before": now - self.window_seconds})
                    excess = (await conn.execute(_COUNT)).scalar_one() - self._max_rows
                    if excess > 0:
                        log.warning("rate_bucket holds %d rows over its cap: purging the oldest", excess)
                        await conn.execute(_PURGE_OLDEST, {"excess": excess})

    async def purge_now(self) -> None:
        """`purge` at the wall clock's time (the worker's hourly job)."""
        await self.purge(time.time())
