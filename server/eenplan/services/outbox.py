"""The outbox worker: claim due rows, re-check scope, render, encrypt once per view, send, retry.

Delivery is at-least-once, and a crash costs at most one duplicate per recipient: a claim is a lease
renewed while its rows are worked; rows go out in waves holding at most one row per recipient (in
version order), each wave sealed and sent before the next is prepared; a row is marked sent by its
claimant one group commit after the relay's 250 (`outbox_rows`). A crash in between leaves the row
leased, and after the lease it is sent again with the same Message-ID. An attempt counts only when
SMTP was tried, so a crash loop never dead-letters mail that was never tried. `stop()` (SIGTERM) lets
the messages in flight finish and gives the rest back at once.

The worker loop lives here: claim, lease renewal, wake-ups, stop. A household's rows are worked in
waves (`outbox_waves`), each row prepared against its recipient's scope (`outbox_prepare`: a plan update
whose view is the one last sent is skipped) with the household's context and envelopes
(`outbox_context`); each outcome is recorded by `outbox_rows`; the hourly jobs run beside the mail
(`outbox_jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from ..domain.cluster_ports import JobClaims, OutboxWakeSource
from ..domain.mailgroup import OutboxItem
from ..domain.mailgroup_ports import KeyringPort, MailGateway, MailStore, SendStats
from ..domain.ports import Clock, UnitOfWorkFactory
from ..logsafe import describe_error
from .journaal_mail import JournaalMail
from .mailgroup import MailgroupService
from .outbox_context import AUTOCRYPT_SECONDS, HouseholdMail
from .outbox_jobs import HourlyTask, PeriodicJob, named, run_hourly
from .outbox_prepare import UNCHANGED, RowPreparer
from .outbox_rows import RowOutcomes, WorkerSettings
from .outbox_waves import NOTICE_TEXT, PREPARE_CONCURRENCY, Waves
from .plan import PlanService

__all__ = ["AUTOCRYPT_SECONDS", "NOTICE_TEXT", "PREPARE_CONCURRENCY", "UNCHANGED", "OutboxWorker", "PeriodicJob"]

log = logging.getLogger(__name__)


class OutboxWorker:
    """Sends the outbox; several may run against PostgreSQL, one against SQLite."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        mailgroup: MailgroupService,
        gateway: MailGateway,
        keyring: KeyringPort,
        clock: Clock,
        settings: WorkerSettings,
        worker_id: str | None = None,
    ) -> None:
        self._uow = uow
        self._mail = mailgroup
        self.gateway = gateway
        self._clock = clock
        self.settings = settings
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._rows = RowOutcomes(uow, clock, settings)
        self._claims = itertools.count(1)
        addressing = HouseholdMail(uow, mailgroup, gateway, keyring, clock)
        self._preparer = RowPreparer(uow, plan, mailgroup, addressing, self._rows, self._stopped)
        self._waves = Waves(uow, gateway, addressing, self._preparer, self._rows, self._stopped)
        mailgroup.on_enqueued.append(self.wake)
        #: hourly jobs run by the worker loop, e.g. OverlegService.due_reminders (wired in bootstrap)
        #: entries are (name, job): the name is the job's claim across the cluster (a bare callable is named by
        #: its __qualname__, which changes when code is renamed — give an explicit name)
        self.periodic: list[PeriodicJob] = []
        #: several nodes (PostgreSQL): wake-ups from other nodes (NOTIFY), and hourly jobs claimed once per
        #: hour across the cluster (None: this process alone wakes itself and runs every job; wired in bootstrap)
        self.wake_source: OutboxWakeSource | None = None
        self.claims: JobClaims | None = None

    @property
    def journaal(self) -> JournaalMail | None:
        """Sends journaal messages on (OutboxKind.JOURNAAL; wired in bootstrap)."""
        return self._preparer.journaal

    @journaal.setter
    def journaal(self, journaal: JournaalMail | None) -> None:
        self._preparer.journaal = journaal

    def _stopped(self) -> bool:
        return self._stopping

    async def _run_periodic(self) -> None:
        """The hourly jobs: key-expiry warnings and those other services registered (reminder invites,
        overdue deadlines); one failing job does not stop the others. With `claims`, each job runs once
        per hour across every worker of the cluster (the one that claims it first)."""
        jobs: list[tuple[str, Callable[[], Awaitable[object]]]] = [("key-expiry", self._mail.enqueue_expiry_warnings)]
        jobs += [named(entry) for entry in self.periodic]
        await run_hourly(jobs, self.claims, self.worker_id, self._clock())

    def wake(self) -> None:
        """Rows were queued: look at the outbox now instead of at the next poll."""
        self._wake.set()

    # -- loop ---------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask `run_forever` to return (SIGTERM): the messages in flight finish and are marked, no new SMTP
        transaction starts, and the rest of the claim goes back to the queue at once."""
        self._stopping = True
        self._rows.stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        """Send until stopped; poll, or wake as soon as this process queues rows; warn of expiring keys."""
        next_expiry_check = self._clock()
        listening = None
        if self.wake_source is not None:  # other nodes' commits wake this worker too (the poll stays)
            listening = asyncio.create_task(self.wake_source.listen(self.wake), name="eenplan-outbox-listen")
        try:
            await self._loop(next_expiry_check)
        finally:
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening

    async def _loop(self, next_expiry_check: datetime) -> None:
        # The hourly jobs run in a task of their own (`HourlyTask`): a slow one never holds back the mail
        # queued meanwhile (what they queue wakes this loop like any other commit). A stop waits for it.
        hourly = HourlyTask(self._run_periodic, self._clock, next_expiry_check)
        try:
            while not self._stopping:
                try:
                    hourly.start_if_due()
                    self._wake.clear()  # every wake-up comes after its rows were committed
                    stats = await self.run_once()
                    if stats.claimed:
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the loop must survive anything; the row-level errors are recorded
                    log.error("outbox pass failed: %s", describe_error(exc))
                if self._stopping:
                    break
                with contextlib.suppress(TimeoutError):  # a poll interval passed without a wake-up
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll_seconds)
        finally:
            await hourly.finish()

    async def run_once(self) -> SendStats:
        """Claim due rows under a lease (renewed while they are worked) and process them; returns what
        happened. Rows a stop left unsent are released for the next worker."""
        token = f"{self.worker_id}:{next(self._claims)}"
        async with self._uow(write=True) as uow:
            # "now" once the write transaction holds the database (SQLite: BEGIN IMMEDIATE waits for the
            # write lock): rows committed while this claim waited are due by it, not skipped until a wake-up
            now = self._clock()
            items = await uow.mail.claim(
                now,
                now + timedelta(seconds=self.settings.lease_seconds),
                token,
                self.settings.batch,
                self.settings.max_attempts,
            )
            await uow.commit()
        stats = SendStats(claimed=len(items))
        if not items:
            return stats
        by_household: dict[str, list[OutboxItem]] = {}
        for item in items:
            by_household.setdefault(item.household_id, []).append(item)
        renewal = asyncio.create_task(self._renew(token), name="eenplan-outbox-lease")
        try:
            for household_id, rows in by_household.items():
                if self._stopping:
                    break
                await self._household(household_id, token, rows, stats)
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        if self._stopping:
            async with self._uow(write=True) as uow:
                await uow.mail.release(token)
                await uow.commit()
        return stats

    async def _renew(self, token: str) -> None:
        """Keep the claim's lease ahead of the work: renewed every third of a lease."""
        period = max(0.05, self.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(period)
            try:
                until = self._clock() + timedelta(seconds=self.settings.lease_seconds)
                await self._rows.marks.apply(functools.partial(self._renewed, token=token, until=until))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next renewal tries again; a lost lease only risks a duplicate
                log.warning("outbox lease renewal failed: %s", describe_error(exc))

    @staticmethod
    async def _renewed(mail: MailStore, token: str, until: datetime) -> bool:
        return await mail.renew(token, until) > 0

    async def _household(self, household_id: str, token: str, rows: list[OutboxItem], stats: SendStats) -> None:
        """One household's claimed rows, in waves (`outbox_waves`); a seam the bench times."""
        await self._waves.household(household_id, token, rows, stats)
