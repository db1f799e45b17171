"""What becomes of an outbox row after an attempt: sent, retried with backoff, or final (dead letter, skipped).

Every change to a row names the claim that holds it (`token`): a worker whose lease ran out and was
taken over changes nothing, and sends nothing more. An attempt is counted by `begin`, right before
SMTP is tried, or by a failure recorded before SMTP; a claim alone, or a crash before SMTP, costs none.
The marks of concurrent sends share transactions (`Marks`, a group commit), so a row is marked sent
one commit after its 250 — not after the rest of its batch.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from ..domain.betrokkene import Betrokkene
from ..domain.errors import PermanentFailure, TemporaryFailure, ValidationFailed
from ..domain.key_ports import KeyEncryptionKeyMismatch
from ..domain.mailgroup import OutboxItem, OutboxStatus, backoff_seconds
from ..domain.mailgroup_ports import Envelope, MailBody, MailStore, SendStats
from ..domain.ports import Clock, UnitOfWorkFactory

log = logging.getLogger("eenplan.services.outbox")
_SMTP_CODE = re.compile(r"SMTP (\d{3})\b")

#: one change to one row inside a shared transaction; answers whether the claim still held the row
Mark = Callable[[MailStore], Awaitable[bool]]


@dataclass(frozen=True)
class WorkerSettings:
    """Tuning of one worker."""

    lease_seconds: float = 300.0
    batch: int = 200
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    poll_seconds: float = 2.0
    #: SMTP transactions at once: a view's recipients (a wave has up to one row per member) begin in one commit
    concurrency: int = 20
    #: told (kind, "sent" | "retried" | "dead") after each attempt's outcome is recorded: the metrics (bootstrap)
    observe: Callable[[str, str], None] | None = None


@dataclass
class Job:
    """One row on its way: who it goes to, its envelope, and (once sealed) its body."""

    item: OutboxItem
    person: Betrokkene
    envelope: Envelope
    fingerprint: str | None = None
    body: MailBody | None = None
    view: str = ""
    view_hash: str | None = None  # what this plan update shows its recipient, hashed (stored when sent)
    begun: bool = False  # SMTP was tried: the attempt is already counted


class Marks:
    """Group commit of row changes: whoever waits joins the next transaction; one runs at a time."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._pending: list[tuple[Mark, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def apply(self, mark: Mark) -> bool:
        """Run `mark` in the next shared transaction; True once it is committed and changed the row."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((mark, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)  # a cancelled sender does not cancel the others' commit

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._uow(write=True) as uow:
                    results = [await mark(uow.mail) for mark, _ in batch]
                    await uow.commit()
            except BaseException as exc:  # the batch failed as one: every waiter learns it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), changed in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(changed)


class RowOutcomes:
    """Records each attempt's outcome under its claim, and bounds concurrent sends."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, settings: WorkerSettings) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings
        self.limit = asyncio.Semaphore(settings.concurrency)
        self.marks = Marks(uow)
        self.stopping = False  # set by the worker's stop(): no new SMTP transaction starts

    async def deliver(
        self, job: Job, token: str, send: Callable[[], Awaitable[object]], stats: SendStats, notice: bool
    ) -> None:
        """Count the attempt, send, and mark the row sent right after the relay's 250 — all under the claim."""
        item = job.item
        async with self.limit:
            if self.stopping:  # not begun: the row goes back to the queue when the claim is released
                return
            if not await self.marks.apply(lambda mail: mail.begin(item.id, token)):
                log.warning("outbox row %s: claim lost before sending; left to its new claimant", item.id)
                stats.errors.append("claim lost")
                return
            job.begun = True
            try:
                await send()
            except Exception as exc:
                await self.failed(job, token, exc, stats)
                return
        # The relay has the message (250). Until this commit a crash resends it once, with the same Message-ID.
        at, message_id, view_hash = self._clock(), job.envelope.message_id, job.view_hash
        if not await self.marks.apply(lambda mail: mail.mark_sent(item.id, token, at, message_id, view_hash)):
            log.warning("outbox row %s was sent after its claim was taken over", item.id)
        stats.sent += 1
        self._observe(item, "sent")
        stats.notices += int(notice)

    async def final(self, item: OutboxItem, token: str, status: OutboxStatus, error: str, stats: SendStats) -> None:
        """A row that will not be tried again: a dead letter (visible, re-queueable) or skipped."""
        await self.marks.apply(lambda mail: mail.mark_final(item.id, token, status, error))
        if status is OutboxStatus.DEAD:
            stats.dead += 1
            self._observe(item, "dead")
            smtp = _SMTP_CODE.match(error)  # the code only: a relay's reason may quote an address
            log.warning(
                "outbox row %s (%s) is a dead letter: %s",
                item.id,
                item.kind.value,
                f"SMTP {smtp.group(1)}" if smtp else "no SMTP reply code",
            )
        else:
            stats.skipped += 1

    async def failed(self, job: Job | OutboxItem, token: str, exc: BaseException, stats: SendStats) -> None:
        """Temporary trouble → retry with backoff until max attempts; permanent → dead letter at once."""
        item, begun = (job.item, job.begun) if isinstance(job, Job) else (job, False)
        attempts = item.attempts + 1  # this one: counted by `begin`, or below when it failed before SMTP
        error = getattr(exc, "detail", None) or type(exc).__name__
        stats.errors.append(error)
        if isinstance(exc, (PermanentFailure, ValidationFailed)):
            await self.final(item, token, OutboxStatus.DEAD, error, stats)
            return
        if isinstance(exc, KeyEncryptionKeyMismatch):  # this node's configuration: no attempt, never a dead letter
            delay = backoff_seconds(item.attempts + 1, self.settings.backoff_seconds)
            next_at = self._clock() + timedelta(seconds=delay)
            await self.marks.apply(lambda mail: mail.mark_retry(item.id, token, next_at, error, False))
            stats.retried += 1
            self._observe(item, "retried")
            return
        if attempts >= self.settings.max_attempts:
            await self.final(item, token, OutboxStatus.DEAD, f"{error} (after {attempts} attempts)", stats)
            return
        if not isinstance(exc, TemporaryFailure):
            log.warning("outbox row %s failed: %s", item.id, type(exc).__name__)
        next_at = self._clock() + timedelta(seconds=backoff_seconds(attempts, self.settings.backoff_seconds))
        await self.marks.apply(lambda mail: mail.mark_retry(item.id, token, next_at, error, not begun))
        stats.retried += 1
        self._observe(item, "retried")

    def _observe(self, item: OutboxItem, outcome: str) -> None:
        if self.settings.observe is not None:
            self.settings.observe(item.kind.value, outcome)
