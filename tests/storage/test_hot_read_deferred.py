"""SQLite: a warm plan read (API token, `SETTLED_BY_LOG`) asks nothing before it is decided; its own access-log
batch checks `PRAGMA data_version` inside its write lock, and a read decided before another connection
committed is done again cold, never answered from the stale decision.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from eenplan.domain.access import Principal

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _path(settings: Any) -> str:
    return str(settings.effective_database_url.split("///", 1)[1])


@contextmanager
def _statements(services: Any) -> Iterator[list[str]]:
    """Every statement run on the loop's connection while the block runs."""
    seen: list[str] = []
    raw = services.plan._reads._raw()
    raw.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)


def _commit_elsewhere(settings: Any, sql: str, params: tuple[Any, ...]) -> None:
    """A change committed through a connection of its own (as another process would)."""
    with sqlite3.connect(_path(settings)) as other:
        other.execute(sql, params)
    other.close()


def _revoke_elsewhere(settings: Any, jti: str, household_id: str) -> None:
    _commit_elsewhere(
        settings,
        "INSERT INTO token_revocation (jti, scope, revoked_by, revoked_at, expires_at) "
        "VALUES (?, ?, NULL, '2026-01-01 00:00:00', '2999-01-01 00:00:00')",
        (jti, household_id),
    )


def _before_the_batch(monkeypatch: Any, services: Any, change: Any) -> None:
    """Run `change` once, after the next read was decided and just before its log batch takes the lock."""
    db = services.plan._reads._loop_db
    original = db.append_checked
    done: list[bool] = []

    def append_checked(groups: Any) -> set[int]:
        if not done:
            done.append(True)
            change()
        return set(original(groups))

    monkeypatch.setattr(db, "append_checked", append_checked)


async def _plan_reader(client: Any, services: Any, demo: Any) -> tuple[str, dict[str, str], str]:
    hh = demo["household"]["id"]
    issued = services.tokens.issue_token(Principal(demo["regisseur"]["id"], hh))
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get(f"/api/households/{hh}/plan", headers=headers)).status == 200  # warm
    return hh, headers, issued.jti


async def test_a_warm_plan_read_checks_only_inside_its_log_batch(client, demo, services):
    hh, headers, _ = await _plan_reader(client, services, demo)
    with _statements(services) as seen:
        assert (await client.get(f"/api/households/{hh}/plan", headers=headers)).status == 200
    checks = [i for i, sql in enumerate(seen) if "data_version" in sql]
    assert checks, "the log batch checks"
    assert all(seen[i - 1] == "BEGIN IMMEDIATE" for i in checks)  # none before the decision


async def test_a_revocation_committed_before_the_batch_is_refused(client, demo, services, settings, monkeypatch):
    hh, headers, jti = await _plan_reader(client, services, demo)
    _before_the_batch(monkeypatch, services, lambda: _revoke_elsewhere(settings, jti, hh))
    with _statements(services) as seen:
        response = await client.get(f"/api/households/{hh}/plan", headers=headers)
    assert response.status == 401
    assert not any(sql.startswith("INSERT INTO access_log ") for sql in seen)  # the stale decision left no row


async def test_a_role_changed_before_the_batch_decides_that_read(client, demo, services, settings, monkeypatch):
    hh, headers, _ = await _plan_reader(client, services, demo)
    before = await (await client.get(f"/api/households/{hh}/plan", headers=headers)).json()
    _before_the_batch(
        monkeypatch,
        services,
        lambda: _commit_elsewhere(
            settings, "UPDATE betrokkene SET role = 'hulpverlener' WHERE id = ?", (demo["regisseur"]["id"],)
        ),
    )
    response = await client.get(f"/api/households/{hh}/plan", headers=headers)
    assert response.status == 200
    after = await response.json()
    assert set(after["sections"]) < set(before["sections"])  # answered as the database is now
