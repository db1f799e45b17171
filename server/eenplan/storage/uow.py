"""The unit of work: one transaction, its repositories, and the translation of database errors."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ..domain.errors import TemporaryFailure
from .engine import WRITE_OPTION
from .mail_repository import MailRepository
from .stagnatie_repository import StagnatieRepository
from .overleg_repository import OverlegRepository
from .auth_repository import AuthRepository
from .access_repository import AccessLogRepository, ConsentRepository, TokenRevocationRepository
from .repositories import BetrokkeneRepository, HouseholdRepository, PlanRepository


class StorageConflict(TemporaryFailure):
    """A concurrent transaction changed the same rows; retrying may succeed."""

    kind = "storage-conflict"


class UnitOfWork:
    """One database transaction. Nothing is stored unless `commit()` is called."""

    def __init__(self, engine: AsyncEngine, *, write: bool) -> None:
        self._engine = engine
        self._write = write

    async def __aenter__(self) -> "UnitOfWork":
        self.session = AsyncSession(self._engine, expire_on_commit=False, autoflush=False)
        try:
            await self.session.connection(execution_options={WRITE_OPTION: self._write})
        except sa_exc.OperationalError as exc:
            await self.session.close()
            raise StorageConflict("the database is busy") from exc
        self.households = HouseholdRepository(self.session)
        self.betrokkenen = BetrokkeneRepository(self.session)
        self.plans = PlanRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.access_log = AccessLogRepository(self.session)
        self.auth = AuthRepository(self.session)
        self.overleggen = OverlegRepository(self.session)
        self.mail = MailRepository(self.session)
        self.stagnatie = StagnatieRepository(self.session)
        self.token_revocations = TokenRevocationRepository(self.session)
        return self

    async def commit(self) -> None:
        """Make every change of this unit durable at once."""
        try:
            await self.session.commit()
        except (sa_exc.IntegrityError, sa_exc.OperationalError) as exc:
            raise StorageConflict("a concurrent change got there first") from exc

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
        if isinstance(exc, (sa_exc.IntegrityError, sa_exc.OperationalError)):
            raise StorageConflict("a concurrent change got there first") from exc


class UnitOfWorkFactory:
    """Hands out units of work on one engine; reading ones and writing ones."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, write=write)
