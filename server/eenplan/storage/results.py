"""What a write statement reports back, typed."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (SQLAlchemy types `execute()` as a Result; for a DML
    statement it is a CursorResult, which has the count)."""
    return cast("CursorResult[Any]", result).rowcount
