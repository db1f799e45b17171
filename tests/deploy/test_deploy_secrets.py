"""A node refuses deploy/env.example's CHANGE-ME placeholders, and a refused node exits at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import run_cli

from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "env.example"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PG_URL = "postgresql+asyncpg://eenplan_app:real-password@127.0.0.1:1/eenplan"
SECRETS = (
    "EENPLAN_SECRET_KEY",
    "EENPLAN_KEY_ENCRYPTION_KEY",
    "EENPLAN_DATABASE_URL",
    "EENPLAN_SMTP_URL",
)


def _example() -> dict[str, str]:
    """The settings deploy/env.example spells out (uncommented lines)."""
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line)
    return {name: unquoted(value) for name, value in pairs if not name.startswith("#")}


def unquoted(value: str) -> str:
    """A value as systemd's EnvironmentFile reads it: one pair of enclosing quotes removed."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _node_env(**changes: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "EENPLAN_DATABASE_URL": PG_URL,
        "EENPLAN_SECRET_KEY": SECRET,
        "EENPLAN_KEY_ENCRYPTION_KEY": KEK,
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v}


@pytest.mark.parametrize("name", SECRETS)
def test_every_placeholder_of_the_example_is_refused_by_name_without_its_value(name):
    placeholder = _example()[name]
    assert "CHANGE-ME" in placeholder
    environ = {"EENPLAN_DATABASE_URL": PG_URL, "EENPLAN_SECRET_KEY": SECRET, "EENPLAN_KEY_ENCRYPTION_KEY": KEK}
    with pytest.raises(ValidationFailed) as refused:
        Settings.from_env({**environ, name: placeholder})
    assert refused.value.problems[0].field == name
    assert placeholder not in str(refused.value) and "CHANGE-ME" in str(refused.value)


def test_a_node_with_the_example_secret_key_does_not_start():
    placeholder = _example()["EENPLAN_SECRET_KEY"]
    refused = run_cli("settings", env=_node_env(EENPLAN_SECRET_KEY=placeholder))
    assert refused.returncode == 2
    assert "EENPLAN_SECRET_KEY" in refused.stderr and "openssl rand -base64 36" in refused.stderr
    assert placeholder not in refused.stderr + refused.stdout


def test_the_example_tells_how_to_make_each_secret():
    text = ENV_EXAMPLE.read_text()
    assert "openssl rand -base64 36" in text and "openssl rand -base64 32" in text


def test_a_real_key_is_taken():
    settings = Settings.from_env({"EENPLAN_DATABASE_URL": PG_URL, "EENPLAN_SECRET_KEY": SECRET})
    assert settings.signing_key() == SECRET.encode()


def test_a_postgresql_node_without_the_kek_exits_at_once_with_the_reason(tmp_path):
    """The reviewer saw the reason printed at once and the process linger ~22 s (importing the whole server
    before the check, then tearing it down). A generous wait: it must have exited at all."""
    env = _node_env(EENPLAN_KEY_ENCRYPTION_KEY="", EENPLAN_DATA_DIR=str(tmp_path / "var"))
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    started = subprocess.run(
        [sys.executable, "-m", "eenplan.cli", "serve"], env=env, capture_output=True, text=True, timeout=15
    )
    assert started.returncode == 2
    assert "EENPLAN_KEY_ENCRYPTION_KEY" in started.stderr and "openssl rand -base64 32" in started.stderr


@pytest.mark.parametrize("command", ["serve", "worker", "inbound"])
def test_a_refused_node_never_loads_the_server(tmp_path, command):
    """What made the refusal slow: the check ran after the server's modules were imported."""
    env = _node_env(EENPLAN_KEY_ENCRYPTION_KEY="", EENPLAN_DATA_DIR=str(tmp_path / "var"))
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    probe = (
        "import sys\nfrom eenplan.cli import main\n"
        f"code = main([{command!r}])\n"
        "print(code, 'eenplan.bootstrap' in sys.modules, 'aiohttp' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert ran.stdout.split() == ["2", "False", "False"], ran.stderr


def test_the_install_steps_give_the_first_regisseur_and_the_secrets_commands():
    root = ENV_EXAMPLE.parents[1]
    deploy, readme = (root / "deploy" / "README.md").read_text(), (root / "README.md").read_text()
    assert "eenplan household open" in deploy and "eenplan household open" in readme
    assert "openssl rand -base64 36" in deploy and "openssl rand -base64 32" in deploy
    assert "var/key_encryption_key" in readme and "var/secret_key" in readme
