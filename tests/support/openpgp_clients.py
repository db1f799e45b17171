"""The recipients' own OpenPGP engines, driven from their command lines: RNP (Thunderbird's engine; Debian's
`rnp` 0.16), Sequoia (`sq` 0.27), GnuPG (`gpg`, what GPGME clients and Enigmail-era setups use) and, when
its npm package is installed, OpenPGP.js (the engine of Proton and Mailvelope; `tests/crypto/openpgpjs`).

Each `open_with(client, …)` decrypts one message with one recipient's secret key and verifies its signature
against the household's public key, the way that client would: it returns the plaintext only when the
client both decrypted it and reported a good signature by that key, and raises `ClientRefused` otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eenplan_crypto.testing import TestKey, gpg_status

OPENPGPJS_DIR = Path(__file__).resolve().parents[1] / "crypto" / "openpgpjs"
CLIENTS = ("rnp", "sq", "gpg", "openpgpjs")


class ClientRefused(AssertionError):
    """The client did not decrypt the message, or did not find a good signature by the expected key."""


@dataclass(frozen=True)
class Signer:
    """The household's public signing key, as a recipient would have imported it."""

    fingerprint: str
    armored: str


def available(client: str) -> bool:
    """Whether this client can run here (its CLI is installed; OpenPGP.js: its node_modules are)."""
    if client == "openpgpjs":
        return shutil.which("node") is not None and (OPENPGPJS_DIR / "node_modules" / "openpgp").is_dir()
    return shutil.which(client) is not None


def secret_key(key: TestKey) -> bytes:
    """The key's secret half, ASCII-armored, without a passphrase (as the member's client holds it)."""
    proc = key.gpg("--armor", "--export-secret-keys", key.fingerprint)
    if proc.returncode != 0 or b"PRIVATE KEY BLOCK" not in proc.stdout:
        raise RuntimeError(f"cannot export the secret key of {key.name}")
    return proc.stdout


def _run(cmd: list[str], stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=120, check=False, cwd=cwd)


def _rnp(message: bytes, key: TestKey, signer: Signer, work: Path) -> bytes:
    home = work / "rnp"
    home.mkdir(mode=0o700)
    (work / "sec.asc").write_bytes(secret_key(key))
    (work / "signer.asc").write_text(signer.armored)
    for name in ("sec.asc", "signer.asc"):
        imported = _run(["rnpkeys", "--homedir", str(home), "--import", str(work / name)])
        if imported.returncode != 0:
            raise RuntimeError(f"rnpkeys could not import {name}: {imported.stderr.decode(errors='replace')}")
    (work / "msg.asc").write_bytes(message)
    proc = _run(["rnp", "--homedir", str(home), "--password", "", "--decrypt", str(work / "msg.asc"), "--output", "-"])
    report = proc.stderr.decode(errors="replace")
    key_id = signer.fingerprint[-16:].lower()
    good = "Good signature" in report and f"key {key_id}" in report and "verified successfully" in report
    if proc.returncode != 0 or not good:
        raise ClientRefused(f"rnp (exit {proc.returncode}): {report.strip()[:400]}")
    return proc.stdout


def _sq(message: bytes, key: TestKey, signer: Signer, work: Path) -> bytes:
    (work / "sec.asc").write_bytes(secret_key(key))
    (work / "signer.asc").write_text(signer.armored)
    (work / "msg.asc").write_bytes(message)
    # with --signer-cert, sq prints the plaintext only if a good signature by that certificate is found
    proc = _run(
        ["sq", "decrypt", "--recipient-key", "sec.asc", "--signer-cert", "signer.asc", "msg.asc"],
        cwd=work,
    )
    report = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or f"Good signature from {signer.fingerprint[-16:]}" not in report:
        raise ClientRefused(f"sq (exit {proc.returncode}): {report.strip()[:400]}")
    return proc.stdout


def _gpg(message: bytes, key: TestKey, signer: Signer, work: Path) -> bytes:
    key.gpg("--import", input=signer.armored.encode())
    proc = key.gpg("--status-fd", "2", "--decrypt", input=message)
    status = gpg_status(proc)
    validsig = [value.split()[-1] for keyword, value in status if keyword == "VALIDSIG"]
    okay = any(keyword == "DECRYPTION_OKAY" for keyword, _ in status)
    if proc.returncode != 0 or not okay or validsig != [signer.fingerprint]:  # exit 2 counts as a failure
        raise ClientRefused(f"gpg (exit {proc.returncode}): {status}")
    return proc.stdout


def _openpgpjs(message: bytes, key: TestKey, signer: Signer, work: Path) -> bytes:
    request = {
        "message": message.decode("ascii"),
        "secretKey": secret_key(key).decode("ascii"),
        "signerKey": signer.armored,
    }
    proc = _run(["node", str(OPENPGPJS_DIR / "open.mjs")], stdin=json.dumps(request).encode(), cwd=OPENPGPJS_DIR)
    report = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise ClientRefused(f"openpgp.js (exit {proc.returncode}): {report.strip()[:400]}")
    answer = json.loads(proc.stdout)
    if answer.get("signer", "").upper() != signer.fingerprint[-16:]:
        raise ClientRefused(f"openpgp.js: signature not by the household key ({answer.get('signer')})")
    return bytes.fromhex(answer["plaintext"])


_DRIVERS = {"rnp": _rnp, "sq": _sq, "gpg": _gpg, "openpgpjs": _openpgpjs}


def open_with(client: str, message: bytes, key: TestKey, signer: Signer) -> bytes:
    """Decrypt `message` with `key`'s secret half in `client` and verify the household's signature on it;
    the plaintext, or ClientRefused."""
    work = Path(tempfile.mkdtemp(prefix="c", dir="/tmp"))
    os.chmod(work, 0o700)
    try:
        return _DRIVERS[client](message, key, signer, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
