"""Sign-in test fixtures: an injectable clock, magic-link helpers, and a real OpenID Connect provider."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from authkit import ACCOUNTS, APP_URL, CLIENT_ID, CLIENT_SECRET

OIDC_DIR = Path(__file__).parent / "oidc"


@dataclass
class Provider:
    """A running OIDC provider."""

    issuer: str
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str):
    if os.environ.get("EENPLAN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"the OIDC tests need {reason} (make test runs `npm ci` in tests/auth/oidc)")
    pytest.skip(f"OIDC provider unavailable: {reason}")


@pytest.fixture(scope="session")
def oidc_provider():
    """panva/oidc-provider (OpenID Certified) on 127.0.0.1, with one client and the ACCOUNTS."""
    import json

    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        _unavailable("Node.js (node) on PATH")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        if not npm:
            _unavailable("npm to install tests/auth/oidc")
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, timeout=300)
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{APP_URL}/auth/oidc/callback",
        "ACCOUNTS": json.dumps(ACCOUNTS),
    }
    process = subprocess.Popen(
        [node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        deadline = time.monotonic() + 30
        line = process.stdout.readline()
        while not line.startswith("READY") and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
        if not line.startswith("READY"):
            pytest.fail("the OIDC provider did not start (run `node tests/auth/oidc/provider.mjs` to see why)")
        yield Provider(line.split()[1], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
