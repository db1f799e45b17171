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
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.access import Grant, Level
from ..domain.consent import ConsentStatus
from ..domain.errors import TemporaryFailure
from ..domain.overmacht import Besluit
from ..domain.ports import MemberAccess
from ..domain.versions import VersionInfo
from .engine import is_sqlite
from .loop_db import BUSY_RETRIES, LoopConnection, is_busy
from .pg_reads import ERRORS as PG_ERRORS, PgReads
from .tables import BetrokkeneRow, HouseholdRow, PlanVersionRow, SectionBlobRow
from .tables_access import MONITORING_SCOPE, ConsentRow, OvermachtRow, TokenRevocationRow
from .tables_stagnatie import EscalatieGrantRow

MemberVersion = tuple[str, str, int, VersionInfo | None, Mapping[str, str] | None]


_V = PlanVersionRow.__table__.c
_B = BetrokkeneRow.__table__.c
_H = HouseholdRow.__table__.c
_BLOB = SectionBlobRow.__table__.c


def _member_version_stmt(numbered: bool) -> sa.Select:
    number = sa.bindparam("number") if numbered else _H.current_version
    return (sa.select(_B.kind, _B.role, _H.current_version, _V.number, _V.author_id, _V.created_at, _V.summary,
                      _V.changed_sections, _V.section_hashes, _V.base_version, _V.vastgesteld_at, _V.vastgesteld_by,
                      _V.vastgesteld_overleg)
            .select_from(BetrokkeneRow.__table__.join(HouseholdRow.__table__, _H.id == _B.household_id)
                         .outerjoin(PlanVersionRow.__table__, sa.and_(_V.household_id == _H.id, _V.number == number)))
            .where(_B.id == sa.bindparam("bid"), _B.household_id == sa.bindparam("hh"), _B.removed_at.is_(None)))


_C = ConsentRow.__table__.c
_O = OvermachtRow.__table__.c
_E = EscalatieGrantRow.__table__.c
_GRANTS = sa.union_all(  # constants inline, so the same text runs on raw SQLite
    sa.select(sa.literal_column("'toestemming'").label("kind"), _C.id, _C.sections, _C.level, _C.until).where(
        _C.household_id == sa.bindparam("hh"), _C.grantee_id == sa.bindparam("bid"),
        _C.status == sa.literal_column(f"'{ConsentStatus.GRANTED.value}'"), _C.until >= sa.bindparam("today")),
    sa.select(sa.literal_column("'overmacht'"), _O.id, _O.sections, sa.literal_column(str(int(Level.READ))),
              _O.until).where(
        _O.household_id == sa.bindparam("hh"), _O.recipient_id == sa.bindparam("bid"),
        _O.besluit == sa.literal_column(f"'{Besluit.DELEN.value}'"), _O.until >= sa.bindparam("today")),
    # escalation to the gemeentelijk aanspreekpunt (stagnatie step 4): read access until afschalen
    sa.select(sa.literal_column("'escalatie'"), _E.id, _E.sections, sa.literal_column(str(int(Level.READ))),
              _E.until).where(
        _E.household_id == sa.bindparam("hh"), _E.grantee_id == sa.bindparam("bid"), _E.ended_at.is_(None)))
_CURRENT = _member_version_stmt(False)
_NUMBERED = _member_version_stmt(True)


def _member_access_stmt(numbered: bool) -> sa.Select:
    """Membership, the version and every grant in force in one statement: a row per grant (or one row)."""
    grants = _GRANTS.subquery("g")
    base = _member_version_stmt(numbered)
    return (base.add_columns(grants.c.kind.label("grant_kind"), grants.c.id.label("grant_id"), grants.c.sections,
                             grants.c.level, grants.c.until)
            .outerjoin(grants, sa.true()))


#: member_access answers remembered at most (SQLite; a new commit elsewhere forgets them all)
ANSWERS_KEPT = 4096
_DATA_VERSION = sa.text("SELECT 1")  # placeholder statement; SQLite runs the pragma text
_ACCESS_CURRENT = _member_access_stmt(False)
_ACCESS_NUMBERED = _member_access_stmt(True)
_REVOKED = sa.select(TokenRevocationRow.__table__.c.jti, TokenRevocationRow.__table__.c.scope)
_BLOBS = sa.select(_BLOB.hash, _BLOB.content).where(_BLOB.household_id == sa.bindparam("hh"),
                                                    _BLOB.hash.in_(sa.bindparam("hashes", expanding=True)))


