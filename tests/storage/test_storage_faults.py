"""Storage faults, for real: a read-only database file and a full disk fail closed with a reason, turn
/readyz red, are logged once, are not retried as if they were conflicts, and clear by themselves."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event
from support.helpers import bearer, patch_plan, plan_url

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.storage import faults
from eenplan.web.app import create_app

SECRET = "test-secret-key-that-is-long-enough-0123456789"

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retry at once after a fault (the backoff's length is not what these tests are about)."""
    monkeypatch.setattr(faults, "BACKOFF_FIRST", 0.0)
    monkeypatch.setattr(faults, "BACKOFF_MAX", 0.0)


def _db_path(settings: Settings) -> Path:
    return Path(settings.effective_database_url.split("///", 1)[1])


class ReadOnly:
    """Makes a file unwritable for this process: `chattr +i` as root (root ignores mode bits), else chmod."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = os.geteuid() == 0

    def __enter__(self) -> ReadOnly:
        if self.root:
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(self.path)]).returncode:
                pytest.skip("cannot make a file read-only for root here (no chattr +i)")
        else:
            self.path.chmod(0o444)
        return self

    def restore(self) -> None:
        if self.root:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
        else:
            self.path.chmod(0o644)

    def __exit__(self, *exc: object) -> None:
        if not os.access(self.path, os.W_OK):
            self.restore()


def _faults_logged(caplog, kind: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "eenplan.storage" and r.getMessage().startswith(f"storage fault: {kind} ")
    )


async def _current_version(client, demo) -> str:
    response = await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))
    assert response.status == 200
    return response.headers["ETag"]


@SQLITE_ONLY
async def test_a_server_started_on_a_read_only_file_recovers_when_write_access_returns(
    aiohttp_client, demo, settings, caplog
):
    caplog.set_level(logging.INFO)
    with sqlite3.connect(_db_path(settings)) as conn:
        version = conn.execute(
            "SELECT current_version FROM household WHERE id = ?", (demo["household"]["id"],)
        ).fetchone()[0]
    with ReadOnly(_db_path(settings)) as read_only:
        services = build_services(settings)  # a fresh server, started while the file is read-only
        try:
            client = await aiohttp_client(create_app(services, max_body_bytes=settings.max_body_bytes))
            assert (await client.get("/readyz")).status == 503
            read = await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))
            assert read.status == 503  # the read cannot be logged: fail closed
            assert "read-only" in (await read.json())["detail"]
            change = await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=version)
            assert change.status == 503
            body = await change.json()
            assert body["detail"] == "storage is read-only" and body["type"].endswith("storage-unavailable")
            assert (await client.get("/readyz")).status == 503
            assert _faults_logged(caplog, "read-only") == 1  # once per fault, however many requests fail

            read_only.restore()  # write access returns: no restart
            assert (await client.get("/readyz")).status == 200
            change = await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=version)
            assert change.status == 200
            assert (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).status == 200
        finally:
            await services.close()
    assert "nieuw" not in caplog.text


@pytest.fixture
def small_disk(tmp_path, sqlite_template):
    """A 24 MB tmpfs holding a copy of the migrated database (root only: it mounts a file system)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        pytest.skip("a small file system needs root and mount (tmpfs)")
    try:
        shutil.copy(sqlite_template, mount / "eenplan.db")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


@pytest.fixture
def full_disk_settings(small_disk, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var", database_url=f"sqlite+aiosqlite:///{small_disk / 'eenplan.db'}", secret_key=SECRET
    )


async def test_a_full_disk_answers_storage_full_at_once_and_recovers(
    aiohttp_client, small_disk, full_disk_settings, caplog
):
    from eenplan.demo import seed_demo

    caplog.set_level(logging.INFO)
    services = build_services(full_disk_settings)
    try:
        demo = await seed_demo(full_disk_settings, services=services)
        demo["regisseur"] = next(b for b in demo["betrokkenen"] if b["role"] == "procesregisseur")
        client = await aiohttp_client(create_app(services, max_body_bytes=full_disk_settings.max_body_bytes))
        etag = await _current_version(client, demo)
        filler = _fill(small_disk)

        transactions: list[object] = []

        def began(conn: object) -> None:
            transactions.append(conn)

        engine = services.plan._uow.engine.sync_engine
        event.listen(engine, "begin", began)
        big = {"analyse": {"analyse": "vol " * 2000}}  # needs new pages: the disk has none
        change = await patch_plan(client, demo, big, version=etag)
        event.remove(engine, "begin", began)
        assert change.status == 503
        body = await change.json()
        assert body["detail"] == "storage is full" and "concurrent" not in body["detail"]
        assert len(transactions) == 1  # not retried as if it were a conflict
        assert _faults_logged(caplog, "full") == 1
        assert (await client.get("/readyz")).status == 503

        filler.unlink()  # space again: no restart
        assert (await client.get("/readyz")).status == 200
        assert (await patch_plan(client, demo, big, version=etag)).status == 200
        assert (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).status == 200
        assert any(r.getMessage() == "storage recovered from: full" for r in caplog.records)
    finally:
        await services.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_sessions_turned_read_only_fail_closed_and_recover(client, demo, settings, pg_cluster, caplog):
    caplog.set_level(logging.INFO)
    name = settings.effective_database_url.rsplit("/", 1)[1]
    terminate = (
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    version = (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).headers["ETag"]
    pg_cluster.psql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    pg_cluster.psql(terminate)  # every pooled connection is gone; new ones may not write
    try:
        for _ in range(2):  # the first attempt may meet a terminated connection (unavailable), then read-only
            change = await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=version)
        assert change.status == 503 and (await change.json())["detail"] == "storage is read-only"
        assert (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).status == 503
        assert (await client.get("/readyz")).status == 503
    finally:
        pg_cluster.psql(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert (await client.get("/readyz")).status == 200  # no restart: new connections may write again
    assert (await patch_plan(client, demo, {"analyse": {"analyse": "nieuw"}}, version=version)).status == 200
    assert (await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))).status == 200
    assert _faults_logged(caplog, "read-only") == 1
