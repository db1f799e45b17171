"""`eenplan inbound` on its own, as systemd runs it: it listens where EENPLAN_INBOUND_URL says, answers LMTP,
refuses mail that holds no answer in Dutch, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

from support.mail_fixtures import KEK, MAIL_DOMAIN, SECRET
from support.smtp import free_port

from .samples import plain

ROOT = Path(__file__).resolve().parents[2]


def test_the_receiver_process_answers_lmtp_and_stops_on_sigterm(tmp_path, database_url):
    port = free_port()
    env = {
        **os.environ,
        "EENPLAN_DATA_DIR": str(tmp_path / "var"),
        "EENPLAN_DATABASE_URL": database_url,
        "EENPLAN_SECRET_KEY": SECRET,
        "EENPLAN_KEY_ENCRYPTION_KEY": KEK,
        "EENPLAN_MAIL_DOMAIN": MAIL_DOMAIN,
        "EENPLAN_INBOUND_URL": f"lmtp://127.0.0.1:{port}",
        "PYTHONPATH": os.pathsep.join(str(ROOT / d) for d in ("server", "mail", "crypto", "calendar")),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "eenplan.cli", "inbound"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"eenplan inbound on lmtp://127.0.0.1:{port}" in line, line or process.stderr.read()
        client = smtplib.LMTP("127.0.0.1", port)
        try:
            group = f"plan-demo-001@{MAIL_DOMAIN}"
            refused = client.sendmail("oma@example.org", [group], plain(group, "oma@example.org", "Oma", "Hallo"))
        except smtplib.SMTPDataError as exc:
            refused = {group: (exc.smtp_code, exc.smtp_error)}
        finally:
            client.close()
        code, text = refused[group]
        assert code == 550 and b"alleen antwoorden op uitnodigingen" in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
