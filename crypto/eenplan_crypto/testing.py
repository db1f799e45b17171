"""Test support: make throw-away OpenPGP keys with the real gpg command line.

Only for tests (ours and other packages'): every key lives in its own short
temporary GNUPGHOME, like a member's own mail client would. Key generation is
the slow part of the test suite, so `create_keys` generates in parallel and
callers should keep the result in a session-scoped fixture.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_PAST = ["--faked-system-time", "20200101T000000!"]

#: recipe name -> list of gpg invocations; "{uid}" and "{fpr}" are filled in
RECIPES: dict[str, list[list[str]]] = {
    "good": [
        ["--quick-gen-key", "{uid}", "ed25519", "sign,cert", "1y"],
        ["--quick-add-key", "{fpr}", "cv25519", "encr", "1y"],
    ],
    "subkey_expiring": [
        ["--quick-gen-key", "{uid}", "ed25519", "sign,cert", "never"],
        ["--quick-add-key", "{fpr}", "cv25519", "encr", "1y"],
    ],
    "rsa3072": [
        ["--quick-gen-key", "{uid}", "rsa3072", "sign,cert", "1y"],
        ["--quick-add-key", "{fpr}", "rsa3072", "encr", "1y"],
    ],
    "weak_rsa2048": [
        ["--quick-gen-key", "{uid}", "rsa2048", "sign,cert", "never"],
        ["--quick-add-key", "{fpr}", "rsa2048", "encr", "never"],
    ],
    "expired": [
        [*_PAST, "--quick-gen-key", "{uid}", "ed25519", "sign,cert", "1d"],
        [*_PAST, "--quick-add-key", "{fpr}", "cv25519", "encr", "1d"],
    ],
    "revoked": [
        ["--quick-gen-key", "{uid}", "ed25519", "sign,cert", "never"],
        ["--quick-add-key", "{fpr}", "cv25519", "encr", "never"],
        ["REVOKE"],
    ],
    "sign_only": [["--quick-gen-key", "{uid}", "ed25519", "sign,cert", "1y"]],
}


def make_home() -> Path:
    """A new short GNUPGHOME under /tmp with mode 0700 (agent socket paths must stay short)."""
    home = Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))
    os.chmod(home, 0o700)
    return home


@dataclass
class TestKey:
    """A key pair in its own GNUPGHOME, with its public half exported."""

    __test__ = False  # not a pytest test class

    name: str
    home: Path
    fingerprint: str
    armored_public: str

    def gpg(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run gpg in this key's home (batch, empty passphrase); output captured, not checked."""
        return run_gpg(self.home, *args, input=input)

    def decrypt(self, data: bytes) -> tuple[bytes, list[tuple[str, str]]]:
        """Decrypt (and verify) like a member's mail client: (plaintext, status lines)."""
        proc = self.gpg("--status-fd", "2", "--decrypt", input=data)
        return proc.stdout, gpg_status(proc)

    def cleanup(self) -> None:
        """Stop the home's gpg-agent and delete the home."""
        remove_home(self.home)


def run_gpg(home: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the gpg CLI against `home` in batch mode with an empty passphrase."""
    cmd = [
        "gpg",
        "--homedir",
        str(home),
        "--batch",
        "--no-tty",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        *args,
    ]
    return subprocess.run(cmd, input=input, capture_output=True, timeout=120, check=False)


def gpg_status(proc: subprocess.CompletedProcess[bytes]) -> list[tuple[str, str]]:
    """Status lines ("[GNUPG:] KEYWORD args") of a gpg run made with --status-fd 2."""
    out = []
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("[GNUPG:] "):
            keyword, _, value = line[9:].partition(" ")
            out.append((keyword, value))
    return out


def remove_home(home: Path) -> None:
    """Kill the gpg-agent of `home` (by its homedir, nothing else) and remove the directory."""
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, timeout=30, check=False)
    shutil.rmtree(home, ignore_errors=True)


def _first_fpr(home: Path) -> str:
    out = run_gpg(home, "--with-colons", "--list-keys").stdout.decode()
    return str(next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:")))


def create_key(name: str, recipe: str, uid: str) -> TestKey:
    """Create one key in a fresh home following RECIPES[recipe]."""
    home = make_home()
    fpr = ""
    for step in RECIPES[recipe]:
        if step == ["REVOKE"]:
            cert = (home / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
            cert = cert.replace(":-----BEGIN", "-----BEGIN")
            proc = run_gpg(home, "--import", input=cert.encode())
        else:
            proc = run_gpg(home, *[a.format(uid=uid, fpr=fpr) for a in step])
        if proc.returncode != 0:
            raise RuntimeError(f"gpg failed for {name}: {proc.stderr.decode(errors='replace')}")
        fpr = fpr or _first_fpr(home)
    armored = run_gpg(home, "--armor", "--export", fpr).stdout.decode()
    return TestKey(name=name, home=home, fingerprint=fpr, armored_public=armored)


def create_keys(specs: dict[str, tuple[str, str]]) -> dict[str, TestKey]:
    """Create several keys in parallel: {name: (recipe, uid)} -> {name: TestKey}."""
    with ThreadPoolExecutor(max_workers=max(1, len(specs))) as pool:
        futures = {name: pool.submit(create_key, name, recipe, uid) for name, (recipe, uid) in specs.items()}
        return {name: f.result() for name, f in futures.items()}
