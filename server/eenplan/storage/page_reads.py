"""The pages' hot reads (issue 12): a household's name and people, and one person's own web reads, without a
unit of work — on the loop's SQLite connection or through asyncpg, like the plan's hot path (`reads.py`).

The people of a household change only by commits of another connection, so on SQLite their answer is kept
while `PRAGMA data_version` is unchanged (the same rule as member_access); a person's web reads are the
access log, which the loop's own connection appends to, so they are read every time (one indexed query).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from ..domain.betrokkene import Betrokkene, Kind, MailChoice, Role
from .reads import PlanReader, _sqlite_text, _utc
from .tables import BetrokkeneRow, HouseholdRow
from .tables_access import AccessLogRow
from .tables_person import PersonSessionMemberRow

_HOUSEHOLD = sa.inspect(HouseholdRow).local_table
_PEOPLE_COLUMNS = sa.inspect(BetrokkeneRow).local_table
_LOG = sa.inspect(AccessLogRow).local_table
_MEMBER = sa.inspect(PersonSessionMemberRow).local_table
#: how many of a person's own latest web reads "since your last visit" looks through
WEB_READS_LIMIT = 200
#: households whose people are kept on SQLite (the answers are small; past this, start again)
PEOPLE_KEPT = 2_000

_PEOPLE = (
    sa.select(_HOUSEHOLD.c.name, *_PEOPLE_COLUMNS.c)
    .select_from(_HOUSEHOLD.outerjoin(_PEOPLE_COLUMNS, _PEOPLE_COLUMNS.c.household_id == _HOUSEHOLD.c.id))
    .where(_HOUSEHOLD.c.id == sa.bindparam("hh"))
)
#: the households of a session's memberships, as `PersonRepository.household_entries` reads them (same columns,
#: same order), found through the session's token hash instead of a list of betrokkene ids
_ENTRIES = (
    sa.select(
        _HOUSEHOLD.c.id,
        _HOUSEHOLD.c.name,
        _HOUSEHOLD.c.gemeente,
        _PEOPLE_COLUMNS.c.id,
        _PEOPLE_COLUMNS.c.name,
        _PEOPLE_COLUMNS.c.kind,
        _PEOPLE_COLUMNS.c.role,
    )
    .select_from(
        _MEMBER.join(_PEOPLE_COLUMNS, _PEOPLE_COLUMNS.c.id == _MEMBER.c.betrokkene_id).join(
            _HOUSEHOLD, _HOUSEHOLD.c.id == _PEOPLE_COLUMNS.c.household_id
        )
    )
    .where(_MEMBER.c.token_hash == sa.bindparam("th"))
    .order_by(_HOUSEHOLD.c.name, _HOUSEHOLD.c.id, _PEOPLE_COLUMNS.c.name)
)
_WEB_READS = (
    sa.select(_LOG.c.detail)
    .where(
        _LOG.c.household_id == sa.bindparam("hh"),
        _LOG.c.actor_id == sa.bindparam("actor"),
        _LOG.c.on_behalf_of.is_(None),
        _LOG.c.event == sa.bindparam("event"),
        _LOG.c.channel == sa.bindparam("channel"),
        _LOG.c.detail.like(sa.bindparam("pattern"), escape="/"),
    )
    .order_by(_LOG.c.seq.desc())
    .limit(WEB_READS_LIMIT)
)


def _literals(stmt: sa.Select[Any]) -> dict[str, Any]:
    """The values a statement binds by itself (its LIMIT, SQLite's OFFSET): raw connections must pass them."""
    from sqlalchemy.dialects import postgresql, sqlite

    found: dict[str, Any] = {}
    for dialect in (sqlite.dialect(paramstyle="named"), postgresql.dialect()):  # type: ignore[no-untyped-call]
        found.update({k: v for k, v in stmt.compile(dialect=dialect).params.items() if v is not None})
    return found


_WEB_READS_LITERALS = _literals(_WEB_READS)


def _person(values: dict[str, Any]) -> Betrokkene:
    birth = values["birth_date"]
    created = _utc(values["created_at"])
    assert created is not None  # NOT NULL
    return Betrokkene(
        id=values["id"],
        household_id=values["household_id"],
        name=values["name"],
        kind=Kind(values["kind"]),
        role=Role(values["role"]),
        relation=values["relation"],
        organisation=values["organisation"],
        email=values["email"],
        phone=values["phone"],
        reachable_days=tuple(d for d in (values["reachable_days"] or "").split(",") if d),
        birth_date=date.fromisoformat(birth) if isinstance(birth, str) else birth,
        created_at=created,
        removed_at=_utc(values["removed_at"]),
        mail_choice=MailChoice(values["mail_choice"]),
    )


class PageReader:
    """Reads for the household's pages over the plan's hot-path connection."""

    def __init__(self, reader: PlanReader) -> None:
        self._reader = reader
        self._people: dict[str, tuple[str, list[Betrokkene]] | None] = {}
        self._data_version: tuple[int, int] | None = None
        self._names = [c.name for c in _PEOPLE_COLUMNS.c]
        if reader._sqlite_path:
            reader._sql[_PEOPLE] = _sqlite_text(_PEOPLE)
            reader._sql[_WEB_READS] = _sqlite_text(_WEB_READS)
            reader._sql[_ENTRIES] = _sqlite_text(_ENTRIES)

    async def people(self, household_id: str) -> tuple[str, list[Betrokkene]] | None:
        """The household's name and every betrokkene (removed ones too), or None for no such household."""
        sqlite = bool(self._reader._sqlite_path)
        if sqlite:
            seen = await self._reader._sqlite(lambda db: db.data_version())  # our own view of "unchanged"
            if seen != self._data_version:
                self._people.clear()
                self._data_version = seen
            elif household_id in self._people:
                return self._people[household_id]
        rows = await self._reader._fetch(_PEOPLE, {"hh": household_id})
        answer = None
        if rows:
            people = [_person(dict(zip(self._names, r[1:], strict=True))) for r in rows if r[1] is not None]
            answer = (str(rows[0][0]), people)
        if sqlite:
            if len(self._people) >= PEOPLE_KEPT:
                self._people.clear()
            self._people[household_id] = answer
        return answer

    async def household_entries(
        self, token_hash: str, members: set[tuple[str, str]]
    ) -> list[tuple[str, str, str, str, str, str, str]]:
        """(household id, name, gemeente, betrokkene id, betrokkene name, kind, role) of the session's memberships
        among `members` ((household id, betrokkene id): those its lookup found still counting), ordered by
        household name — the answer of `PersonRepository.household_entries` for those betrokkenen. Never
        remembered: one indexed statement."""
        rows = await self._reader._fetch(_ENTRIES, {"th": token_hash})
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows if (r[0], r[3]) in members]

    async def web_reads(self, household_id: str, actor_id: str, event: str, channel: str, prefix: str) -> list[str]:
        """One actor's own latest entries (at most WEB_READS_LIMIT) of one event on one channel whose detail
        starts with `prefix` (as `AccessLogStore.actor_details`), newest first."""
        pattern = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        params = {
            "hh": household_id,
            "actor": actor_id,
            "event": event,
            "channel": channel,
            "pattern": pattern,
            **_WEB_READS_LITERALS,
        }
        return [str(r[0]) for r in await self._reader._fetch(_WEB_READS, params)]
