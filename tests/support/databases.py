"""Which database a test runs on: SQLite always, PostgreSQL too where storage, locking and concurrency matter.

The rule (DEVELOPERS.md "Tests"): a test that asks for `database_url` (directly or through
`settings`, `services`, `client`, `demo`) runs on SQLite only, unless
  * it lives under one of BOTH_DIRS, or in one of BOTH_MODULES,
  * its name mentions concurrency ("concurren…"),
  * it (or its class or module, via `pytestmark`) is marked `@pytest.mark.both_databases`,
  * or EENPLAN_TEST_DATABASES=both is set (every such test on both, as before).
An explicit `@pytest.mark.parametrize("database_url", [...], indirect=True)` always wins.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATABASES = ("sqlite", "postgresql")
TESTS = Path(__file__).resolve().parents[1]
#: directories whose tests run on both databases: storage itself and the outbox (leases, SKIP LOCKED)
BOTH_DIRS = frozenset({"storage", "outbox"})
#: single modules that exercise dialect-specific storage: the hash-chained log and the PostgreSQL hot reads
#: of grants; monitoring's aggregate counts
BOTH_MODULES = frozenset(
    {"access/test_access_log.py", "access/test_consent_flow.py", "stagnatie/test_stagnatie_monitoring.py"}
)
MARKER = "both_databases"


def needs_both(definition: pytest.Item) -> bool:
    """Whether this test runs on PostgreSQL as well as on SQLite."""
    if os.environ.get("EENPLAN_TEST_DATABASES", "").lower() == "both":
        return True
    if definition.get_closest_marker(MARKER) is not None:
        return True
    if "concurren" in definition.name.lower():
        return True
    try:
        relative = Path(definition.path).resolve().relative_to(TESTS).as_posix()
    except ValueError:
        return False
    return relative.split("/", 1)[0] in BOTH_DIRS or relative in BOTH_MODULES


def _explicitly_parametrized(metafunc: pytest.Metafunc) -> bool:
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "database_url" in names:
            return True
    return False


def parametrize(metafunc: pytest.Metafunc, root_fixture_file: str) -> None:
    """Give `database_url` its databases, unless the test chose them or a conftest overrides the fixture."""
    if "database_url" not in metafunc.fixturenames or _explicitly_parametrized(metafunc):
        return
    definitions = getattr(metafunc, "_arg2fixturedefs", {}).get("database_url")
    if definitions:
        code = getattr(definitions[-1].func, "__code__", None)
        if code is not None and Path(code.co_filename).resolve() != Path(root_fixture_file).resolve():
            return  # a directory's own database_url (e.g. SQLite-only hostile-input tests) decides
    metafunc.parametrize("database_url", DATABASES if needs_both(metafunc.definition) else DATABASES[:1], indirect=True)
