"""The outbox worker: claim due rows, re-check scope, render, encrypt once per view, send, retry.

Delivery is at-least-once, and a crash costs at most one duplicate per recipient: a claim is a lease
renewed while its rows are worked; rows go out in waves holding at most one row per recipient (in
version order), each wave sealed and sent before the next is prepared; a row is marked sent by its
claimant one group commit after the relay's 250 (`outbox_rows`). A crash in between leaves the row
leased, and after the lease it is sent again with the same Message-ID. An attempt counts only when
SMTP was tried, so a crash loop never dead-letters mail that was never tried. `stop()` (SIGTERM) lets
the messages in flight finish and gives the rest back at once.

Recipients who see exactly the same content (same version, same sections, same "since") share one
encryption; each still gets its own SMTP envelope. Recipients without a usable key get a signed,
content-free notice — never plaintext. A plan update whose view for its recipient hashes the same as
the view last sent to them (`PlanService.view_hash`: the scoped sections, not the version number) is
skipped: nothing they can see changed, and a mail would only tell them the plan is busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..domain.access import Principal, may_read_overleg_content
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Betrokkene
from ..domain.bounces import return_path
from ..domain.cluster_ports import JobClaims, OutboxWakeSource
from ..domain.errors import NotFound
from ..domain.household import Household
from ..domain.invite_mail import invite_mail, invite_overleg_id
from ..domain.mailgroup import (
    EXPIRY_WARNING_DAYS,
    KEY_EXPIRY_TEXT,
    SIGNIN_LINK_TEXT,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    group_address,
    list_code,
    plan_update_subject,
    plan_update_text,
)
from ..domain.mailgroup_ports import (
    Attachment,
    Envelope,
    KeyringPort,
    MailBody,
    MailGateway,
    MailStore,
    Sealed,
    SendStats,
)
from ..domain.pages import HouseholdPage
from ..domain.ports import Clock, UnitOfWorkFactory
from ..logsafe import describe_error
from .bounces import STOPPED_KINDS, BounceService
from .journaal_mail import NOTICE_TEXT as JOURNAAL_NOTICE
from .journaal_mail import SUBJECT as JOURNAAL_SUBJECT
from .journaal_mail import JournaalMail, journaal_link
from .mailgroup import MailgroupService
from .outbox_rows import Job, RowOutcomes, WorkerSettings
from .plan import PlanService, PlanSnapshot

log = logging.getLogger(__name__)

NOTICE_TEXT = (
    "Er is iets nieuws in het plan waar u bij betrokken bent.\n\n"
    "Wij sturen de inhoud niet in een gewone e-mail.\n"
    "Log in via de link hieronder om het te lezen.\n"
)

#: why a plan update was not sent: its recipient's view is the one they were last sent
UNCHANGED = "nothing new in this recipient's view"
#: how long a household signing key's Autocrypt keydata is reused before it is exported again
AUTOCRYPT_SECONDS = 600.0
#: rows of a wave prepared side by side (scoped reads, PDFs): their access-log entries share group commits
PREPARE_CONCURRENCY = 20


async def _with_pdf(text: str, version: int, pdf: Awaitable[bytes]) -> MailBody:
    """A plan update's body: its text and the PDF of the recipient's view."""
    return MailBody(text, (Attachment(f"plan-versie-{version}.pdf", "application/pdf", await pdf),))


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Observe a shared future's failure (the rows awaiting it record it; asyncio need not warn of it)."""
    if not future.cancelled():
        future.exception()


def _normal(fpr: str) -> str:
    """A fingerprint as the keyring spells it (upper case, no spaces)."""
    return fpr.replace(" ", "").upper()


#: an hourly job: (name, job) with the name its claim goes by across the cluster, or a bare job (its __qualname__)
PeriodicJob = tuple[str, Callable[[], Awaitable[object]]] | Callable[[], Awaitable[object]]


def _named(entry: PeriodicJob) -> tuple[str, Callable[[], Awaitable[object]]]:
    """A periodic entry as (name, job): explicit names stay stable when the code behind them is renamed."""
    if isinstance(entry, tuple):
        return entry
    return str(getattr(entry, "__qualname__", entry)), entry


class _Unchanged(Exception):
    """The plan update would show its recipient what they were last sent."""


