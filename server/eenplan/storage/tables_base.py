"""What every table module shares: the UTC timestamp column type.

It lives apart from `tables.py` so the area modules (`tables_<area>.py`) need not import the module that
gathers them all: `tables.py` imports each area for `metadata`, and the areas import only this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which forgets the zone) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and store every aware one in UTC."""
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the database")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC datetime, also where the database dropped the zone."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _ts(nullable: bool = False) -> sa.Column[datetime]:
    """A UTC timestamp column (a fresh Column each call: SQLAlchemy binds a Column to one table)."""
    return sa.Column(UTCDateTime(), nullable=nullable)


__all__ = ["UTCDateTime", "_ts"]
