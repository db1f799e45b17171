"""Shared fixtures: a real SQLite file for every test that needs a database, and a real PostgreSQL
where storage, locking and concurrency matter (support/databases.py has the rule)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import databases, postgres
from support.clock import MovableClock
from support.demo_templates import DemoTemplates

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.domain.access import Principal
from eenplan.storage import migrate
from eenplan.web.app import create_app

pytest_plugins = ["support.mail_fixtures"]

SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEMPLATE_DB = "eenplan_template"


def _start_pg() -> postgres.Cluster:
    """A started cluster with an empty template database (migrated by `pg_cluster`, in the main thread:
    alembic's context is process-global, so two migrations must never run at once)."""
    cluster = postgres.Cluster().start()
    try:
        cluster.psql(f'CREATE DATABASE "{TEMPLATE_DB}"')
    except BaseException:
        cluster.stop()
        raise
    return cluster


#: the cluster being started in the background as soon as collection shows a PostgreSQL test
_pg_starting: Future[postgres.Cluster] | None = None


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start PostgreSQL (initdb, server start) while the first SQLite tests run, if any test will need it."""
    global _pg_starting
    wanted = any(
        getattr(item, "callspec", None) is not None and item.callspec.params.get("database_url") == "postgresql"
        for item in items
    )
    if wanted and postgres.available() and _pg_starting is None:
        _pg_starting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-start").submit(_start_pg)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop a background-started cluster even when no test asked for it (-x, interrupted runs)."""
    if _pg_starting is not None:
        with contextlib.suppress(Exception):  # it never started: nothing to stop
            _pg_starting.result().stop()  # a second stop after the fixture's is harmless


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL for the whole session, or a skip when the binaries are missing."""
    if not postgres.available():
        if os.environ.get("EENPLAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL binaries missing in {postgres.PG_BIN} (make test installs them)")
        pytest.skip(f"PostgreSQL binaries missing in {postgres.PG_BIN}")
    cluster = _pg_starting.result() if _pg_starting is not None else _start_pg()
    asyncio.run(migrate.upgrade(cluster.url(TEMPLATE_DB)))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`database_url`: SQLite, plus PostgreSQL where storage matters (support/databases.py)."""
    databases.parametrize(metafunc, __file__)


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory, sqlite_template) -> DemoTemplates:
    """The demo household seeded once per (database, clock time) and copied per test."""
    return DemoTemplates(tmp_path_factory.mktemp("demo-templates"), sqlite_template, SECRET, TEMPLATE_DB)


#: the demo a test's database was made with: (database URL, seed result)
SEEDED = pytest.StashKey[tuple[str, dict]]()


@pytest.fixture
def database_url(request, tmp_path, sqlite_template) -> str:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL database (`request.param`).

    A test that uses `demo` gets it already in the database (a copy of a session template).
    """
    kind = getattr(request, "param", "sqlite")
    if "demo" in request.node.fixturenames:
        templates = request.getfixturevalue("demo_templates")
        cluster = request.getfixturevalue("pg_cluster") if kind == "postgresql" else None
        url, result = templates.database(kind, request.getfixturevalue("clock"), tmp_path, cluster)
        request.node.stash[SEEDED] = (url, result)
        return url
    if kind == "sqlite":
        target = tmp_path / "eenplan.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(template=TEMPLATE_DB)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """Settings for one test, on its own database and data dir."""
    from support.mail_fixtures import KEK  # a plugin: imported once pytest has registered it

    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=SECRET, key_encryption_key=KEK)


@pytest.fixture
def clock() -> MovableClock:
    """The clock every service of a test uses: the real time until the test moves it."""
    return MovableClock()


@pytest.fixture
async def services(settings, clock):
    """The wired services for one test, on the test's clock."""
    svc = build_services(settings, clock=clock)
    yield svc
    await svc.close()


@pytest.fixture
async def client(aiohttp_client, services, settings):
    """An HTTP client against the real app on the test's database."""
    return await aiohttp_client(create_app(services, max_body_bytes=settings.max_body_bytes))


@pytest.fixture
async def demo(services, settings, request) -> dict:
    """The demo household, with a token per betrokkene, keyed by role and name."""
    from eenplan.demo import seed_demo

    url, result = request.node.stash.get(SEEDED, (None, None))
    if result is not None and url == settings.effective_database_url:
        for person in result["betrokkenen"]:
            person["token"] = services.tokens.issue(
                Principal(person["id"], result["household"]["id"], second_factor=True)
            )
    else:  # settings on another database than `database_url`: seed it here
        result = await seed_demo(settings, services=services)
    result["by_name"] = {b["name"]: b for b in result["betrokkenen"]}
    result["regisseur"] = next(b for b in result["betrokkenen"] if b["role"] == "procesregisseur")
    return result
