"""A household's claimed rows in waves: each wave prepared side by side, its views sealed, its mail sent.

Wave n holds each recipient's n-th row (in version order): one row per recipient in flight, so a crash
duplicates at most one message per recipient, and a later version sees the earlier one sent. Recipients
who see exactly the same content (same version, same sections, same "since") share one encryption; each
still gets its own SMTP envelope. Recipients without a usable key get a signed, content-free notice —
never plaintext.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
from collections.abc import Callable

from ..domain.invite_mail import invite_mail
from ..domain.mailgroup import (
    EXPIRY_WARNING_DAYS,
    KEY_EXPIRY_TEXT,
    SIGNIN_LINK_TEXT,
    OutboxItem,
    OutboxKind,
)
from ..domain.mailgroup_ports import MailGateway, Sealed, SendStats
from ..domain.ports import UnitOfWorkFactory
from .journaal_mail import NOTICE_TEXT as JOURNAAL_NOTICE
from .journaal_mail import journaal_link
from .outbox_context import HouseholdContext, HouseholdMail
from .outbox_prepare import RowPreparer
from .outbox_rows import Job, RowOutcomes

NOTICE_TEXT = (
    "Er is iets nieuws in het plan waar u bij betrokken bent.\n\n"
    "Wij sturen de inhoud niet in een gewone e-mail.\n"
    "Log in via de link hieronder om het te lezen.\n"
)

#: rows of a wave prepared side by side (scoped reads, PDFs): their access-log entries share group commits
PREPARE_CONCURRENCY = 20


class Waves:
    """Works one household's claimed rows, wave by wave, under the claim's token."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: MailGateway,
        addressing: HouseholdMail,
        preparer: RowPreparer,
        rows: RowOutcomes,
        stopping: Callable[[], bool],
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._to = addressing
        self._prepare = preparer
        self._rows = rows
        self._stopping = stopping

    async def household(self, household_id: str, token: str, rows: list[OutboxItem], stats: SendStats) -> None:
        """Send one household's claimed rows, wave by wave; without its context, every row is retried later."""
        try:
            ctx = await self._to.context(household_id)
        except Exception as exc:  # keyring or database trouble: retry every row later
            for item in rows:
                await self._rows.failed(item, token, exc, stats)
            return
        per_recipient: dict[str, list[OutboxItem]] = {}
        for item in rows:  # claim() sorted them by version, then age
            per_recipient.setdefault(item.recipient_id, []).append(item)
        # Wave n holds each recipient's n-th row: one row per recipient in flight, in version order, so a
        # crash duplicates at most one message per recipient, and the later versions see the earlier sent.
        for wave in itertools.zip_longest(*per_recipient.values()):
            if self._stopping():
                return
            await self._wave(ctx, token, [item for item in wave if item is not None], stats)

    async def _wave(self, ctx: HouseholdContext, token: str, rows: list[OutboxItem], stats: SendStats) -> None:
        # Prepare the wave's rows side by side (scoped reads, the access log's group commit, a PDF per scoped
        # snapshot rendered once in a thread). A row that needs no shared encryption (a notice, an invite
        # sealed alone) goes out as soon as it is prepared; once every row is prepared, each view is sealed
        # (the keyring runs a few gpg passes at once, the view with most recipients first) and its recipients'
        # messages go out as soon as that view is sealed, while the other views are still being sealed.
        await self._last_sent_of(ctx, rows)
        limit = asyncio.Semaphore(PREPARE_CONCURRENCY)
        groups: dict[str, list[Job]] = {}
        sending: list[asyncio.Future[None]] = []

        async def prepared(item: OutboxItem) -> None:
            async with limit:
                job = await self._prepare.job(ctx, token, item, stats)
            if job is None:
                return
            if job.body is not None and job.fingerprint and job.view:
                groups.setdefault(job.view, []).append(job)  # all of a view's rows known only once all are prepared
            else:
                sending.append(asyncio.ensure_future(self._send_single(ctx, token, job, stats)))

        try:
            await asyncio.gather(*(prepared(item) for item in rows))
            if not self._stopping():
                by_size = sorted(groups.values(), key=len, reverse=True)
                sending += [asyncio.ensure_future(self._seal_and_send(ctx, token, jobs, stats)) for jobs in by_size]
        except asyncio.CancelledError:  # the worker itself is cancelled (torn down, not a stop): so are its sends;
            for task in sending:  # an unmarked 250 is sent again after the lease, like after a crash
                task.cancel()
            raise
        finally:  # every send begun is finished (and marked) before the wave ends, whatever else failed
            outcomes = await asyncio.gather(*sending, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _last_sent_of(self, ctx: HouseholdContext, rows: list[OutboxItem]) -> None:
        """What each plan-update row's recipient was last sent (version, view hash), read for the whole wave in
        one transaction: after the previous wave's marks, so a later version sees the earlier one sent."""
        ctx.last_sent = {}
        updates = {item.recipient_id: item for item in rows if item.kind is OutboxKind.PLAN_UPDATE and item.version}
        if not updates:
            return
        before = {recipient: item.version or 0 for recipient, item in updates.items()}
        async with self._uow() as uow:
            found = await uow.mail.last_sent_among(ctx.household.id, before)
        ctx.last_sent = {item.id: found.get(recipient) for recipient, item in updates.items()}

    async def _seal_and_send(self, ctx: HouseholdContext, token: str, jobs: list[Job], stats: SendStats) -> None:
        """Seal one view for its recipients, then send each their own message (no waiting for other views)."""
        sealed = await self._seal_group(ctx, token, jobs, stats)
        if sealed is None:
            return
        await asyncio.gather(
            *(
                self._rows.deliver(job, token, functools.partial(self._send_sealed, sealed, job), stats, False)
                for job in jobs
            )
        )

    async def _seal_group(self, ctx: HouseholdContext, token: str, jobs: list[Job], stats: SendStats) -> Sealed | None:
        """One signed encryption for every recipient of the same view (a message per recipient); None if it failed."""
        body, fingerprints = jobs[0].body, [j.fingerprint for j in jobs if j.fingerprint]
        try:
            if body is None or len(fingerprints) != len(jobs):  # _wave groups only jobs with both
                raise ValueError("a sealed group needs a body and every recipient's key")
            sealed = await self._gateway.seal(body, fingerprints, ctx.signer)
        except Exception as exc:
            for job in jobs:
                await self._rows.failed(job, token, exc, stats)
            return None
        stats.encryptions += 1
        return sealed

    async def _send_sealed(self, sealed: Sealed, job: Job) -> None:
        """Send the message sealed for this job's recipient (KeyError, a row failure, if there is none)."""
        await self._gateway.send_sealed(sealed.for_key(job.fingerprint), job.envelope)

    async def _send_single(self, ctx: HouseholdContext, token: str, job: Job, stats: SendStats) -> None:
        item = job.item
        link = self._to.link(item.household_id)
        if job.body is not None and job.fingerprint:  # an invite with a usable key: its own encryption
            try:
                async with self._rows.limit:
                    sealed = await self._gateway.seal(job.body, [job.fingerprint], ctx.signer)
                stats.encryptions += 1
            except Exception as exc:
                await self._rows.failed(job, token, exc, stats)
                return
            await self._rows.deliver(job, token, functools.partial(self._send_sealed, sealed, job), stats, False)
            return
        calendar, method = None, "REQUEST"
        if item.kind is OutboxKind.INVITE:
            data = json.loads(item.payload or "{}")
            notice = invite_mail(data, encrypted=False)  # the reduced .ics: organizer and recipient only
            calendar, method, text = notice.calendar, notice.method, notice.text
            link = self._to.invite_link(item.household_id, data)
        elif item.kind is OutboxKind.KEY_EXPIRY:
            text = KEY_EXPIRY_TEXT.format(days=EXPIRY_WARNING_DAYS)
        elif item.kind is OutboxKind.SIGNIN_LINK:
            link, text = json.loads(item.payload or "{}").get("link", link), SIGNIN_LINK_TEXT
        elif item.kind is OutboxKind.JOURNAAL:
            link, text = journaal_link(link), JOURNAAL_NOTICE
        elif item.kind is OutboxKind.NOTICE:
            data = json.loads(item.payload or "{}")
            link, text = data.get("link") or link, data.get("text") or NOTICE_TEXT
        else:  # a plan update as a content-free notice: it leads to the plan page
            link, text = self._to.plan_link(item.household_id), NOTICE_TEXT
        send = functools.partial(
            self._gateway.send_notice,
            job.envelope,
            link=link,
            text=text,
            signer_fpr=ctx.signer,
            calendar=calendar,
            calendar_method=method,
        )
        await self._rows.deliver(job, token, send, stats, True)
