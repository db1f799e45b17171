"""deploy/postgres/roles.sql on a throwaway PostgreSQL: the app role does the app's real work and cannot touch
the access log; and a rolling upgrade's expand step (a nullable column, a new table) leaves the running code working."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from support.helpers import bearer, patch_plan, plan_url
from support.postgres import PG_BIN

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.demo import seed_demo
from eenplan.storage import migrate
from eenplan.web.app import create_app

ROLES = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "roles.sql"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _psql(port: int, user: str, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            user,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _url(port: int, user: str, database: str) -> str:
    return f"postgresql+asyncpg://{user}@127.0.0.1:{port}/{database}"


@pytest.fixture
def deployed(pg_cluster: Any) -> Iterator[tuple[int, str]]:
    """A database set up as deploy/postgres/roles.sql says: roles first (superuser), migrate as the owner, then
    roles.sql again (as the owner) for the tables that exist now."""
    name = "roles_" + uuid.uuid4().hex[:10]
    port = pg_cluster.port
    pg_cluster.psql(f'CREATE DATABASE "{name}"')
    first = _psql(port, "postgres", name, "-f", str(ROLES))
    assert first.returncode == 0, first.stderr
    import asyncio

    asyncio.run(migrate.upgrade(_url(port, "eenplan_owner", name)))
    again = _psql(port, "eenplan_owner", name, "-f", str(ROLES))
    assert again.returncode == 0, again.stderr
    yield port, name


async def test_the_app_role_serves_reads_and_changes_but_cannot_alter_or_remove_the_access_log(
    deployed: tuple[int, str], aiohttp_client: Any, tmp_path: Path
) -> None:
    port, name = deployed
    settings = Settings(data_dir=tmp_path / "var", database_url=_url(port, "eenplan_app", name), secret_key=SECRET)
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)  # the app's real writes, as the app role
        regisseur = next(b for b in demo["betrokkenen"] if b["role"] == "procesregisseur")
        demo["regisseur"] = regisseur
        client = await aiohttp_client(create_app(services))
        read = await client.get(plan_url(demo), headers=bearer(regisseur))  # logged by the group commit (asyncpg)
        assert read.status == 200, await read.text()
        etag = read.headers["ETag"]
        changed = await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=etag)  # a unit of work
        assert changed.status == 200, await changed.text()
        again = await client.get(plan_url(demo), headers=bearer(regisseur))
        assert again.status == 200
        chains = await services.access_log.verify(demo["household"]["id"])
        assert chains and all(c.ok for c in chains) and chains[0].entries >= 2
    finally:
        await services.close()

    conn = await asyncpg.connect(host="127.0.0.1", port=port, user="eenplan_app", database=name)
    try:
        assert await conn.fetchval("SELECT count(*) FROM access_log") >= 2
        for statement in (
            "UPDATE access_log SET detail = 'x'",
            "DELETE FROM access_log",
            "TRUNCATE access_log",
            "DELETE FROM access_log_head",
            "TRUNCATE access_log_head",
            "ALTER TABLE access_log DISABLE TRIGGER USER",
            "DROP TRIGGER access_log_no_change ON access_log",
            "ALTER TABLE household ADD COLUMN x text",
            "CREATE TABLE mine (x int)",
            "UPDATE alembic_version SET version_num = 'x'",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM access_log") >= 2
    finally:
        await conn.close()


async def test_old_code_keeps_working_on_the_expanded_schema(
    deployed: tuple[int, str], aiohttp_client: Any, tmp_path: Path
) -> None:
    """Expand: what a next release's migration adds while this release still runs — a nullable column on a table
    this code writes and a new table (run as the owner, as `eenplan migrate` would). This code's reads and writes go
    on unchanged, and the app role may already use the new table (default privileges). The contract step (dropping
    what the old code used) waits until no old node runs; see deploy/UPGRADES.md."""
    port, name = deployed
    owner = await asyncpg.connect(host="127.0.0.1", port=port, user="eenplan_owner", database=name)
    try:
        await owner.execute("ALTER TABLE household ADD COLUMN regio VARCHAR(60) NULL")
        await owner.execute("ALTER TABLE plan_version ADD COLUMN samenvatting TEXT NULL")
        await owner.execute("CREATE TABLE household_note (household_id VARCHAR(36) PRIMARY KEY, note TEXT NOT NULL)")
    finally:
        await owner.close()

    settings = Settings(data_dir=tmp_path / "var", database_url=_url(port, "eenplan_app", name), secret_key=SECRET)
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        regisseur = next(b for b in demo["betrokkenen"] if b["role"] == "procesregisseur")
        demo["regisseur"] = regisseur
        client = await aiohttp_client(create_app(services))
        opened = await client.post(
            "/api/households",
            json={"code": "H-2026-0815", "name": "Familie Smeets", "gemeente": "Kerkrade"},
            headers=bearer(regisseur),
        )
        assert opened.status == 201, await opened.text()
        before = await client.get(plan_url(demo), headers=bearer(regisseur))
        changed = await patch_plan(
            client, demo, {"analyse": {"analyse": "na de expand-stap"}}, version=before.headers["ETag"]
        )
        assert changed.status == 200, await changed.text()
        read = await client.get(plan_url(demo), headers=bearer(regisseur))
        assert read.status == 200
        assert (await read.json())["sections"]["analyse"]["analyse"] == "na de expand-stap"
    finally:
        await services.close()

    app = await asyncpg.connect(host="127.0.0.1", port=port, user="eenplan_app", database=name)
    try:  # the old code left the new column empty; the new table is usable by the app role without a re-grant
        assert await app.fetchval("SELECT count(*) FROM household WHERE regio IS NOT NULL") == 0
        await app.execute("INSERT INTO household_note VALUES ($1, 'x')", demo["household"]["id"])
        assert await app.fetchval("SELECT count(*) FROM household_note") == 1
    finally:
        await app.close()


async def test_a_dump_restores_into_a_fresh_database_with_its_chains_intact(
    deployed: tuple[int, str], pg_cluster: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    """deploy/README.md "Backup and restore": pg_dump as the owner, pg_restore into a new database prepared by
    roles.sql, roles.sql again; the app role reads the restored plan and every access-log chain verifies."""
    port, name = deployed
    settings = Settings(data_dir=tmp_path / "var", database_url=_url(port, "eenplan_app", name), secret_key=SECRET)
    services = build_services(settings)
    try:
        demo = await seed_demo(settings, services=services)
        regisseur = next(b for b in demo["betrokkenen"] if b["role"] == "procesregisseur")
        client = await aiohttp_client(create_app(services))
        assert (await client.get(plan_url(demo), headers=bearer(regisseur))).status == 200
    finally:
        await services.close()

    dump = tmp_path / "eenplan.dump"
    dumped = subprocess.run(
        [str(PG_BIN / "pg_dump"), "-Fc", "-h", "127.0.0.1", "-p", str(port), "-U", "eenplan_owner", "-d", name,
         "-f", str(dump)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    restored = "restored_" + uuid.uuid4().hex[:10]
    pg_cluster.psql(f'CREATE DATABASE "{restored}"')
    assert _psql(port, "postgres", restored, "-f", str(ROLES)).returncode == 0
    loaded = subprocess.run(
        [str(PG_BIN / "pg_restore"), "--no-owner", "--role=eenplan_owner", "-h", "127.0.0.1", "-p", str(port),
         "-U", "eenplan_owner", "-d", restored, str(dump)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    again = _psql(port, "eenplan_owner", restored, "-f", str(ROLES))
    assert again.returncode == 0, again.stderr

    settings = Settings(data_dir=tmp_path / "var2", database_url=_url(port, "eenplan_app", restored), secret_key=SECRET)
    services = build_services(settings)
    try:
        chains = await services.access_log.verify(None)
        assert chains and all(c.ok for c in chains)
        client = await aiohttp_client(create_app(services))
        assert (await client.get(plan_url(demo), headers=bearer(regisseur))).status == 200
    finally:
        await services.close()
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user="eenplan_app", database=restored)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM access_log")
    finally:
        await conn.close()