@dataclass
class _Context:
    household: Household
    members: dict[str, Betrokkene]
    keys: dict[str, str]
    signer: str
    autocrypt: str | None
    bouncing: set[str] = field(default_factory=set)  # betrokkenen whose address is disabled (bounces)
    usable: dict[str, bool] = field(default_factory=dict)
    pdfs: dict[str, asyncio.Future[bytes]] = field(default_factory=dict)  # per scoped snapshot: its PDF, once
    #: per plan-update row of the wave being prepared: the version and view last sent to its recipient
    last_sent: dict[str, tuple[int, str | None] | None] = field(default_factory=dict)


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
        self._plan = plan
        self._mail = mailgroup
        self.gateway = gateway
        self._keyring = keyring
        self._clock = clock
        self.settings = settings
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._rows = RowOutcomes(uow, clock, settings)
        self._claims = itertools.count(1)
        self._autocrypt_cache: dict[str, tuple[float, str | None]] = {}  # signer → (when exported, keydata)
        mailgroup.on_enqueued.append(self.wake)
        #: hourly jobs run by the worker loop, e.g. OverlegService.due_reminders (wired in bootstrap)
        #: entries are (name, job): the name is the job's claim across the cluster (a bare callable is named by
        #: its __qualname__, which changes when code is renamed — give an explicit name)
        self.periodic: list[PeriodicJob] = []
        #: sends journaal messages on (OutboxKind.JOURNAAL; wired in bootstrap)
        self.journaal: JournaalMail | None = None
        #: several nodes (PostgreSQL): wake-ups from other nodes (NOTIFY), and hourly jobs claimed once per
        #: hour across the cluster (None: this process alone wakes itself and runs every job; wired in bootstrap)
        self.wake_source: OutboxWakeSource | None = None
        self.claims: JobClaims | None = None

    async def _run_periodic(self) -> None:
        """The hourly jobs: key-expiry warnings and those other services registered (reminder invites,
        overdue deadlines); one failing job does not stop the others. With `claims`, each job runs once
        per hour across every worker of the cluster (the one that claims it first)."""
        jobs: list[tuple[str, Callable[[], Awaitable[object]]]] = [("key-expiry", self._mail.enqueue_expiry_warnings)]
        jobs += [_named(entry) for entry in self.periodic]
        now = self._clock()
        for name, job in jobs:
            period, claimed = now.strftime("%Y-%m-%dT%H"), False
            try:
                if self.claims is not None:
                    claimed = await self.claims.claim(name, period, self.worker_id, now)
                    if not claimed:
                        continue  # another worker runs it this hour
                await job()
            except Exception as exc:
                log.error("periodic job %s failed: %s", name, describe_error(exc))
                if claimed and self.claims is not None:  # give the hour back: another worker may run it
                    with contextlib.suppress(Exception):
                        await self.claims.release(name, period, self.worker_id)

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
        # The hourly jobs run in a task of their own: a slow one never holds back the mail queued meanwhile
        # (what they queue wakes this loop like any other commit). One run at a time; a stop waits for it.
        hourly: asyncio.Task[None] | None = None
        try:
            while not self._stopping:
                try:
                    if (hourly is None or hourly.done()) and self._clock() >= next_expiry_check:
                        hourly = asyncio.create_task(self._run_periodic(), name="eenplan-outbox-hourly")
                        next_expiry_check = self._clock() + timedelta(hours=1)
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
            if hourly is not None:
                with contextlib.suppress(Exception):  # _run_periodic logs its jobs' failures itself
                    await hourly

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

    # -- one household ------------------------------------------------------------------------
    async def _context(self, household_id: str) -> _Context:
        async with self._uow() as uow:
            household = await uow.households.get(household_id)
            # removed ones too: a content-free notice names its address and reaches a removed person (issue 10)
            members = {b.id: b for b in await uow.betrokkenen.list(household_id, include_removed=True)}
            keys = {k.betrokkene_id: k.fingerprint for k in await uow.mail.list_keys(household_id)}
            bouncing = await BounceService.disabled_in(uow, household_id, {b.id: b.email for b in members.values()})
        if household is None:  # deleted since its rows were queued: the rows are retried, then dead-lettered
            raise NotFound("household")
        signer = await self._mail.signer(household.code)
        ctx = _Context(household, members, keys, signer, await self._autocrypt(signer), bouncing)
        try:  # the household's keys in one gpg call; a key the keyring lacks is asked about alone (`_usable`)
            stale = await self._mail.refresh_keys(keys.values())  # re-uploaded through another node: one query
            fresh = [f for f in keys.values() if _normal(f) not in stale]
            held = await self._keyring.usable_among(fresh, self._clock())
        except Exception:  # the batch is a shortcut: without it, each key is asked about alone
            held = {}
        ctx.usable = {fpr: held[_normal(fpr)] for fpr in keys.values() if _normal(fpr) in held}
        return ctx

    async def _autocrypt(self, signer: str) -> str | None:
        """The Autocrypt keydata of a household's signing key, exported once per AUTOCRYPT_SECONDS rather than
        by a gpg call on every batch (a fingerprint names one key; only a renewed expiry would change it)."""
        now = time.monotonic()
        cached = self._autocrypt_cache.get(signer)
        if cached is not None and now - cached[0] < AUTOCRYPT_SECONDS:
            return cached[1]
        try:
            keydata: str | None = await self._keyring.autocrypt_keydata(signer)
        except Exception:  # the header is a courtesy; mail goes without it (and asks again next batch)
            return None
        if len(self._autocrypt_cache) >= 1024:  # households seen by this process: bounded
            self._autocrypt_cache.clear()
        self._autocrypt_cache[signer] = (now, keydata)
        return keydata

    def _envelope(self, ctx: _Context, item: OutboxItem, person: Betrokkene, subject: str) -> Envelope:
        domain = self._mail.settings.mail_domain
        stable = (
            f"{item.household_id}:v{item.version}"
            if item.kind is OutboxKind.PLAN_UPDATE
            else f"{item.household_id}:{item.kind.value}:{item.dedupe_key}"
        )
        return Envelope(
            from_addr=group_address(ctx.household.code, domain),
            from_name="eenplan",
            to_addr=person.email or "",
            subject=subject,
            message_id=self.gateway.message_id(stable, item.recipient_id),
            list_id=self.gateway.list_id(list_code(ctx.household.code)),
            date=self._clock(),
            autocrypt_keydata=ctx.autocrypt,
            return_path=(
                return_path(self._mail.settings.verp_key, person.id, person.email, domain)
                if self._mail.settings.verp_key and person.email
                else None
            ),
        )

    async def _usable(self, ctx: _Context, person_id: str) -> str | None:
        fpr = ctx.keys.get(person_id)
        if fpr is None:
            return None
        if fpr not in ctx.usable:
            ctx.usable[fpr] = await self._mail.key_usable(fpr)
        return fpr if ctx.usable[fpr] else None

    def _link(self, household_id: str) -> str:
        return f"{self._mail.settings.public_url}/huishoudens/{household_id}"

    def _invite_link(self, household_id: str, payload: Mapping[str, Any]) -> str:
        """Where an invite leads: the overleg's own page (sign-in first), where one answers; the household's
        start page for a row whose .ics names no overleg."""
        overleg_id = invite_overleg_id(payload)
        base = self._link(household_id)
        return f"{base}/{HouseholdPage.OVERLEGGEN.value}/{overleg_id}" if overleg_id else base

    def _plan_link(self, household_id: str) -> str:
        """Where a plan update leads: the household's "Ons plan" page (sign-in first, then straight there)."""
        return f"{self._link(household_id)}/{HouseholdPage.PLAN.value}"

    async def _household(self, household_id: str, token: str, rows: list[OutboxItem], stats: SendStats) -> None:
        try:
            ctx = await self._context(household_id)
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
            if self._stopping:
                return
            await self._wave(ctx, token, [item for item in wave if item is not None], stats)

    async def _wave(self, ctx: _Context, token: str, rows: list[OutboxItem], stats: SendStats) -> None:
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
                job = await self._job(ctx, token, item, stats)
            if job is None:
                return
            if job.body is not None and job.fingerprint and job.view:
                groups.setdefault(job.view, []).append(job)  # all of a view's rows known only once all are prepared
            else:
                sending.append(asyncio.ensure_future(self._send_single(ctx, token, job, stats)))

        try:
            await asyncio.gather(*(prepared(item) for item in rows))
            if not self._stopping:
                by_size = sorted(groups.values(), key=len, reverse=True)
                sending += [asyncio.ensure_future(self._seal_and_send(ctx, token, jobs, stats)) for jobs in by_size]
        finally:  # every send begun is finished (and marked) before the wave ends, whatever else failed
            outcomes = await asyncio.gather(*sending, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _last_sent_of(self, ctx: _Context, rows: list[OutboxItem]) -> None:
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

    async def _seal_and_send(self, ctx: _Context, token: str, jobs: list[Job], stats: SendStats) -> None:
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

    async def _job(self, ctx: _Context, token: str, item: OutboxItem, stats: SendStats) -> Job | None:
        """The job for one row, or None when the row was settled here (skipped, failed) or the worker stops."""
        if self._stopping:
            return None
        person = ctx.members.get(item.recipient_id)
        # a notice about sign-in data names its address: an old one is told even after it was removed,
        # and a removed person is told of the removal
        addressed = item.kind is OutboxKind.NOTICE and bool(json.loads(item.payload or "{}").get("to"))
        if person is None or not (person.active or addressed) or not (person.email or addressed):
            await self._rows.final(
                item, token, OutboxStatus.SKIPPED, "recipient is no betrokkene or has no e-mail", stats
            )
            return None
        if person.id in ctx.bouncing and item.kind in STOPPED_KINDS:
            await self._rows.final(item, token, OutboxStatus.SKIPPED, "the address bounces (disabled)", stats)
            return None
        try:
            return await self._prepare(ctx, item, person)
        except NotFound:
            await self._rows.final(item, token, OutboxStatus.SKIPPED, "recipient may no longer read this", stats)
        except _Unchanged:
            await self._rows.final(item, token, OutboxStatus.SKIPPED, UNCHANGED, stats)
        except Exception as exc:
            await self._rows.failed(item, token, exc, stats)
        return None

    async def _prepare(self, ctx: _Context, item: OutboxItem, person: Betrokkene) -> Job:
        fpr = await self._usable(ctx, person.id)
        if item.kind is OutboxKind.PLAN_UPDATE:
            version = item.version
            if version is None:  # a plan update names its version; a row without one cannot be sent
                raise ValueError("plan update without a version")
            job = Job(item, person, self._envelope(ctx, item, person, plan_update_subject(version)), fpr)
            principal = Principal(person.id, item.household_id)
            job.view_hash = await self._plan.view_hash(principal, item.household_id, version)  # reads, shows nothing
            if item.id in ctx.last_sent:
                last = ctx.last_sent[item.id]
            else:  # a row the wave did not read ahead
                async with self._uow() as uow:
                    last = await uow.mail.last_sent(item.household_id, person.id, version)
            if last is not None and last[1] == job.view_hash:
                raise _Unchanged
            if fpr is None or not person.wants_plan_by_mail:  # no usable key, or the person chose notices only
                return job  # content-free notice; no content is shown
            since = last[0] if last else None
            # the version and the diff are read (and their disclosures logged) side by side; the PDF of the
            # version starts as soon as it is read, while the diff is still being made
            diff_read = asyncio.ensure_future(
                self._plan.diff(principal, item.household_id, since or 1, version, channel=Channel.MAIL)
            )
            try:
                snapshot = await self._plan.version(principal, item.household_id, version, channel=Channel.MAIL)
            except BaseException:  # the version could not be read: the diff finishes, and is dropped with the row
                await asyncio.gather(diff_read, return_exceptions=True)
                raise
            pdf = self._pdf(ctx, version, snapshot)
            diff = await diff_read
            text = plan_update_text(version, since, diff, self._plan_link(item.household_id))
            job.view = hashlib.sha256(
                json.dumps([item.household_id, version, text, sorted(snapshot.sections.items())]).encode()
            ).hexdigest()
            job.body = await _with_pdf(text, version, asyncio.shield(pdf))
            return job
        if item.kind is OutboxKind.INVITE:
            data = json.loads(item.payload or "{}")
            subject = invite_mail(data, encrypted=False).subject  # says whether it invites or cancels
            job = Job(item, person, self._envelope(ctx, item, person, subject), fpr)
            if fpr is not None:  # the full .ics and the agenda only inside the encryption
                agenda = await self._agenda_for(item, person, data.get("agenda") or "")
                link = self._invite_link(item.household_id, data)
                mail = invite_mail(data, encrypted=True, agenda=agenda, link=link)
                job.body = MailBody(mail.text, calendar=mail.calendar, calendar_method=mail.method)
            return job
        if item.kind is OutboxKind.NOTICE:  # neutral, content-free (e.g. stagnatie deadlines, escalation steps)
            data = json.loads(item.payload or "{}")
            envelope = self._envelope(ctx, item, person, data.get("subject") or "Bericht over de samenwerking")
            if data.get("to"):  # a notice about sign-in data goes to the address it concerns (the old one)
                envelope = replace(envelope, to_addr=data["to"], return_path=None)  # its bounces count for nobody
            return Job(item, person, envelope, None)
        if item.kind is OutboxKind.JOURNAAL:
            if self.journaal is None:
                raise ValueError("journaal rows, but no journaal wired")
            envelope = self._envelope(ctx, item, person, JOURNAAL_SUBJECT)
            return await self.journaal.job(item, person, envelope, fpr, self._link(item.household_id))
        if item.kind is OutboxKind.SIGNIN_LINK:
            job = Job(item, person, self._envelope(ctx, item, person, "Inloggen bij uw plan"), fpr)
            if fpr is not None:
                link = json.loads(item.payload or "{}").get("link", "")
                job.body = MailBody(f"{SIGNIN_LINK_TEXT}\n{link}\n")
            return job
        return Job(item, person, self._envelope(ctx, item, person, "Sleutel verloopt binnenkort"), None)

    def _pdf(self, ctx: _Context, version: int, snapshot: PlanSnapshot) -> asyncio.Future[bytes]:
        """The PDF of a scoped snapshot, rendered once (in a thread) for every recipient who sees exactly it."""
        info = snapshot.info
        facts = [version, str(info.created_at), str(info.vastgesteld_at), list(info.changed_sections)]
        key = hashlib.sha256(json.dumps([facts, sorted(snapshot.sections.items())]).encode()).hexdigest()
        pdf = ctx.pdfs.get(key)
        if pdf is None:
            names = {b.id: b.name for b in ctx.members.values() if b.active}
            render = self._mail.render_pdf(ctx.household.name, info, snapshot.sections, names)
            pdf = ctx.pdfs[key] = asyncio.ensure_future(render)
            pdf.add_done_callback(_retrieved)  # a failure is each waiting row's; none left unobserved
        return pdf

    async def _agenda_for(self, item: OutboxItem, person: Betrokkene, agenda: str) -> str:
        """The agenda is care content: re-checked at send time by the policy's rule for overleg content,
        and logged as a disclosure; others get the invitation without it."""
        if not agenda:
            return ""
        principal = Principal(person.id, item.household_id)
        access = await self._plan.access(principal, item.household_id)
        if not may_read_overleg_content(access):
            return ""
        await self._plan.log_access(
            principal, item.household_id, Event.DISCLOSE, (), Channel.MAIL, "uitnodiging met agenda"
        )
        return agenda

    # -- sending ------------------------------------------------------------------------------
    async def _seal_group(self, ctx: _Context, token: str, jobs: list[Job], stats: SendStats) -> Sealed | None:
        """One signed encryption for every recipient of the same view (a message per recipient); None if it failed."""
        body, fingerprints = jobs[0].body, [j.fingerprint for j in jobs if j.fingerprint]
        try:
            if body is None or len(fingerprints) != len(jobs):  # _household groups only jobs with both
                raise ValueError("a sealed group needs a body and every recipient's key")
            sealed = await self.gateway.seal(body, fingerprints, ctx.signer)
        except Exception as exc:
            for job in jobs:
                await self._rows.failed(job, token, exc, stats)
            return None
        stats.encryptions += 1
        return sealed

    async def _send_sealed(self, sealed: Sealed, job: Job) -> None:
        """Send the message sealed for this job's recipient (KeyError, a row failure, if there is none)."""
        await self.gateway.send_sealed(sealed.for_key(job.fingerprint), job.envelope)

    async def _send_single(self, ctx: _Context, token: str, job: Job, stats: SendStats) -> None:
        item = job.item
        link = self._link(item.household_id)
        if job.body is not None and job.fingerprint:  # an invite with a usable key: its own encryption
            try:
                async with self._rows.limit:
                    sealed = await self.gateway.seal(job.body, [job.fingerprint], ctx.signer)
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
            link = self._invite_link(item.household_id, data)
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
            link, text = self._plan_link(item.household_id), NOTICE_TEXT
        send = functools.partial(
            self.gateway.send_notice,
            job.envelope,
            link=link,
            text=text,
            signer_fpr=ctx.signer,
            calendar=calendar,
            calendar_method=method,
        )
        await self._rows.deliver(job, token, send, stats, True)
