"""Running the alembic migrations in `migrations/` against the configured database."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from .engine import create_engine


def migrations_dir() -> Path:
    """Where the migration scripts live: EENPLAN_MIGRATIONS_DIR, else the repository's migrations/."""
    configured = os.environ.get("EENPLAN_MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config() -> Config:
    """An alembic configuration pointing at our scripts (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def _run(url: str, action, *args) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:

            def run(sync_conn) -> None:
                cfg = alembic_config()
                cfg.attributes["connection"] = sync_conn
                action(cfg, *args)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database up to `revision`."""
    await _run(url, command.upgrade, revision)


async def downgrade(url: str, revision: str) -> None:
    """Take the database back down to `revision` ("base" removes everything)."""
    await _run(url, command.downgrade, revision)


async def current(url: str) -> str | None:
    """The revision the database is at, or None when never migrated."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
