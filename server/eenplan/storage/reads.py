"""The hot read path: membership, the requested plan version and blobs, each in one statement.

Reads need no transaction: a version row and the blobs it points to never
change, and membership plus the version pointer come from one statement.
On SQLite the event loop's own connection (`loop_db`) answers in
microseconds (WAL: readers never wait for writers), cheaper than a thread
hop; on PostgreSQL the async engine runs the same statements.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.errors import StorageUnavailable, TemporaryFailure
from ..domain.lru import ByteLru, texts_bytes
from ..domain.ports import MemberAccess
from ..domain.versions import VersionInfo
from .engine import engine_health, is_sqlite
from .faults import DETAIL, classify
from .grant_rows import GRANTS, GrantColumns, grant_of
from .loop_db import BUSY_RETRIES, LoopConnection, is_busy
from .person_repository import (
    LOOKUP_EVERY_HOUSEHOLD,
    LOOKUP_ONE_HOUSEHOLD,
    SessionLookup,
    decode_lookup,
    lookup_statement,
)
from .pg_generation import PENDING, Pending, Remembered, with_generation
from .pg_generation import SETTLE as _SETTLE
from .pg_hot import HandOver, combined_sql
from .pg_reads import ERRORS as PG_ERRORS
from .pg_reads import PgReads
from .tables import BetrokkeneRow, HouseholdRow, PlanVersionRow, SectionBlobRow
from .tables_access import MONITORING_SCOPE, TokenRevocationRow

_task = asyncio.current_task

MemberVersion = tuple[str, str, int, VersionInfo | None, Mapping[str, str] | None]


_VERSIONS = sa.inspect(PlanVersionRow).local_table
_MEMBERS = sa.inspect(BetrokkeneRow).local_table
_HOUSEHOLDS = sa.inspect(HouseholdRow).local_table
_V = _VERSIONS.c
_B = _MEMBERS.c
_H = _HOUSEHOLDS.c
_BLOB = sa.inspect(SectionBlobRow).local_table.c


class MemberColumns(NamedTuple):
    """The member part of a hot-read row."""

    kind: str
    role: str
    current: int


class VersionColumns(NamedTuple):
    """The requested version's columns of a hot-read row, raw as the database returns them (hashable)."""

    number: int
    author_id: str | None
    created_at: Any
    summary: str
    changed_sections: str
    section_hashes: str
    base_version: int | None
    vastgesteld_at: Any
    vastgesteld_by: str | None
    vastgesteld_overleg: str | None


_MEMBER_END = len(MemberColumns._fields)
_VERSION_END = _MEMBER_END + len(VersionColumns._fields)


def _shape(row: Any) -> tuple[MemberColumns, VersionColumns | None, GrantColumns | None]:
    """A raw hot-read row (member, version, grant columns in the statements' order) by name."""
    member = MemberColumns(*row[:_MEMBER_END])
    version = VersionColumns(*row[_MEMBER_END:_VERSION_END])
    grant = GrantColumns(*row[_VERSION_END:]) if len(row) > _VERSION_END else None
    return (
        member,
        version if version.number is not None else None,
        grant if grant is not None and grant.kind is not None else None,
    )


def _member_version_stmt(numbered: bool) -> sa.Select:
    number = sa.bindparam("number") if numbered else _H.current_version
    member = {"kind": _B.kind, "role": _B.role, "current": _H.current_version}
    return (
        sa.select(*(member[f] for f in MemberColumns._fields), *(_V[f] for f in VersionColumns._fields))
        .select_from(
            _MEMBERS.join(_HOUSEHOLDS, _H.id == _B.household_id).outerjoin(
                _VERSIONS, sa.and_(_V.household_id == _H.id, _V.number == number)
            )
        )
        .where(_B.id == sa.bindparam("bid"), _B.household_id == sa.bindparam("hh"), _B.removed_at.is_(None))
    )


_CURRENT = _member_version_stmt(False)
_NUMBERED = _member_version_stmt(True)


