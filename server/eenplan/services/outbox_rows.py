"""What becomes of an outbox row after an attempt: sent, retried with backoff, or final (dead letter, skipped)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

from ..domain.betrokkene import Betrokkene
from ..domain.errors import PermanentFailure, TemporaryFailure, ValidationFailed
from ..domain.mailgroup import OutboxItem, OutboxStatus, backoff_seconds
from ..domain.mailgroup_ports import Envelope, MailBody, SendStats
from ..domain.ports import Clock, UnitOfWorkFactory

log = logging.getLogger("eenplan.services.outbox")


@dataclass(frozen=True)
class WorkerSettings:
    """Tuning of one worker."""

    lease_seconds: float = 300.0
    batch: int = 200
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    poll_seconds: float = 2.0
    concurrency: int = 8


@dataclass
class Job:
    """One row on its way: who it goes to, its envelope, and (once sealed) its body."""

    item: OutboxItem
    person: Betrokkene
    envelope: Envelope
    fingerprint: str | None = None
    body: MailBody | None = None
    view: str = ""


class RowOutcomes:
    """Records each attempt's outcome in its own transaction, and bounds concurrent sends."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, settings: WorkerSettings) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings
        self.limit = asyncio.Semaphore(settings.concurrency)

    async def deliver(self, job: Job, send: Awaitable[object], stats: SendStats, notice: bool) -> None:
        """Send, then mark the row sent — only after the relay's 250."""
        try:
            async with self.limit:
                await send
        except Exception as exc:
            await self.failed(job.item, exc, stats)
            return
        # The relay has the message (250). From here a crash may resend once, with the same Message-ID.
        async with self._uow(write=True) as uow:
            await uow.mail.mark_sent(job.item.id, self._clock(), job.envelope.message_id)
            await uow.commit()
        stats.sent += 1
        stats.notices += int(notice)

    async def final(self, item: OutboxItem, status: OutboxStatus, error: str, stats: SendStats) -> None:
        """A row that will not be tried again: a dead letter (visible, re-queueable) or skipped."""
        async with self._uow(write=True) as uow:
            await uow.mail.mark_final(item.id, status, error)
            await uow.commit()
        if status is OutboxStatus.DEAD:
            stats.dead += 1
        else:
            stats.skipped += 1

    async def failed(self, item: OutboxItem, exc: BaseException, stats: SendStats) -> None:
        """Temporary trouble → retry with backoff until max attempts; permanent → dead letter at once."""
        error = getattr(exc, "detail", None) or type(exc).__name__
        stats.errors.append(error)
        if isinstance(exc, (PermanentFailure, ValidationFailed)):
            await self.final(item, OutboxStatus.DEAD, error, stats)
            return
        if item.attempts >= self.settings.max_attempts:
            await self.final(item, OutboxStatus.DEAD, f"{error} (after {item.attempts} attempts)", stats)
            return
        if not isinstance(exc, TemporaryFailure):
            log.warning("outbox row %s failed: %s", item.id, type(exc).__name__)
        delay = backoff_seconds(item.attempts, self.settings.backoff_seconds)
        async with self._uow(write=True) as uow:
            await uow.mail.mark_retry(item.id, self._clock() + timedelta(seconds=delay), error)
            await uow.commit()
        stats.retried += 1