def _utc(value: datetime | str | None) -> datetime | None:
    """SQLite hands back text; PostgreSQL an aware datetime. Both become aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _decode_version(v: Any) -> tuple[VersionInfo, Mapping[str, str]]:
    info = VersionInfo(number=v[0], author_id=v[1], created_at=_utc(v[2]), summary=v[3],
                       changed_sections=tuple(s for s in v[4].split(",") if s), base_version=v[6],
                       vastgesteld_at=_utc(v[7]), vastgesteld_by=v[8], vastgesteld_overleg=v[9])
    return info, MappingProxyType(json.loads(v[5]))


def _decode_grant(g: Any) -> Grant:
    kind, grant_id, sections, level, until = g
    until = date.fromisoformat(until) if isinstance(until, str) else until
    return Grant(frozenset(s for s in sections.split(",") if s), Level(level), f"{kind}:{grant_id}", until,
                 emergency=(kind == "overmacht"))


class _Decoded:
    """Decoded values by the raw column values they came from: equal input, the same (immutable) result.

    Keyed by the whole raw value, so a changed row (a version being vastgesteld) is simply a new key;
    nothing here can go stale, and repeated reads skip parsing dates and JSON.
    """

    def __init__(self, decode: Any, max_entries: int = 2048) -> None:
        self._decode = decode
        self._items: dict[Any, Any] = {}
        self._max = max_entries

    def __call__(self, raw: tuple) -> Any:
        found = self._items.get(raw)
        if found is None:
            if len(self._items) >= self._max:
                self._items.clear()  # a cheap bound; the hot working set refills at once
            found = self._items[raw] = self._decode(raw)
        return found


def _sqlite_text(stmt: sa.Select | sa.CompoundSelect) -> str:
    """The statement as SQLite SQL with :named parameters, compiled once."""
    from sqlalchemy.dialects import sqlite

    return str(stmt.compile(dialect=sqlite.dialect(paramstyle="named")))


class PlanReader:
    """Single-statement reads for the plan's hot paths."""

    def __init__(self, engine: AsyncEngine, loop_db: LoopConnection | None = None, pg: PgReads | None = None
                 ) -> None:
        url = engine.url.render_as_string(hide_password=False)
        self._sqlite_path = make_url(url).database if is_sqlite(url) else None
        self._loop_db = loop_db or (LoopConnection(self._sqlite_path) if self._sqlite_path else None)
        self._pg = None if self._sqlite_path else (pg or PgReads(url))
        statements = (_CURRENT, _NUMBERED, _ACCESS_CURRENT, _ACCESS_NUMBERED, _REVOKED)
        self._sql = {stmt: _sqlite_text(stmt) for stmt in statements} if self._sqlite_path else {}
        self._versions = _Decoded(_decode_version)
        self._grants = _Decoded(_decode_grant)
        # SQLite: answers of member_access while no other connection has committed (see `_unchanged`)
        self._answers: dict[tuple, MemberAccess | None] = {}
        self._data_version: tuple[int, int] | None = None
        self._revoked: frozenset[tuple[str, str]] | None = None  # SQLite: the (jti, scope) revocation list

    def _raw(self) -> sqlite3.Connection | None:
        """The event loop's SQLite connection (None on PostgreSQL)."""
        return self._loop_db.get() if self._loop_db is not None else None

    async def _fetch(self, stmt: sa.Select, params: dict[str, Any], sqlite_sql: str | None = None,
                     sqlite_params: Any = None) -> list[Any]:
        """All rows of a statement: on the loop's SQLite connection (retrying briefly instead of waiting
        on a lock, which would stall the loop) or through asyncpg (`pg_reads`)."""
        try:
            if (raw := self._raw()) is None:
                assert self._pg is not None
                return await self._pg.fetch(stmt, params)
            for attempt in range(BUSY_RETRIES):
                try:
                    return raw.execute(sqlite_sql or self._sql[stmt], params if sqlite_params is None
                                       else sqlite_params).fetchall()
                except sqlite3.OperationalError as exc:
                    if attempt + 1 == BUSY_RETRIES or not is_busy(exc):
                        raise
                    await asyncio.sleep(0.002 * (attempt + 1))
            raise AssertionError("unreachable")
        except (sqlite3.Error, sa_exc.DBAPIError, OSError, *PG_ERRORS) as exc:
            raise TemporaryFailure("the database is unavailable") from exc

    async def member_access(self, household_id: str, betrokkene_id: str, number: int | None, today: date
                            ) -> MemberAccess | None:
        """Everything deciding a read of version `number` (None: the current one) needs, in one statement;
        None when the betrokkene is not an active member of the household. The hashes are shared: read-only."""
        key = (household_id, betrokkene_id, number, today)
        if self._sqlite_path and await self._unchanged() and key in self._answers:
            return self._answers[key]
        params: dict[str, Any] = {"bid": betrokkene_id, "hh": household_id,
                                  "today": today.isoformat() if self._sqlite_path else today}
        if number is not None:
            params["number"] = number
        rows = await self._fetch(_ACCESS_NUMBERED if number is not None else _ACCESS_CURRENT, params)
        answer = None
        if rows:
            first = rows[0]
            info, hashes = self._versions(tuple(first[3:13])) if first[3] is not None else (None, None)
            grants = tuple(self._grants(tuple(r[13:18])) for r in rows if r[13] is not None)
            answer = MemberAccess(first[0], first[1], first[2], info, hashes, grants)
        if self._sqlite_path:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = answer
        return answer

    async def revoked(self, jti: str, household_id: str | None) -> bool:
        """Whether a token id was revoked for this household (None: a monitoring token). SQLite: the small
        revocation list is remembered while no other connection has committed; PostgreSQL asks every time."""
        scope = household_id if household_id is not None else MONITORING_SCOPE
        if self._pg is not None:
            try:
                return bool(await self._pg.fetch_sql(
                    "SELECT 1 FROM token_revocation WHERE jti = $1 AND scope = $2", jti, scope))
            except (OSError, *PG_ERRORS) as exc:
                raise TemporaryFailure("the database is unavailable") from exc
        if not await self._unchanged() or self._revoked is None:
            self._revoked = frozenset((row[0], row[1]) for row in await self._fetch(_REVOKED, {}))
        return (jti, scope) in self._revoked

    def forget(self) -> None:
        """Drop remembered answers, so the next reads go to the database."""
        self._answers.clear()
        self._revoked = None
        self._data_version = None

    async def _unchanged(self) -> bool:
        """Whether no other connection (of this or any process) has committed since the answers were read.

        SQLite's data_version changes on every commit by another connection, and only then: the only
        writes on the loop's own connection are access-log entries, which no answer depends on. Every
        change that could alter an access decision (membership, roles, consent, overmacht, escalation,
        versions) is committed elsewhere, so it empties the answers before the next request is decided.
        """
        rows = await self._fetch(_DATA_VERSION, {}, "PRAGMA data_version")
        assert self._loop_db is not None
        seen = (self._loop_db.generation, rows[0][0])  # a reopened connection counts data_version afresh
        if seen == self._data_version:
            return True
        self._answers.clear()
        self._revoked = None
        self._data_version = seen
        return False

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
        row = rows[0]
        info, hashes = self._versions(tuple(row[3:13])) if row[3] is not None else (None, None)
        return row[0], row[1], row[2], info, hashes

    async def blobs(self, household_id: str, hashes: Iterable[str]) -> dict[str, str]:
        """Blob hash → canonical JSON text."""
        wanted = sorted(set(hashes))
        if self._pg is not None:
            try:
                return dict(await self._pg.fetch_sql("SELECT hash, content FROM section_blob WHERE household_id = $1 "
                                                     "AND hash = ANY($2::varchar[])", household_id, wanted))
            except (OSError, *PG_ERRORS) as exc:
                raise TemporaryFailure("the database is unavailable") from exc
        sql = (f"SELECT hash, content FROM section_blob WHERE household_id = ? AND hash IN ({','.join('?' * len(wanted))})")
        return dict(await self._fetch(_BLOBS, {"hh": household_id, "hashes": wanted}, sql, [household_id, *wanted]))

    async def close(self) -> None:
        """Release the event loop's SQLite connection, or the asyncpg pool."""
        if self._loop_db is not None:
            self._loop_db.close()
        if self._pg is not None:
            await self._pg.close()
