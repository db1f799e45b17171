"""Helpers of the kill campaign: a relay that can kill the worker right after its 250, `eenplan worker` as a
real child process, and the outbox's state as the database holds it."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import fields
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller

from eenplan.config import Settings

from .cli import _child, _forkserver
from .smtp import Peer, free_port


class KillingRelay(Peer):
    """An SMTP peer that records what it accepts and, when armed, runs a hook right after answering 250."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.after_250: Callable[[], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, envelope.original_content))
            self.accepted += 1
            hook, self.after_250 = self.after_250, None
        if hook is not None:  # the 250 below is written first; the hook runs a moment later
            asyncio.get_running_loop().call_later(0.002, hook)
        return "250 Message accepted for delivery"

    def received(self) -> Counter[tuple[str, str]]:
        """How often each (recipient, Message-ID) arrived."""
        parser = BytesHeaderParser()
        with self.lock:
            messages = list(self.messages)
        return Counter((rcpt, str(parser.parsebytes(raw)["Message-ID"])) for rcpt, raw in messages)


def start_relay() -> tuple[str, KillingRelay, Controller]:
    """A KillingRelay on a free port: (smtp URL, relay, controller to stop)."""
    relay = KillingRelay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, data_size_limit=20_000_000)
    controller.start()
    return f"smtp://127.0.0.1:{port}", relay, controller


def worker_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """The environment that makes `eenplan worker` use these settings (EENPLAN_* variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EENPLAN_")}
    for f in fields(Settings):
        value = overrides.get(f.name, getattr(settings, f.name))
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f.metadata["env"]] = str(value)
    return env


class WorkerProcess:
    """`eenplan worker` in its own process (forked from the test forkserver: it starts in milliseconds)."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        context = _forkserver()
        self._answer, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(("worker",), env, str(cwd), send), daemon=True)
        self.process.start()
        send.close()

    @property
    def pid(self) -> int:
        """The worker's process id."""
        assert self.process.pid is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: the worker dies wherever it is."""
        if self.process.is_alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.join(10)
        self._answer.close()

    def terminate(self, timeout: float = 30) -> tuple[int, str, str]:
        """SIGTERM and wait for the worker's own exit: (exit code, stdout, stderr)."""
        os.kill(self.pid, signal.SIGTERM)
        try:
            if not self._answer.poll(timeout):
                raise AssertionError("the worker did not stop after SIGTERM")
            code, out, err = self._answer.recv()
        finally:
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
            self._answer.close()
        return code, out, err


async def outbox_rows(services, household_id: str) -> list:
    """Every outbox row of a household, as the database holds it now."""
    async with services.mailgroup._uow() as uow:
        return await uow.mail.list_outbox(household_id, None, 10_000)


async def claims(services) -> set[str]:
    """The claims (worker token) holding queued rows right now; a killed worker's stay until its lease ends."""
    import sqlalchemy as sa

    from eenplan.storage.tables_mail import OutboxRow

    async with services.mailgroup._uow() as uow:
        result = await uow.session.execute(
            sa.select(OutboxRow.claimed_by)
            .where(OutboxRow.status == "queued", OutboxRow.claimed_by.is_not(None))
            .distinct()
        )
        return {str(token) for token in result.scalars()}
