"""Ports: what the services need from the outside world, as protocols the adapters satisfy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import NamedTuple, Protocol

from .access import Grant
from .audit import AccessEvent
from .betrokkene import Betrokkene
from .household import Household, PhaseChange
from .versions import VersionInfo
from .overleg_ports import OverlegStore
from .mailgroup_ports import MailStore
from .signin import SignInStore
from .stagnatie_ports import StagnatieStore

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


class HouseholdStore(Protocol):
    async def add(self, household: Household) -> None: ...
    async def get(self, household_id: str, *, lock: bool = False) -> Household | None: ...
    async def code_taken(self, code: str) -> bool: ...
    async def count(self) -> int: ...
    async def find_by_code(self, code: str) -> Household | None: ...
    async def advance_version(self, household_id: str, expected: int, new: int) -> bool: ...
    async def set_phase(self, household_id: str, change: PhaseChange) -> None: ...
    async def phase_history(self, household_id: str) -> list[PhaseChange]: ...


class BetrokkeneStore(Protocol):
    async def add(self, b: Betrokkene) -> None: ...
    async def get(self, household_id: str, betrokkene_id: str) -> Betrokkene | None: ...
    async def list(self, household_id: str, *, include_removed: bool = False) -> list[Betrokkene]: ...
    async def update(self, b: Betrokkene) -> None: ...
    async def membership(self, household_id: str, betrokkene_id: str) -> tuple[str, str, int] | None: ...


class PlanStore(Protocol):
    async def version(self, household_id: str, number: int) -> tuple[VersionInfo, dict[str, str]] | None: ...
    async def versions(self, household_id: str, *, before: int | None, limit: int) -> list[VersionInfo]: ...
    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]: ...
    async def add_blobs(self, household_id: str, blobs: dict[str, str]) -> None: ...
    async def add_version(self, household_id: str, info: VersionInfo, hashes: dict[str, str]) -> None: ...
    async def mark_vastgesteld(self, household_id: str, number: int, at: datetime, by: str,
                               overleg: str | None) -> None: ...


class ConsentStore(Protocol):
    async def grants(self, household_id: str, betrokkene_id: str, today: date) -> list[Grant]: ...


class AccessLogStore(Protocol):
    async def append(self, events: list[AccessEvent]) -> None: ...


class AccessLog(Protocol):
    """Durable access logging for reads outside a transaction (group commit)."""

    async def record(self, events: list[AccessEvent]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over the stores; nothing is kept without `commit()`."""

    households: HouseholdStore
    betrokkenen: BetrokkeneStore
    plans: PlanStore
    consents: ConsentStore
    access_log: AccessLogStore
    auth: SignInStore
    overleggen: OverlegStore
    mail: MailStore
    stagnatie: StagnatieStore

    async def __aenter__(self) -> "UnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class Werkdagen(Protocol):
    """Monday–Friday minus the configured Dutch holidays (eenplan_calendar.WerkdagCalendar fits)."""

    def is_werkdag(self, d: date) -> bool: ...
    def add_werkdagen(self, start: date, n: int) -> date: ...
    def werkdagen_between(self, a: date, b: date) -> int: ...


class InviteOutbox(Protocol):
    """Queues an overleg invite for one recipient in the caller's transaction (the mail outbox).

    `ics` is content-free; `agenda` (care content) travels only in the encrypted part.
    """

    async def enqueue_invite(self, uow: "UnitOfWork", household_id: str, recipient_id: str, method: str,
                             ics: bytes, agenda: str, dedupe_key: str) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...


class MemberAccess(NamedTuple):
    """What deciding a read needs: the member's kind and role, the plan's current version, the requested
    version's facts and section hashes (None when it does not exist), and the member's grants in force."""

    kind: str
    role: str
    current: int
    info: VersionInfo | None
    hashes: Mapping[str, str] | None
    grants: tuple[Grant, ...]


class PlanReads(Protocol):
    """The hot read path: one statement for membership, a version and the grants; one for blobs."""

    async def member_access(self, household_id: str, betrokkene_id: str, number: int | None, today: date
                            ) -> MemberAccess | None: ...


    async def member_version(self, household_id: str, betrokkene_id: str, number: int | None
                             ) -> tuple[str, str, int, VersionInfo | None, Mapping[str, str] | None] | None: ...
    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]: ...