def _member_access_stmt(numbered: bool) -> sa.Select:
    """Membership, the version and every grant in force in one statement: a row per grant (or one row)."""
    grants = GRANTS.subquery("g")
    base = _member_version_stmt(numbered)
    return base.add_columns(*(grants.c[f].label(f"grant_{f}") for f in GrantColumns._fields)).outerjoin(
        grants, sa.true()
    )


#: member_access answers remembered at most (SQLite; a new commit elsewhere forgets them all)
ANSWERS_KEPT = 4096
#: bytes of decoded version rows and grants remembered (each cache)
DECODED_BYTES = 4 * 1024 * 1024
_ACCESS_CURRENT = _member_access_stmt(False)
_ACCESS_NUMBERED = _member_access_stmt(True)
_REVOCATIONS = sa.inspect(TokenRevocationRow).local_table.c
_REVOKED = sa.select(_REVOCATIONS.jti, _REVOCATIONS.scope)
SESSION_LOOKUPS = (LOOKUP_EVERY_HOUSEHOLD, LOOKUP_ONE_HOUSEHOLD)
_BLOBS = sa.select(_BLOB.hash, _BLOB.content).where(
    _BLOB.household_id == sa.bindparam("hh"), _BLOB.hash.in_(sa.bindparam("hashes", expanding=True))
)


