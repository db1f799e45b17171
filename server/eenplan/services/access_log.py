"""The klant's view of the access log (NEN 7513's client view, filtered and with names), and verifying its
hash chains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from ..domain.access import Principal
from ..domain.audit import GENESIS, AccessEvent, ChainCheck, chain_hash
from ..domain.betrokkene import Betrokkene, Role
from ..domain.errors import ValidationFailed
from ..domain.names import name_key
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, known_household
from .grounds import GroundView, resolve_grounds

#: entries of a chain read at a time by `verify`
VERIFY_PAGE = 1000
#: entries read from storage at a time while filtering the client view
SCAN_PAGE = 500
#: at most this many entries are looked at for one page of the client view; the page then offers to go on
SCAN_LIMIT = 20_000
#: the most rows one page of the client view holds
MAX_ROWS = 200
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEED_LOG = Need.PERSONAL_KLANT_SECOND_FACTOR
WHAT_LOG = "read the access log"


@dataclass(frozen=True)
class Reader:
    """Someone named in the log, as the klant knows them (a removed betrokkene keeps their name)."""

    id: str
    name: str
    organisation: str
    role: Role
    removed: bool = False


@dataclass(frozen=True)
class LogFilter:
    """What the klant narrows the log to: a period (days in Europe/Amsterdam, both inclusive) and a person
    (who read, or on whose behalf someone read)."""

    since: date | None = None
    until: date | None = None
    person: str | None = None

    def check(self) -> None:
        """Refuse a period that ends before it starts (naming the field `tot`)."""
        if self.since and self.until and self.until < self.since:
            raise ValidationFailed.one("tot", "must not be before van")

    def matches(self, event: AccessEvent) -> bool:
        """Whether an entry falls in the period and concerns the person."""
        day = event.at.astimezone(AMSTERDAM).date()
        if (self.since and day < self.since) or (self.until and day > self.until):
            return False
        return self.person is None or self.person in (event.actor_id, event.on_behalf_of)

    def past(self, event: AccessEvent) -> bool:
        """Whether an entry lies (a day) before the period: older ones cannot match (the log is in time
        order up to the milliseconds a group commit may reorder)."""
        return self.since is not None and event.at.astimezone(AMSTERDAM).date() < self.since - timedelta(days=1)


@dataclass(frozen=True)
class LogRow:
    """One entry of the client view: the event with the people it names."""

    seq: int
    event: AccessEvent
    reader: Reader | None  # None: no person (the system), or someone no longer known
    on_behalf_of: Reader | None
    grounds: tuple[GroundView, ...] = ()  # the entry's ground resolved (`services.grounds`); () for "geen"


@dataclass(frozen=True)
class ClientLog:
    """A page of the client view, newest first: its rows, everyone the klant may filter by, and where the
    next (older) page starts (None: this was the last)."""

    household_name: str
    rows: list[LogRow]
    people: list[Reader]
    next_before: int | None


def _reader(b: Betrokkene) -> Reader:
    return Reader(b.id, b.name, b.organisation, b.role, not b.active)


class AccessLogService:
    """Who saw what of a household's plan, when, and why."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def entries(
        self, principal: Principal, household_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[tuple[int, AccessEvent]]:
        """A page of the household's access log, newest first — for the klant."""
        async with authorised(
            self._uow, principal, household_id, need=Need.PERSONAL_KLANT_SECOND_FACTOR, what="read the access log"
        ) as caller:
            return await caller.uow.access_log.entries(household_id, before=before, limit=limit)

    async def client_view(
        self,
        principal: Principal,
        household_id: str,
        wanted: LogFilter | None = None,
        *,
        before: int | None = None,
        limit: int = 50,
    ) -> ClientLog:
        """A page of the log for the klant (personal credential, second factor), newest first, narrowed to
        `wanted`, each row with the names, organisations and roles of the people it names.

        Each row's ground is resolved (who gave consent for what, who decided an overmacht) with one lookup
        for the page. Reading the log discloses no plan content, so it is not itself an entry of the log (as `entries`).
        At most `SCAN_LIMIT` entries are looked at per page: a sparse filter then gives a short page that
        still offers the older ones.
        """
        wanted = wanted or LogFilter()
        limit = max(1, min(limit, MAX_ROWS))
        async with authorised(  # up to SCAN_LIMIT entries per page: a long read
            self._uow, principal, household_id, need=NEED_LOG, what=WHAT_LOG, waits=True
        ) as caller:
            wanted.check()
            name = (await known_household(caller.uow, household_id)).name
            people = {b.id: _reader(b) for b in await caller.uow.betrokkenen.list(household_id, include_removed=True)}
            if wanted.person is not None and wanted.person not in people:
                raise ValidationFailed.one("wie", "is not a betrokkene of this household")
            found, next_before = await self._matching(caller.uow, household_id, wanted, before, limit)
            grounds = await resolve_grounds(caller.uow, household_id, {event.ground for _, event in found})
            rows = [self._row(seq, event, people, grounds[event.ground]) for seq, event in found]
            return ClientLog(name, rows, _listed(people), next_before)

    @staticmethod
    async def _matching(
        uow: UnitOfWork, household_id: str, wanted: LogFilter, before: int | None, limit: int
    ) -> tuple[list[tuple[int, AccessEvent]], int | None]:
        """Up to `limit` entries matching `wanted`, newest first, and where the next page starts (or None)."""
        found: list[tuple[int, AccessEvent]] = []
        cursor, scanned = before, 0
        while True:
            page = await uow.access_log.entries(household_id, before=cursor, limit=SCAN_PAGE)
            for seq, event in page:
                cursor, scanned = seq, scanned + 1
                if wanted.past(event):
                    return found, None
                if not wanted.matches(event):
                    continue
                if len(found) == limit:
                    return found, found[-1][0]
                found.append((seq, event))
            if len(page) < SCAN_PAGE:
                return found, None
            if scanned >= SCAN_LIMIT:
                return found, cursor

    @staticmethod
    def _row(seq: int, event: AccessEvent, people: dict[str, Reader], grounds: tuple[GroundView, ...]) -> LogRow:
        reader = people.get(event.actor_id) if event.actor_id else None
        behalf = people.get(event.on_behalf_of) if event.on_behalf_of else None
        return LogRow(seq, event, reader, behalf, grounds)

    async def verify(self, household_id: str | None = None, *, page_size: int = VERIFY_PAGE) -> list[ChainCheck]:
        """Recompute every chain (or one) and report entries whose hash or link does not match.

        A chain is read page by page (by key, `page_size` entries at a time), so memory stays constant
        however long it is; entries appended while it runs lie beyond the head read first and are left out.
        """
        async with self._uow(waits=True) as uow:  # every chain, page by page: a long read
            households = [household_id] if household_id else await uow.access_log.households()
            return [await self._verify_one(uow, hh, page_size) for hh in households]

    async def _verify_one(self, uow: UnitOfWork, household_id: str, page_size: int) -> ChainCheck:
        check = ChainCheck(household_id)
        head = await uow.access_log.head(household_id)
        prev, expected_seq = GENESIS, 1
        while True:
            page = await uow.access_log.chain_page(household_id, expected_seq - 1, page_size, head[0])
            for seq, prev_hash, digest, event in page:
                check.entries += 1
                if seq != expected_seq or prev_hash != prev or chain_hash(prev, seq, event.canonical()) != digest:
                    check.broken_at.append(seq)
                prev, expected_seq = digest, seq + 1
            if len(page) < page_size:
                break
        if head != (expected_seq - 1, prev):
            check.broken_at.append(expected_seq)  # entries were removed from the end
        return check


def _listed(people: dict[str, Reader]) -> list[Reader]:
    """Everyone to filter by: the active first, each group in name order (`domain.names`)."""
    return sorted(people.values(), key=lambda r: (r.removed, *name_key(r.name, r.id)))
