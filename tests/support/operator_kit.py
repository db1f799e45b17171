"""What the operator tests (tests/deploy) share: plain SQL against a node's database, as an operator would look."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from eenplan.storage.engine import create_engine


async def sql(url: str, statement: str, **params: object) -> list[tuple[Any, ...]]:
    """Run one statement in its own transaction on a fresh one-connection engine and return its rows (or [])."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(statement), params)
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()
