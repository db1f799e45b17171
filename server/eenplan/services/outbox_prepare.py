"""One outbox row made ready to send: re-checked against its recipient's scope, rendered, not yet sealed.

A row whose recipient is gone, bounces, or may no longer read it is skipped; so is a plan update whose
view for its recipient hashes the same as the view last sent to them (`PlanService.view_hash`: the scoped
sections, not the version number): nothing they can see changed. A recipient with a usable key gets the
content (a plan update's text and the PDF of their view, an invite's agenda when the policy allows it);
one without gets a content-free notice. What is read is access-logged on channel `mail`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from ..domain.access import Principal, may_read_overleg_content
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Betrokkene
from ..domain.errors import NotFound
from ..domain.invite_mail import invite_mail
from ..domain.mailgroup import (
    SIGNIN_LINK_TEXT,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    plan_update_subject,
    plan_update_text,
)
from ..domain.mailgroup_ports import Attachment, MailBody, SendStats
from ..domain.ports import UnitOfWorkFactory
from .bounces import STOPPED_KINDS
from .journaal_mail import SUBJECT as JOURNAAL_SUBJECT
from .journaal_mail import JournaalMail
from .mailgroup import MailgroupService
from .outbox_context import HouseholdContext, HouseholdMail
from .outbox_rows import Job, RowOutcomes
from .plan import PlanService, PlanSnapshot

#: why a plan update was not sent: its recipient's view is the one they were last sent
UNCHANGED = "nothing new in this recipient's view"


async def _with_pdf(text: str, version: int, pdf: Awaitable[bytes]) -> MailBody:
    """A plan update's body: its text and the PDF of the recipient's view."""
    return MailBody(text, (Attachment(f"plan-versie-{version}.pdf", "application/pdf", await pdf),))


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Observe a shared future's failure (the rows awaiting it record it; asyncio need not warn of it)."""
    if not future.cancelled():
        future.exception()


class _Unchanged(Exception):
    """The plan update would show its recipient what they were last sent."""


class RowPreparer:
    """Turns a claimed row into a `Job` (envelope, key, body), or settles it (skipped, failed)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        mailgroup: MailgroupService,
        addressing: HouseholdMail,
        rows: RowOutcomes,
        stopping: Callable[[], bool],
    ) -> None:
        self._uow = uow
        self._plan = plan
        self._mail = mailgroup
        self._to = addressing
        self._rows = rows
        self._stopping = stopping
        #: sends journaal messages on (OutboxKind.JOURNAAL; wired in bootstrap through the worker)
        self.journaal: JournaalMail | None = None

    async def job(self, ctx: HouseholdContext, token: str, item: OutboxItem, stats: SendStats) -> Job | None:
        """The job for one row, or None when the row was settled here (skipped, failed) or the worker stops."""
        if self._stopping():
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

    async def _prepare(self, ctx: HouseholdContext, item: OutboxItem, person: Betrokkene) -> Job:
        fpr = await self._to.usable(ctx, person.id)
        if item.kind is OutboxKind.PLAN_UPDATE:
            version = item.version
            if version is None:  # a plan update names its version; a row without one cannot be sent
                raise ValueError("plan update without a version")
            job = Job(item, person, self._to.envelope(ctx, item, person, plan_update_subject(version)), fpr)
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
            text = plan_update_text(version, since, diff, self._to.plan_link(item.household_id))
            job.view = hashlib.sha256(
                json.dumps([item.household_id, version, text, sorted(snapshot.sections.items())]).encode()
            ).hexdigest()
            job.body = await _with_pdf(text, version, asyncio.shield(pdf))
            return job
        if item.kind is OutboxKind.INVITE:
            data = json.loads(item.payload or "{}")
            subject = invite_mail(data, encrypted=False).subject  # says whether it invites or cancels
            job = Job(item, person, self._to.envelope(ctx, item, person, subject), fpr)
            if fpr is not None:  # the full .ics and the agenda only inside the encryption
                agenda = await self._agenda_for(item, person, data.get("agenda") or "")
                link = self._to.invite_link(item.household_id, data)
                mail = invite_mail(data, encrypted=True, agenda=agenda, link=link)
                job.body = MailBody(mail.text, calendar=mail.calendar, calendar_method=mail.method)
            return job
        if item.kind is OutboxKind.NOTICE:  # neutral, content-free (e.g. stagnatie deadlines, escalation steps)
            data = json.loads(item.payload or "{}")
            envelope = self._to.envelope(ctx, item, person, data.get("subject") or "Bericht over de samenwerking")
            if data.get("to"):  # a notice about sign-in data goes to the address it concerns (the old one)
                envelope = replace(envelope, to_addr=data["to"], return_path=None)  # its bounces count for nobody
            return Job(item, person, envelope, None)
        if item.kind is OutboxKind.JOURNAAL:
            if self.journaal is None:
                raise ValueError("journaal rows, but no journaal wired")
            envelope = self._to.envelope(ctx, item, person, JOURNAAL_SUBJECT)
            return await self.journaal.job(item, person, envelope, fpr, self._to.link(item.household_id))
        if item.kind is OutboxKind.SIGNIN_LINK:
            job = Job(item, person, self._to.envelope(ctx, item, person, "Inloggen bij uw plan"), fpr)
            if fpr is not None:
                link = json.loads(item.payload or "{}").get("link", "")
                job.body = MailBody(f"{SIGNIN_LINK_TEXT}\n{link}\n")
            return job
        return Job(item, person, self._to.envelope(ctx, item, person, "Sleutel verloopt binnenkort"), None)

    def _pdf(self, ctx: HouseholdContext, version: int, snapshot: PlanSnapshot) -> asyncio.Future[bytes]:
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
