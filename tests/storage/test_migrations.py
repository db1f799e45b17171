"""Every migration walks up and down on SQLite and PostgreSQL, and head matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from eenplan.storage import migrate
from eenplan.storage.engine import create_engine
from eenplan.storage.tables import metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    return request.getfixturevalue("pg_cluster").create_database()


async def _tables(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_walk_every_migration_up_and_down(empty_url):
    revisions = migrate.revisions()
    assert revisions, "no migrations found"
    previous = "base"
    for rev in revisions:
        await migrate.upgrade(empty_url, rev)
        assert await migrate.current(empty_url) == rev
        await migrate.downgrade(empty_url, previous)
        assert await migrate.current(empty_url) == (None if previous == "base" else previous)
        await migrate.upgrade(empty_url, rev)
        previous = rev
    assert {"household", "betrokkene", "plan_version", "section_blob"} <= await _tables(empty_url)
    await migrate.downgrade(empty_url, "base")
    assert await _tables(empty_url) <= {"alembic_version"}


async def test_head_schema_matches_the_models(empty_url):
    await migrate.upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


async def test_exclusions_per_klant_migrate_without_losing_what_was_kept_back(empty_url):
    """0007 keeps each klant's list; going back to one list per household keeps their union (ties included)."""
    import sqlalchemy as sa

    await migrate.upgrade(empty_url, "0007")
    engine = create_engine(empty_url)
    at = "2026-11-22 10:00:00+00:00"
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO household (id, code, name, gemeente, phase, current_version, created_at) "
                    f"VALUES ('h1', 'c1', 'n', 'Heerlen', 1, 1, '{at}')"
                )
            )
            for klant, sections in (("k1", "analyse,doelen"), ("k2", "krachten_zorgen")):  # the same set_at
                await conn.execute(
                    sa.text(
                        "INSERT INTO aanspreekpunt_uitsluiting (household_id, sections, set_by, set_at) "
                        f"VALUES ('h1', '{sections}', '{klant}', '{at}')"
                    )
                )
    finally:
        await engine.dispose()
    await migrate.downgrade(empty_url, "0006")
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT sections FROM aanspreekpunt_uitsluiting"))).all()
    finally:
        await engine.dispose()
    assert [r[0] for r in rows] == ["krachten_zorgen,analyse,doelen"]
    await migrate.upgrade(empty_url)
