"""The NEN 7513 access log: every read logged, append-only, hash-chained, free of content and secrets."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
import sqlalchemy as sa
from support.helpers import bearer, patch_plan, plan_url
from support.tamper import tamper_with_log

from eenplan.storage.engine import create_engine

CANARY = "CANARY-PLANTEXT-5d81e"


def hh(demo, suffix=""):
    return f"/api/households/{demo['household']['id']}{suffix}"


async def _log(client, demo) -> list[dict]:
    resp = await client.get(hh(demo, "/toegangslog?limit=500"), headers=bearer(demo["by_name"]["Fatima El Amrani"]))
    assert resp.status == 200
    return (await resp.json())["entries"]


async def test_every_read_and_change_is_logged(client, demo):
    before = len(await _log(client, demo))
    joost = demo["by_name"]["Joost Willems"]
    for path in ("", "/versions/2", "/diff?from=1&to=2"):
        assert (await client.get(plan_url(demo, path), headers=bearer(joost))).status == 200
    assert (await patch_plan(client, demo, {"analyse": {"analyse": "x"}}, version=2)).status == 200
    entries = await _log(client, demo)
    new = entries[: len(entries) - before]
    reads = [e for e in new if e["event"] == "read" and e["actor_id"] == joost["id"]]
    assert len(reads) == 3
    assert {e["detail"] for e in reads} == {"versie 2", "diff 1-2"}
    assert all(e["sections"] == ["algemeen", "doelen", "afspraken"] or "diff" in e["detail"] for e in reads)
    assert any(e["event"] == "change" and e["sections"] == ["analyse"] for e in new)
    assert entries[-1]["event"] == "create"
    assert (await client.get(hh(demo, "/toegangslog"), headers=bearer(joost))).status == 403


async def test_no_content_tokens_or_secrets_in_logs(client, demo, settings, caplog):
    caplog.set_level(logging.DEBUG)
    assert (await patch_plan(client, demo, {"analyse": {"analyse": CANARY}}, version=2)).status == 200
    for person in demo["betrokkenen"]:
        await client.get(plan_url(demo), headers=bearer(person))
        await client.get(plan_url(demo, "/diff?from=2&to=3"), headers=bearer(person))
    bad = await client.patch(
        plan_url(demo),
        json={"analyse": {"analyse": CANARY, "x": CANARY}},
        headers=bearer(demo["regisseur"]) | {"If-Match": '"3"'},
    )
    assert bad.status == 422 and CANARY not in await bad.text()
    engine = create_engine(settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT * FROM access_log"))).all()
    finally:
        await engine.dispose()
    dump = repr(rows) + caplog.text
    assert rows
    for secret in [CANARY, settings.secret_key] + [p["token"] for p in demo["betrokkenen"]]:
        assert secret not in dump


async def test_log_is_append_only_for_the_application(client, demo, settings):
    await client.get(plan_url(demo), headers=bearer(demo["regisseur"]))
    engine = create_engine(settings.effective_database_url)
    try:
        for statement in ("UPDATE access_log SET actor_id = NULL", "DELETE FROM access_log"):
            with pytest.raises(sa.exc.DBAPIError):
                async with engine.begin() as conn:
                    await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def test_tampered_row_is_detected(client, demo, services, settings):
    await client.get(plan_url(demo), headers=bearer(demo["by_name"]["Joost Willems"]))
    assert all(check.ok for check in await services.access_log.verify())
    await tamper_with_log(
        settings,
        f"UPDATE access_log SET actor_id = 'someone-else' WHERE seq = 2 AND household_id = '{demo['household']['id']}'",
    )
    checks = await services.access_log.verify(demo["household"]["id"])
    assert checks[0].broken_at == [2]


async def test_removed_tail_is_detected_by_the_cli(client, demo, settings):
    await client.get(plan_url(demo), headers=bearer(demo["by_name"]["Joost Willems"]))
    env = {
        "EENPLAN_DATABASE_URL": settings.effective_database_url,
        "EENPLAN_SECRET_KEY": settings.secret_key,
        "EENPLAN_DATA_DIR": str(settings.data_dir),
    }
    ok = subprocess.run(
        [sys.executable, "-m", "eenplan.cli", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env | {"PATH": "/usr/bin:/bin"},
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    await tamper_with_log(
        settings,
        f"DELETE FROM access_log WHERE household_id = '{demo['household']['id']}' "
        f"AND seq = (SELECT MAX(seq) FROM access_log WHERE household_id = '{demo['household']['id']}')",
    )
    broken = subprocess.run(
        [sys.executable, "-m", "eenplan.cli", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env | {"PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode == 1 and "BROKEN" in broken.stdout
