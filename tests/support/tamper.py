"""Changing the access log behind the application's back, as an attacker with database access would."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from eenplan.storage.engine import create_engine


async def tamper_with_log(settings: Any, sql: str) -> None:
    """Run `sql` on the access log with its append-only triggers out of the way (they refuse it otherwise)."""
    engine = create_engine(settings.effective_database_url)
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(sa.text("ALTER TABLE access_log DISABLE TRIGGER access_log_no_change"))
                await conn.execute(sa.text(sql))
                await conn.execute(sa.text("ALTER TABLE access_log ENABLE TRIGGER access_log_no_change"))
            else:
                await conn.execute(sa.text("DROP TRIGGER IF EXISTS access_log_no_update"))
                await conn.execute(sa.text("DROP TRIGGER IF EXISTS access_log_no_delete"))
                await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()
