"""Project-level promises: stdlib calendar unshadowed, settings documented, the CLI works."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from eenplan.config import Settings, documented_settings
from eenplan.domain.errors import ValidationFailed

ROOT = Path(__file__).resolve().parents[2]


def test_stdlib_calendar_works_from_the_repo_root():
    code = (
        "import calendar, email.utils, aiohttp, http.cookiejar; "
        "assert calendar.__file__ and 'site-packages' not in calendar.__file__; "
        "assert calendar.monthrange(2026, 2) == (6, 28); print(calendar.__file__)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert not out.stdout.strip().startswith(str(ROOT / "calendar"))


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for env, _default, _help in documented_settings():
        assert f"`{env}`" in readme, f"{env} missing from README"


def test_settings_from_env_and_errors_name_the_variable(tmp_path):
    s = Settings.from_env({"EENPLAN_PORT": "9000", "EENPLAN_DATA_DIR": str(tmp_path)})
    assert s.port == 9000 and s.effective_database_url.endswith(f"{tmp_path}/eenplan.db")
    assert Settings.from_env({}).host == "127.0.0.1" and Settings.from_env({}).port == 8080
    with pytest.raises(ValidationFailed) as err:
        Settings.from_env({"EENPLAN_PORT": "acht"})
    assert err.value.problems[0].field == "EENPLAN_PORT"
    with pytest.raises(ValidationFailed) as err:
        Settings.from_env({"EENPLAN_SECRET_KEY": "kort"})
    assert err.value.problems[0].field == "EENPLAN_SECRET_KEY"


def test_secret_is_generated_once_with_mode_0600(tmp_path):
    s = Settings(data_dir=tmp_path)
    key = s.signing_key()
    assert len(key) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert Settings(data_dir=tmp_path).signing_key() == key
    assert Settings(data_dir=tmp_path, secret_key="e" * 40).signing_key() == b"e" * 40


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eenplan.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
    )


def test_cli_migrate_and_demo_json(tmp_path):
    env = {"EENPLAN_DATA_DIR": str(tmp_path)}
    assert _cli("migrate", env=env).returncode == 0
    first = _cli("demo", "--json", "--if-empty", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["household"]["id"]
    people = {(b["kind"], b["role"]) for b in data["betrokkenen"]}
    assert ("klant", "ouder") in people and ("klant", "jeugdige") in people
    assert ("netwerk", "netwerklid") in people and ("professional", "procesregisseur") in people
    assert sum(1 for b in data["betrokkenen"] if b["role"] == "hulpverlener") == 2
    assert all(b["token"] and b["id"] and b["email"] for b in data["betrokkenen"])
    again = json.loads(_cli("demo", "--json", "--if-empty", env=env).stdout)
    assert again["household"]["id"] == data["household"]["id"]  # seeded once; fresh tokens
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
