"""The grants in force for one betrokkene: one statement and one decoder, for both loaders.

Both the hot read (`reads.PlanReader`, joined into its one statement) and
`ConsentRepository.grants` (inside a unit of work) load grants through
`GRANTS` and turn rows into `Grant`s with `grant_of`, so a new kind of grant,
or a changed rule for one, cannot reach one path and miss the other
(`tests/storage/test_grant_loaders_agree.py` holds them to it). What each kind
of record grants is the domain's rule (`domain.grants.grant_from`); this module
only selects the records in force and decodes their columns.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa

from ..domain.access import Grant
from ..domain.consent import ConsentStatus
from ..domain.grants import GrantKind, grant_from
from ..domain.overmacht import Besluit
from .tables_access import ConsentRow, OvermachtRow
from .tables_stagnatie import EscalatieGrantRow


class GrantColumns(NamedTuple):
    """One grant's columns (kind 'toestemming', 'overmacht' or 'escalatie'), raw as the database gives them."""

    kind: str
    id: str
    sections: str
    level: int
    until: Any


_C = sa.inspect(ConsentRow).local_table.c
_O = sa.inspect(OvermachtRow).local_table.c
_E = sa.inspect(EscalatieGrantRow).local_table.c
#: every grant in force for :bid in household :hh on :today; constants inline, so the same text runs on raw SQLite
_TOESTEMMING: sa.ColumnClause[Any] = sa.literal_column(f"'{GrantKind.TOESTEMMING.value}'")
_OVERMACHT: sa.ColumnClause[Any] = sa.literal_column(f"'{GrantKind.OVERMACHT.value}'")
_ESCALATIE: sa.ColumnClause[Any] = sa.literal_column(f"'{GrantKind.ESCALATIE.value}'")
#: overmacht and escalatie grant their kind's fixed level (domain.grants)
_NO_LEVEL: sa.ColumnClause[Any] = sa.literal_column("0")
GRANTS = sa.union_all(
    sa.select(_TOESTEMMING.label("kind"), _C.id, _C.sections, _C.level, _C.until).where(
        _C.household_id == sa.bindparam("hh"),
        _C.grantee_id == sa.bindparam("bid"),
        _C.status == sa.literal_column(f"'{ConsentStatus.GRANTED.value}'"),
        _C.until >= sa.bindparam("today"),
    ),
    sa.select(_OVERMACHT, _O.id, _O.sections, _NO_LEVEL, _O.until).where(
        _O.household_id == sa.bindparam("hh"),
        _O.recipient_id == sa.bindparam("bid"),
        _O.besluit == sa.literal_column(f"'{Besluit.DELEN.value}'"),
        _O.until >= sa.bindparam("today"),
    ),
    sa.select(_ESCALATIE, _E.id, _E.sections, _NO_LEVEL, _E.until).where(
        _E.household_id == sa.bindparam("hh"), _E.grantee_id == sa.bindparam("bid"), _E.ended_at.is_(None)
    ),
)


def grant_of(g: GrantColumns) -> Grant:
    """The grant one row of GRANTS gives (SQLite hands dates back as text)."""
    until = date.fromisoformat(g.until) if isinstance(g.until, str) else g.until
    return grant_from(GrantKind(g.kind), g.id, g.sections.split(","), g.level, until)