def _utc(value: datetime | str | None) -> datetime | None:
    """SQLite hands back text; PostgreSQL an aware datetime. Both become aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _decode_version(v: VersionColumns) -> tuple[VersionInfo, Mapping[str, str]]:
    created_at = _utc(v.created_at)
    assert created_at is not None  # NOT NULL
    info = VersionInfo(
        number=v.number,
        author_id=v.author_id,
        created_at=created_at,
        summary=v.summary,
        changed_sections=tuple(s for s in v.changed_sections.split(",") if s),
        base_version=v.base_version,
        vastgesteld_at=_utc(v.vastgesteld_at),
        vastgesteld_by=v.vastgesteld_by,
        vastgesteld_overleg=v.vastgesteld_overleg,
    )
    return info, MappingProxyType(json.loads(v.section_hashes))


def _raw_bytes(raw: tuple[Any, ...]) -> int:
    """Roughly what a decoded row costs: its text twice (raw key and decoded value)."""
    return 2 * texts_bytes(v for v in raw if isinstance(v, str))


class _Decoded:
    """Decoded values by the raw column values they came from: equal input, the same (immutable) result.

    Keyed by the whole raw value, so a changed row (a version being vastgesteld) is simply a new key;
    nothing here can go stale, and repeated reads skip parsing dates and JSON. Bounded in bytes.
    """

    def __init__(self, decode: Any, max_bytes: int = DECODED_BYTES) -> None:
        self._decode = decode
        self._items: ByteLru[tuple[Any, ...], Any] = ByteLru(max_bytes, lambda _: 0)

    def __call__(self, raw: tuple[Any, ...]) -> Any:
        found = self._items.get(raw)
        if found is None:
            found = self._decode(raw)
            self._items.put(raw, found, _raw_bytes(raw))
        return found


def _sqlite_text(stmt: sa.Select | sa.CompoundSelect) -> str:
    """The statement as SQLite SQL with :named parameters, compiled once."""
    from sqlalchemy.dialects import sqlite

    return str(stmt.compile(dialect=sqlite.dialect(paramstyle="named")))


class PlanReader:
    """Single-statement reads for the plan's hot paths."""

    def __init__(self, engine: AsyncEngine, loop_db: LoopConnection | None = None, pg: PgReads | None = None) -> None:
        url = engine.url.render_as_string(hide_password=False)
        self._sqlite_path = make_url(url).database if is_sqlite(url) else None
        shared = loop_db if loop_db is not None else pg
        self._health = shared.health if shared is not None else engine_health(engine)
        self._loop_db = loop_db or (LoopConnection(self._sqlite_path, self._health) if self._sqlite_path else None)
        self._pg = None if self._sqlite_path else (pg or PgReads(url, health=self._health))
        statements = (_CURRENT, _NUMBERED, _ACCESS_CURRENT, _ACCESS_NUMBERED, _REVOKED, *SESSION_LOOKUPS)
        self._sql = {stmt: _sqlite_text(stmt) for stmt in statements} if self._sqlite_path else {}
        self._versions = _Decoded(_decode_version)
        self._grants = _Decoded(grant_of)
        # SQLite: answers of member_access while no other connection has committed (see `_unchanged`)
        self._answers: dict[tuple, MemberAccess | None] = {}
        self._data_version: tuple[int, int] | None = None
        #: the connection's opening the current pass's data_version check was made on (it holds until the loop's
        #: next pass, on that opening only), and the task that made it where only that task may use it
        self._checked_by: tuple[asyncio.Task[Any] | None, int] | None = None
        self._revoked: frozenset[tuple[str, str]] | None = None  # SQLite: the (jti, scope) revocation list
        # PostgreSQL: member_access rows read with a token's revocation check, for that request only (pg_hot)
        self._handover = HandOver()
        self._today: date | None = None  # the day the services last asked member_access for

    def _raw(self) -> sqlite3.Connection | None:
        """For tests that count statements: the loop's raw SQLite connection (None on PostgreSQL)."""
        return self._loop_db._get() if self._loop_db is not None else None

    async def _fetch(
        self, stmt: sa.Select, params: dict[str, Any], sqlite_sql: str | None = None, sqlite_params: Any = None
    ) -> list[Any]:
        """All rows of a statement: on the loop's SQLite connection (retrying briefly instead of waiting
        on a lock, which would stall the loop) or through asyncpg (`pg_reads`)."""
        if self._loop_db is None:
            assert self._pg is not None
            return await self._pg.fetch(stmt, params)
        return await self._sqlite(
            lambda db: db.read(sqlite_sql or self._sql[stmt], params if sqlite_params is None else sqlite_params)
        )

    async def _sqlite(self, work: Any) -> Any:
        """`work(loop connection)`, retried briefly while another connection holds a lock; a storage
        fault leaves as StorageUnavailable (reported and the connection closed by `loop_db`)."""
        assert self._loop_db is not None
        try:
            for attempt in range(BUSY_RETRIES):
                try:
                    return work(self._loop_db)
                except sqlite3.OperationalError as exc:
                    if attempt + 1 == BUSY_RETRIES or not is_busy(exc):
                        raise
                    await asyncio.sleep(0.002 * (attempt + 1))
            raise AssertionError("unreachable")
        except (sqlite3.Error, OSError) as exc:
            fault = classify(exc)
            if fault is not None:
                raise StorageUnavailable(DETAIL[fault]) from exc
            raise TemporaryFailure("the database is unavailable") from exc

    async def member_access(
        self, household_id: str, betrokkene_id: str, number: int | None, today: date
    ) -> MemberAccess | None:
        """Everything deciding a read of version `number` (None: the current one) needs, in one statement;
        None when the betrokkene is not an active member of the household. The hashes are shared: read-only."""
        key = (household_id, betrokkene_id, number, today)
        if self._sqlite_path and await self._unchanged() and key in self._answers:
            return self._answers[key]
        self._today = today
        taken = self._handover.take((household_id, betrokkene_id, today)) if number is None else None
        remembered = taken if isinstance(taken, Remembered) else None  # PostgreSQL: rows by generation
        if remembered is not None and remembered.answer is not None:
            return cast(MemberAccess, remembered.answer)
        rows = remembered.rows if remembered is not None else taken
        if rows is None:
            params: dict[str, Any] = {
                "bid": betrokkene_id,
                "hh": household_id,
                "today": today.isoformat() if self._sqlite_path else today,
            }
            if number is not None:
                params["number"] = number
            rows = await self._fetch(_ACCESS_NUMBERED if number is not None else _ACCESS_CURRENT, params)
        answer = None
        if rows:
            shaped = [_shape(r) for r in rows]
            member, version, _ = shaped[0]
            info, hashes = self._versions(version) if version is not None else (None, None)
            grants = tuple(self._grants(grant) for _, _, grant in shaped if grant is not None)
            answer = MemberAccess(member.kind, member.role, member.current, info, hashes, grants)
        if remembered is not None:
            remembered.answer = answer  # decoded once: the same rows always give the same answer
        if self._sqlite_path:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = answer
        return answer

    async def session(self, token_hash: str, household_id: str | None) -> SessionLookup | None:
        """A person session and its memberships, as `PersonRepository.lookup` reads them (the same statement),
        on the loop's connection or through asyncpg: a page's sign-in check without a unit of work. Never
        remembered: a sign-out or a removal decides the very next request."""
        stmt, params = lookup_statement(token_hash, household_id)
        return decode_lookup(await self._fetch(stmt, params))

    async def revoked(
        self, jti: str, household_id: str | None, *, member: str | None = None, deferred: bool = False
    ) -> bool:
        """Whether a token id was revoked for this household (None: a monitoring token). SQLite: the small
        revocation list is remembered while no other connection has committed; PostgreSQL asks, and for a
        token naming a `member` reads that member's current-version member_access in the same statement,
        handed to this request's own next member_access only (`pg_hot`). `deferred` (PostgreSQL, a request
        whose answer is settled before it leaves, see `pg_generation`): with that member's rows remembered
        under a household generation, nothing is asked now; the request's log rows (or `settle`) check it."""
        scope = household_id if household_id is not None else MONITORING_SCOPE
        if self._pg is not None:
            PENDING.set(None)
            if deferred and member is not None and household_id is not None and self._today is not None:
                key = (household_id, member, self._today)
                remembered = self._pg.generations.get(key)
                if remembered is not None:
                    PENDING.set(Pending(household_id, remembered.generation, jti, scope))
                    self._handover.give(key, remembered)
                    return False
            try:
                if member is None or household_id is None or self._today is None:
                    return bool(
                        await self._pg.fetch_sql(
                            "SELECT 1 FROM token_revocation WHERE jti = $1 AND scope = $2", jti, scope
                        )
                    )
                return await self._revoked_and_access(jti, scope, household_id, member, self._today)
            except (OSError, *PG_ERRORS) as exc:
                raise TemporaryFailure("the database is unavailable") from exc
        if not await self._unchanged() or self._revoked is None:
            self._revoked = frozenset((row[0], row[1]) for row in await self._fetch(_REVOKED, {}))
        return (jti, scope) in self._revoked

    async def _revoked_and_access(self, jti: str, scope: str, household_id: str, member: str, today: date) -> bool:
        """PostgreSQL: the revocation check and the member's current member_access rows in one statement."""
        assert self._pg is not None
        sql, names = self._pg.compiled(_ACCESS_CURRENT)
        params = {"bid": member, "hh": household_id, "today": today}
        statement = with_generation(combined_sql(sql, len(names)), len(names) + 3)
        rows = await self._pg.fetch_sql(statement, *[params[n] for n in names], jti, scope, household_id)
        revoked = bool(rows[0][0])
        if not revoked:
            key = (household_id, member, today)
            access = [tuple(r)[1:-1] for r in rows if r[1] is not None]
            generation = rows[0][-1]
            if access and generation is not None:  # a member's rows, read in one snapshot with the generation
                self._handover.give(key, self._pg.generations.put(key, generation, access))
            else:
                self._handover.give(key, access)
        return revoked

    async def settle(self, *, check: bool = True) -> bool:
        """Whether this request's deferred revocation check (if any, `revoked(deferred=True)`) still holds;
        its log rows settle it, else one query here (`check` False: none). Ends the deferral either way."""
        pending = PENDING.get()
        PENDING.set(None)
        if pending is None or pending.settled or self._pg is None or not check:
            return True
        try:
            rows = await self._pg.fetch_sql(
                _SETTLE, pending.household_id, pending.generation, pending.jti, pending.scope
            )
        except (OSError, *PG_ERRORS) as exc:
            raise TemporaryFailure("the database is unavailable") from exc
        if not rows[0][0]:
            self._pg.generations.drop(pending.household_id, pending.generation)
            return False
        return True

    def forget(self) -> None:
        """Drop remembered answers, so the next reads go to the database."""
        if self._pg is not None:
            self._pg.generations.clear()
        self._answers.clear()
        self._revoked = None
        self._data_version = None
        self._checked_by = None

    async def _unchanged(self) -> bool:
        """Whether no other connection (of this or any process) has committed since the answers were read.

        SQLite's data_version changes on every commit by another connection, and only then: the only
        writes on the loop's own connection are access-log entries, which no answer depends on. Every
        change that could alter an access decision (membership, roles, consent, overmacht, escalation,
        versions) is committed elsewhere, so it empties the answers before the next request is decided.

        One check serves the rest of the event loop's pass over its ready callbacks (`_check_ends`, queued
        with `call_soon` when the check is made, runs first in the next pass): every request step in that
        pass started from bytes that arrived before it — the loop read them in an earlier poll — so the check
        is as fresh as each request, and a plan read's token check and its member_access decide on one
        snapshot. A request that yields, and any request read after the check, is decided by a new one.
        Under a task factory (eager tasks may run a step inside a poll, after the check) a check serves
        only the task that made it.
        """
        db = self._loop_db
        assert db is not None
        checked = self._checked_by
        if checked is not None and checked[1] == db.generation and (checked[0] is None or checked[0] is _task()):
            return True  # this pass's check, on a connection neither closed nor reopened since
        try:
            seen = db.data_version()  # a reopened connection counts afresh
        except (sqlite3.Error, OSError) as exc:
            fault = classify(exc)
            if fault is not None:
                raise StorageUnavailable(DETAIL[fault]) from exc
            raise TemporaryFailure("the database is unavailable") from exc
        loop = asyncio.get_running_loop()
        self._checked_by = (None if loop.get_task_factory() is None else _task(), seen[0])
        loop.call_soon(self._check_ends)
        if seen == self._data_version:
            return True
        self._answers.clear()
        self._revoked = None
        self._data_version = seen
        return False

    def _check_ends(self) -> None:
        self._checked_by = None

    async def member_version(self, household_id: str, betrokkene_id: str, number: int | None) -> MemberVersion | None:
        """(kind, role, current version, version facts, section hashes) for an active betrokkene; None if not one.

        Version facts and hashes are None when the requested version does not exist.
        """
        params: dict[str, Any] = {"bid": betrokkene_id, "hh": household_id}
        if number is not None:
            params["number"] = number
        rows = await self._fetch(_NUMBERED if number is not None else _CURRENT, params)
        if not rows:
            return None
        member, version, _ = _shape(rows[0])
        info, hashes = self._versions(version) if version is not None else (None, None)
        return member.kind, member.role, member.current, info, hashes

    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]:
        """Blob hash → canonical JSON text."""
        wanted = sorted(set(hashes))
        if self._pg is not None:  # errors leave pg_reads as StorageUnavailable or TemporaryFailure
            return dict(
                await self._pg.fetch_sql(
                    "SELECT hash, content FROM section_blob WHERE household_id = $1 AND hash = ANY($2::varchar[])",
                    household_id,
                    wanted,
                )
            )
        sql = (
            f"SELECT hash, content FROM section_blob WHERE household_id = ? AND hash IN ({','.join('?' * len(wanted))})"
        )
        return dict(await self._fetch(_BLOBS, {"hh": household_id, "hashes": wanted}, sql, [household_id, *wanted]))

    async def close(self) -> None:
        """Release the event loop's SQLite connection, or the asyncpg pool."""
        if self._loop_db is not None:
            self._loop_db.close()
        if self._pg is not None:
            await self._pg.close()
