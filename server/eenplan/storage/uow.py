"""The unit of work: one transaction, its repositories, and the translation of database errors."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ..domain.errors import StorageUnavailable, TemporaryFailure
from ..logsafe import describe_error
from .access_repository import AccessLogRepository, ConsentRepository, TokenRevocationRepository
from .auth_repository import AuthRepository
from .bounce_repository import BounceRepository
from .engine import WRITE_OPTION, engine_health
from .factor_repository import FactorRepository
from .faults import DETAIL, classify
from .inbound_repository import InboundRepository
from .journaal_repository import JournaalRepository
from .key_repository import KeyRepository
from .mail_repository import MailRepository
from .overleg_repository import OverlegRepository
from .person_repository import PersonRepository
from .plan_deadline_repository import PlanDeadlineRepository
from .repositories import BetrokkeneRepository, HouseholdRepository, PlanRepository
from .stagnatie_repository import StagnatieRepository

log = logging.getLogger("eenplan.storage")


class StorageConflict(TemporaryFailure):
    """A concurrent transaction changed the same rows; retrying may succeed."""

    kind = "storage-conflict"


#: constraints no concurrent transaction can make a row break (SQLite extended result codes, PostgreSQL
#: SQLSTATEs): the row itself is wrong. UNIQUE and FOREIGN KEY stay conflicts: a concurrent insert or
#: removal can cause those, and the retry then sees the other transaction's rows.
_SQLITE_ROW_REFUSED = {1299: "NOT NULL", 275: "CHECK"}
_PG_ROW_REFUSED = {"23502": "NOT NULL", "23514": "CHECK"}


def _refused_row(exc: BaseException | None) -> str | None:
    """Which constraint the row broke and where (schema names only, never values), when the database
    refused a row for a NOT NULL or CHECK constraint; None for anything else."""
    seen = 0
    while exc is not None and seen < 8:
        seen += 1
        if isinstance(exc, sqlite3.Error):
            kind = _SQLITE_ROW_REFUSED.get(getattr(exc, "sqlite_errorcode", None) or 0)
            # SQLite's message names only the constraint: "NOT NULL constraint failed: betrokkenen.name"
            return f"{kind} constraint on {str(exc).rpartition(': ')[2][:100]}" if kind else None
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            kind = _PG_ROW_REFUSED.get(state)
            if kind is None:
                return None
            names = [getattr(exc, a, None) for a in ("table_name", "column_name", "constraint_name")]
            if not any(names):  # the dialect's adapted error: the asyncpg error it wraps has the names
                return _refused_row(exc.__cause__) or f"{kind} constraint"
            return f"{kind} constraint on {'.'.join(str(n) for n in names if n)}"
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None


def _translate(exc: BaseException, conflict: str) -> TemporaryFailure | None:
    """A storage fault (full, read-only, I/O, unreachable: not retried), a conflict (retried), or None.

    A row refused for NOT NULL or CHECK is None, i.e. the database error itself: a bug (input validation
    must refuse such input with a 4xx first), answered 500 and logged as one, not a 503 "concurrent change"
    that a retry cannot cure."""
    kind = classify(exc)
    if kind is not None:  # the engine has logged it and dropped the connection
        return StorageUnavailable(DETAIL[kind])
    refused = _refused_row(exc)
    if refused is not None:
        log.error("the database refused a row (%s); a bug: validation should have refused the input", refused)
        return None
    if isinstance(exc, (sa_exc.IntegrityError, sa_exc.OperationalError)):
        return StorageConflict(conflict)
    return None


class UnitOfWork:
    """One database transaction. Nothing is stored unless `commit()` is called."""

    def __init__(self, engine: AsyncEngine, *, write: bool, waits: bool = False) -> None:
        self._engine = engine
        self._write = write
        #: the engine's begin hook reads it: True a writer, False a short reader (SQLite: on the event loop's
        #: thread), None a reader that may take long or wait (SQLite: on the connection's thread)
        self._mode: bool | None = True if write else (None if waits else False)
        self._health = engine_health(engine)
        self._after_commit: list[Callable[[], None]] = []
        self._after_close: list[Callable[[], Awaitable[None]]] = []

    async def __aenter__(self) -> UnitOfWork:
        if self._write and self._health.fault is not None:
            if not self._health.may_attempt():  # a fault, and its backoff has not passed
                raise self._health.refuse()
            await self._engine.dispose()  # retry on new connections: one opened read-only stays read-only
        self.session = AsyncSession(self._engine, expire_on_commit=False, autoflush=False)
        try:
            await self.session.connection(execution_options={WRITE_OPTION: self._mode})
        except (sa_exc.DBAPIError, sa_exc.TimeoutError, OSError) as exc:  # TimeoutError: the pool is used up
            await self.session.close()
            raise (_translate(exc, "the database is busy") or StorageConflict("the database is busy")) from exc
        self.households = HouseholdRepository(self.session)
        self.betrokkenen = BetrokkeneRepository(self.session)
        self.plans = PlanRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.access_log = AccessLogRepository(self.session)
        self.auth = AuthRepository(self.session)
        self.persons = PersonRepository(self.session)
        self.overleggen = OverlegRepository(self.session)
        self.mail = MailRepository(self.session)
        self.stagnatie = StagnatieRepository(self.session)
        self.token_revocations = TokenRevocationRepository(self.session)
        self.factors = FactorRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.journaal = JournaalRepository(self.session)
        self.bounces = BounceRepository(self.session)
        self.plan_deadlines = PlanDeadlineRepository(self.session)
        self.keys = KeyRepository(self.session)
        return self

    async def commit(self) -> None:
        """Make every change of this unit durable at once."""
        try:
            await self.session.commit()
        except sa_exc.DBAPIError as exc:
            translated = _translate(exc, "a concurrent change got there first")
            if translated is None:
                raise
            raise translated from exc
        if self._write:
            self._health.recovered(wrote=True)
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:  # the commit stands: a failed callback must not undo the answer
                log.error("after-commit callback failed: %s", type(exc).__name__)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit has committed (e.g. wake the outbox worker for rows queued in it);
        never if it rolls back, so nobody is told of rows that do not exist."""
        self._after_commit.append(callback)

    def after_close(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` once this unit has given back its connection, committed or not: writes of their own
        (a session's last-seen) that must never wait for a second connection while this one is held."""
        self._after_close.append(work)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._after_commit = []  # not committed (or already run): nothing to announce
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
        pending, self._after_close = self._after_close, []
        for work in pending:
            if exc is None:
                await work()
                continue
            try:
                await work()
            except Exception as failed:  # the body's own error is the answer; this one is only logged, by kind
                log.error("after-close work failed after the body raised: %s", describe_error(failed))
        if isinstance(exc, sa_exc.DBAPIError):
            translated = _translate(exc, "a concurrent change got there first")
            if translated is not None:
                raise translated from exc


class UnitOfWorkFactory:
    """Hands out units of work on one engine; reading ones and writing ones."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool = False, waits: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, write=write, waits=waits)
