"""Ports: what the services need from the outside world, as protocols the adapters satisfy."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol

from .access import Grant
from .audit import AccessEvent
from .betrokkene import Betrokkene
from .consent import Approval, Consent, ConsentStatus
from .factor_ports import FactorStore
from .household import Household, PhaseChange
from .inbound_ports import BounceStore, InboundStore
from .journaal_ports import JournaalStore
from .key_ports import KeyStore
from .mailgroup_ports import MailStore
from .overleg_ports import OverlegStore
from .overmacht import Overmacht
from .plan_deadline_ports import PlanDeadlineStore
from .signin import PersonStore, SignInStore
from .stagnatie_ports import StagnatieStore
from .versions import VersionInfo

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


class HouseholdStore(Protocol):
    """Households: their code, plan pointer (current version) and phase."""

    async def add(self, household: Household) -> None: ...
    async def get(self, household_id: str, *, lock: bool = False) -> Household | None: ...
    async def code_taken(self, code: str) -> bool: ...
    async def count(self) -> int: ...
    async def find_by_code(self, code: str) -> Household | None: ...
    async def advance_version(self, household_id: str, expected: int, new: int) -> bool: ...
    async def set_phase(self, household_id: str, change: PhaseChange) -> None: ...
    async def phase_history(self, household_id: str) -> list[PhaseChange]: ...


class BetrokkeneStore(Protocol):
    """The people of a household; removed ones stay for the record."""

    async def add(self, b: Betrokkene) -> None: ...
    async def get(self, household_id: str, betrokkene_id: str) -> Betrokkene | None: ...
    async def list(self, household_id: str, *, include_removed: bool = False) -> list[Betrokkene]: ...
    async def update(self, b: Betrokkene) -> None: ...
    async def membership(self, household_id: str, betrokkene_id: str) -> tuple[str, str, int] | None: ...


class PlanStore(Protocol):
    """Plan versions and their section blobs (content-addressed, stored once per household)."""

    async def version(self, household_id: str, number: int) -> tuple[VersionInfo, dict[str, str]] | None: ...
    async def versions(self, household_id: str, *, before: int | None, limit: int) -> list[VersionInfo]: ...
    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]: ...
    async def add_blobs(self, household_id: str, blobs: dict[str, str]) -> None: ...
    async def add_version(self, household_id: str, info: VersionInfo, hashes: dict[str, str]) -> None: ...
    async def mark_vastgesteld(
        self, household_id: str, number: int, at: datetime, by: str, overleg: str | None
    ) -> None: ...


class ConsentStore(Protocol):
    """Consent requests with their approvals, overmacht decisions, and the grants in force that follow."""

    async def add(self, c: Consent) -> None: ...
    async def list(
        self, household_id: str, *, consent_id: str | None = None, lock: bool = False
    ) -> builtins.list[Consent]: ...
    async def answer(self, consent_id: str, approval: Approval) -> None: ...
    async def set_status(
        self, consent_id: str, status: ConsentStatus, at: datetime, by: str | None = None, *, until: date | None = None
    ) -> None: ...
    async def reopen(self, consent_id: str, required: frozenset[str]) -> None: ...
    async def add_overmacht(self, o: Overmacht) -> None: ...
    async def overmacht(self, household_id: str) -> builtins.list[Overmacht]: ...
    async def grants(self, household_id: str, betrokkene_id: str, today: date) -> builtins.list[Grant]: ...


class AccessLogStore(Protocol):
    """The NEN 7513 access log as a hash chain per household, inside one unit of work."""

    async def append(self, events: list[AccessEvent]) -> None: ...
    async def entries(
        self, household_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[tuple[int, AccessEvent]]: ...
    async def chain_page(
        self, household_id: str, after: int, limit: int, upto: int
    ) -> list[tuple[int, str, str, AccessEvent]]: ...
    async def head(self, household_id: str) -> tuple[int, str]: ...
    async def households(self) -> list[str]: ...
    async def actor_details(
        self, household_id: str, actor_id: str, event: str, channel: str, prefix: str, *, limit: int = 200
    ) -> list[str]: ...


class TokenRevocationStore(Protocol):
    """Revoked API and monitoring tokens by `jti` (household None: a monitoring token)."""

    async def revoke(
        self, jti: str, household_id: str | None, by: str | None, at: datetime, expires_at: datetime
    ) -> None: ...


class RevocationList(Protocol):
    """Whether a token id was revoked for this household (None: monitoring); asked on every request.
    `member`: the betrokkene the token names (an implementation may read that request's next facts with it).
    `deferred`: the caller settles the answer (`settle`) before anything leaves: it may come from what this node
    remembers, then checked by the request's access-log append (storage/pg_generation.py)."""

    async def revoked(
        self, jti: str, household_id: str | None, *, member: str | None = None, deferred: bool = False
    ) -> bool: ...

    async def settle(self, *, check: bool = True) -> bool:
        """Whether this request's `deferred` answer (if any: the check may be left to the request's own
        access-log rows, or done here) still holds; ends the deferral (`check` False: without asking)."""
        ...


class AccessLog(Protocol):
    """Durable access logging for reads outside a transaction (group commit)."""

    async def record(self, events: list[AccessEvent]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over the stores; nothing is kept without `commit()`."""

    # Read-only properties, so an adapter may hold its concrete repositories (protocol attributes are invariant).
    @property
    def households(self) -> HouseholdStore: ...
    @property
    def betrokkenen(self) -> BetrokkeneStore: ...
    @property
    def plans(self) -> PlanStore: ...
    @property
    def consents(self) -> ConsentStore: ...
    @property
    def access_log(self) -> AccessLogStore: ...
    @property
    def auth(self) -> SignInStore: ...
    @property
    def persons(self) -> PersonStore: ...
    @property
    def overleggen(self) -> OverlegStore: ...
    @property
    def mail(self) -> MailStore: ...
    @property
    def stagnatie(self) -> StagnatieStore: ...
    @property
    def token_revocations(self) -> TokenRevocationStore: ...
    @property
    def factors(self) -> FactorStore: ...
    @property
    def inbound(self) -> InboundStore: ...
    @property
    def journaal(self) -> JournaalStore: ...
    @property
    def bounces(self) -> BounceStore: ...
    @property
    def plan_deadlines(self) -> PlanDeadlineStore: ...
    @property
    def keys(self) -> KeyStore: ...

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...
    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` after this unit commits; never when it rolls back."""
        ...

    def after_close(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` once this unit has given back its connection (a write that must not need a second one)."""
        ...


class Werkdagen(Protocol):
    """Monday–Friday minus the configured Dutch holidays (eenplan_calendar.WerkdagCalendar fits)."""

    def is_werkdag(self, d: date) -> bool: ...
    def add_werkdagen(self, start: date, n: int) -> date: ...
    def werkdagen_between(self, a: date, b: date) -> int: ...
    def holiday_name(self, d: date) -> str | None: ...


class InviteOutbox(Protocol):
    """Queues an overleg invite for one recipient in the caller's transaction (the mail outbox).

    `ics` and `agenda` (care content) travel only in the encrypted part; `clear_ics` (organizer and
    recipient only, no place) is what a cleartext notice may carry (None: no calendar part there).
    `uninvited`: a CANCEL to someone taken off the list (its mail says so), not of the overleg.
    """

    async def enqueue_invite(
        self,
        uow: UnitOfWork,
        household_id: str,
        recipient_id: str,
        method: str,
        ics: bytes,
        agenda: str,
        dedupe_key: str,
        *,
        clear_ics: bytes | None = None,
        uninvited: bool = False,
    ) -> None: ...


class PageReads(Protocol):
    """The pages' hot reads without a unit of work (storage/page_reads.py): a household's name and people,
    one actor's own latest access-log details, and the households of a session (the same answers as the stores
    give)."""

    async def people(self, household_id: str) -> tuple[str, list[Betrokkene]] | None: ...
    async def web_reads(self, household_id: str, actor_id: str, event: str, channel: str, prefix: str) -> list[str]: ...
    async def household_entries(
        self, token_hash: str, members: set[tuple[str, str]]
    ) -> list[tuple[str, str, str, str, str, str, str]]: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work; `write=True` for one that will commit changes, `waits=True` for a reading one that may
    take long or wait for a lock (a scan of a whole log, an export, a retry after the hot path met a lock): kept
    off the event loop, where a short reading unit runs (SQLite)."""

    def __call__(self, *, write: bool = False, waits: bool = False) -> UnitOfWork: ...


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

    async def member_access(
        self, household_id: str, betrokkene_id: str, number: int | None, today: date
    ) -> MemberAccess | None: ...
    async def member_version(
        self, household_id: str, betrokkene_id: str, number: int | None
    ) -> tuple[str, str, int, VersionInfo | None, Mapping[str, str] | None] | None: ...
    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]: ...
