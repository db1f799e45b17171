"""Storage faults: what kind of failure the database reported, one log line per fault, and when to try again.

A full disk, a read-only file, failing I/O or an unreachable server is not a
conflict between transactions: retrying at once only repeats it. Every
storage path classifies the database's error (`classify`), reports the fault
to the one `StorageHealth` of the process (logged once, by kind, never with
content), drops the connection it came through (it may have been opened
read-only, or be broken) and answers `StorageUnavailable`: 503, not retried.
While a fault lasts `/readyz` is red; connections are reopened on the next
attempt after a backoff, and the fault clears when a write (or, for an
unreachable database, any statement) succeeds again, or readiness's probe does.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable

from ..domain.errors import StorageUnavailable

log = logging.getLogger("eenplan.storage")

FULL, READ_ONLY, IO, UNAVAILABLE = "full", "read-only", "io", "unavailable"

#: SQLite primary result codes that are faults of the storage, not of the transaction
_SQLITE = {13: FULL, 8: READ_ONLY, 3: READ_ONLY, 10: IO, 11: IO, 26: IO, 14: UNAVAILABLE}
#: PostgreSQL SQLSTATEs (exact, then by class): 53 insufficient resources, 58 system error,
#: 57P0x shutting down, 08 connection exceptions, 25006 a read-only (standby) transaction
_PG_EXACT = {
    "53100": FULL,
    "58030": IO,
    "25006": READ_ONLY,
    "57P01": UNAVAILABLE,
    "57P02": UNAVAILABLE,
    "57P03": UNAVAILABLE,
}
_PG_CLASS = {"53": UNAVAILABLE, "58": IO, "08": UNAVAILABLE}

DETAIL = {
    FULL: "storage is full",
    READ_ONLY: "storage is read-only",
    IO: "storage is failing (I/O error)",
    UNAVAILABLE: "storage is unavailable",
}

#: seconds before the first new attempt after a fault, and the most it grows to (doubling per failed attempt)
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0
#: a SQLite database whose file system has less free space than this counts as full (readiness probe)
MIN_FREE_BYTES = 256 * 1024


def classify(exc: BaseException | None) -> str | None:
    """The storage fault an exception (or one it wraps) reports, or None when it is not one (e.g. a lock)."""
    seen = 0
    while exc is not None and seen < 8:
        seen += 1
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorcode", None)
            if code is not None:
                return _SQLITE.get(code & 0xFF)
            text = str(exc)
            return FULL if "is full" in text else READ_ONLY if "readonly" in text else None
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return _PG_EXACT.get(state) or _PG_CLASS.get(state[:2])
        if isinstance(exc, (ConnectionError, TimeoutError)) or (isinstance(exc, OSError) and exc.errno):
            return UNAVAILABLE
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None


class StorageHealth:
    """The process's view of its storage: the current fault (if any), logged once, and a retry backoff."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.fault: str | None = None
        self.permanent = False  # e.g. a failed fsync: never trusted again until restart
        self._backoff = 0.0
        self._next_attempt = 0.0

    def report(self, kind: str, where: str, *, permanent: bool = False) -> StorageUnavailable:
        """Record a fault seen at `where` (logged when the fault starts or changes kind); the error to raise."""
        if kind != self.fault or (permanent and not self.permanent):
            log.error("storage fault: %s (at %s); failing closed until it clears", kind, where)
        self.fault = kind
        self.permanent = self.permanent or permanent
        self._backoff = min(BACKOFF_MAX, max(BACKOFF_FIRST, self._backoff * 2))
        self._next_attempt = self._clock() + self._backoff
        return StorageUnavailable(DETAIL.get(kind, DETAIL[UNAVAILABLE]))

    def check(self, exc: BaseException, where: str) -> StorageUnavailable | None:
        """Report `exc` if it is a storage fault; the error to raise then, else None."""
        kind = classify(exc)
        return self.report(kind, where) if kind is not None else None

    def recovered(self, *, wrote: bool) -> None:
        """A statement succeeded: a write clears any fault, a read clears only 'unavailable'."""
        if self.fault is None or self.permanent or not (wrote or self.fault == UNAVAILABLE):
            return
        log.warning("storage recovered from: %s", self.fault)
        self.fault, self._backoff = None, 0.0

    def may_attempt(self) -> bool:
        """Whether storage may be tried now: no fault, or the backoff since the last failure has passed.

        An unreachable database has no backoff: trying to connect is the cheapest probe there is, and one
        dropped connection must not refuse everyone else's requests for a while.
        """
        if self.fault is None or (self.fault == UNAVAILABLE and not self.permanent):
            return True
        return not self.permanent and self._clock() >= self._next_attempt

    def refuse(self) -> StorageUnavailable:
        """The error for an attempt refused during the backoff (nothing is logged again)."""
        return StorageUnavailable(DETAIL.get(self.fault or UNAVAILABLE, DETAIL[UNAVAILABLE]))


def free_bytes(path: str) -> int | None:
    """Free space for an unprivileged writer on the file system holding `path` (None if unknown)."""
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)) or ".")
    except OSError:
        return None
    return st.f_bavail * st.f_frsize
