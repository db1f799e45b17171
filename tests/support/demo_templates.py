"""The demo household seeded once per session and copied into each test's database.

Seeding the demo through the services costs far more than copying a file (SQLite) or cloning a
database (PostgreSQL `CREATE DATABASE … TEMPLATE`), so `database_url` hands a test that asks for
`demo` a fresh copy of a seeded template. What the seed writes depends only on the database kind
and the time on the services' clock, so templates are kept per (kind, time):
  * a clock standing on a fixed time (e.g. stagnatie's 21 April 2026) gets a template seeded at
    exactly that time;
  * a clock on the real time gets one seeded at most MAX_AGE seconds ago (rows a minute older
    than the test's "now", as if the demo had been made just before).
Tokens are issued per test (`demo` fixture); nothing else of a test's own (gpg homes, data dir,
settings) is in a template.
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eenplan.config import Settings

from .clock import MovableClock

#: seconds a real-time template is used before a fresh one is seeded
MAX_AGE = 60.0
#: a clock this close to the real time is "the real time"
REAL_TIME_SLACK = 5.0


def clock_key(clock: Callable[[], datetime]) -> str:
    """'real' for a clock on the real time, else the exact time it stands on."""
    now = clock()
    if abs((now - datetime.now(UTC)).total_seconds()) < REAL_TIME_SLACK:
        return "real"
    return now.isoformat()


def _in_own_loop(coro: Any) -> Any:
    """Run a coroutine to completion on a new event loop in another thread (the test's loop stays untouched)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-template") as pool:
        return pool.submit(asyncio.run, coro).result()


async def _seed(url: str, data_dir: Path, now: datetime, secret: str) -> dict[str, Any]:
    from eenplan.bootstrap import build_services
    from eenplan.demo import seed_demo

    settings = Settings(data_dir=data_dir, database_url=url, secret_key=secret)
    services = build_services(settings, clock=MovableClock(now))
    try:
        result = await seed_demo(settings, services=services)
    finally:
        await services.close()
    for person in result["betrokkenen"]:
        person.pop("token", None)
    return result


class DemoTemplates:
    """Seeded demo databases of this session, per (database kind, clock key)."""

    def __init__(self, workdir: Path, sqlite_template: Path, secret: str, pg_template: str) -> None:
        self._dir = workdir
        self._sqlite_template = sqlite_template
        self._secret = secret
        self._pg_template = pg_template
        self._made: dict[tuple[str, str], tuple[str, dict[str, Any], float]] = {}
        self._count = 0

    def database(
        self, kind: str, clock: Callable[[], datetime], target_dir: Path, cluster: Any = None
    ) -> tuple[str, dict[str, Any]]:
        """A new database of `kind` holding the demo as seeded at the clock's time: (URL, seed result).

        `cluster` is the session's PostgreSQL (support/postgres.Cluster) when kind is "postgresql".
        """
        key = (kind, clock_key(clock))
        made = self._made.get(key)
        if made is None or (key[1] == "real" and time.monotonic() - made[2] > MAX_AGE):
            made = self._made[key] = (*self._make(kind, clock(), cluster), time.monotonic())
        source, result, _ = made
        if kind == "sqlite":
            target = target_dir / "eenplan.db"
            shutil.copy(source, target)
            return f"sqlite+aiosqlite:///{target}", copy.deepcopy(result)
        return cluster.create_database(template=source), copy.deepcopy(result)

    def _make(self, kind: str, now: datetime, cluster: Any) -> tuple[str, dict[str, Any]]:
        self._count += 1
        data_dir = self._dir / f"seed-{self._count}"
        data_dir.mkdir(parents=True)
        if kind == "sqlite":
            path = self._dir / f"demo-{self._count}.db"
            shutil.copy(self._sqlite_template, path)
            result = _in_own_loop(_seed(f"sqlite+aiosqlite:///{path}", data_dir, now, self._secret))
            conn = sqlite3.connect(path)
            try:  # everything in the file itself, so a plain copy is complete
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            return str(path), result
        name = f"demo_{self._count}"
        cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"')
        result = _in_own_loop(_seed(cluster.url(name), data_dir, now, self._secret))
        return name, result
