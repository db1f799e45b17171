"""The household's journaal (issue 14 item 6): members write to their group, and read it on the web.

`receive` takes a message to a group address that is no answer to an invitation (InboundService hands it
over, already opened: decrypted with the household key, its signer known). `domain.journaal.judge_post`
decides: encrypted, from a member of that group (their confirmed address), signed by exactly their pinned
key. Anything else is refused in the SMTP dialogue with how to write securely, and nothing is kept. A taken
message is stored and queued for every other member of the group in one transaction; the outbox
(`OutboxKind.JOURNAAL`) sends it encrypted to a usable key or as a content-free notice, asking `for_mail`
again at send time and logging each disclosure on channel MAIL. `page` shows the caller the messages of
the groups they are a member of (`may_read_journaal`), logged on channel WEB.

What the access log names: no section of the plan (a journaal message is no part of it, so the ground is
"geen"), and the detail `journaal:<id>` (one message) or `journaal: <n> berichten` (a page of them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.access import Access, Principal
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Betrokkene
from ..domain.errors import NotFound, ValidationFailed
from ..domain.household import Household
from ..domain.inbound import InboundParts
from ..domain.journaal import (
    MAX_BODY_BYTES,
    REFUSED,
    JournaalMessage,
    PostOutcome,
    bounded,
    clean_subject,
    detail,
    group_members,
    judge_post,
    may_read_journaal,
)
from ..domain.journaal_ports import PostReader
from ..domain.mailgroup import MailGroup, OutboxItem, OutboxKind, OutboxStatus, group_address
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised
from .journaal_target import GroupTarget, target
from .key_offers import keep_offer
from .plan import PlanService

log = logging.getLogger("eenplan.inbound")

ACCEPTED = "250 2.0.0 Ontvangen (received)"
NO_TEXT = (
    "550 5.6.0 Uw bericht heeft geen tekst. Schrijf uw bericht als tekst in de mail zelf. (The message holds no text.)"
)
#: the most messages the journaal page shows at once (newest first)
PAGE_MESSAGES = 100
#: the most messages the inzage download holds (the retention keeps a journaal far below it)
EXPORT_MESSAGES = 10_000
#: what the whole household's group is called (a named group has its own name)
WHOLE_GROUP = "iedereen"


@dataclass(frozen=True)
class Shown:
    """One journaal message as a member sees it: the message, its author's name, the group's name."""

    message: JournaalMessage
    author: str
    group: str
    address: str = ""  # the group's own address (for mail: replies go back to the same group, never wider)


@dataclass(frozen=True)
class Audience:
    """A group the caller belongs to, so may read and write to: its id (None: everyone), name and address."""

    group_id: str | None
    name: str
    address: str


@dataclass(frozen=True)
class JournaalView:
    """The journaal page: the messages the caller may read, newest first, and the groups they may write to."""

    messages: list[Shown]
    audiences: list[Audience]


class JournaalService:
    """Takes members' messages to a group, sends them on (through the outbox) and shows them on the page."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        plan: PlanService,
        *,
        reader: PostReader,
        mail_domain: str,
        wake_after_commit: Callable[[UnitOfWork], None] | None = None,
    ) -> None:
        self._uow, self._clock, self._new_id, self._plan = uow, clock, new_id, plan
        self._reader = reader
        self._domain = mail_domain.lower()
        self._wake = wake_after_commit

    # -- inbound ------------------------------------------------------------------------------
    async def receive(
        self,
        parts: InboundParts,
        recipient: str,
        entity: bytes | None,
        signer: str | None,
        raw: bytes,
        offer: tuple[str, str] | None = None,
    ) -> str:
        """Post a member's message to the group `recipient` names, or refuse it (the SMTP reply line).
        `entity` is the decrypted MIME entity (None when the mail was not encrypted to the household); `offer`
        a key the sender's Autocrypt header offers (armored, fingerprint), kept as a candidate under the rule of
        `key_offers.keep_offer` — from a member's own confirmed address, signed by their pinned key if they have
        one — whether the post itself is taken or not (a member without a key may offer one this way)."""
        async with self._uow(write=True) as uow:
            target = await self._target(uow, recipient)
            if target is None:
                log.info("journaal: %s", PostOutcome.NOT_MEMBER.value)
                return REFUSED
            hid = target.household.id
            members = await uow.betrokkenen.list(hid)
            in_group = group_members(target.group, members)
            sender_id = await self._sender_id(uow, members, parts.sender)
            key = await uow.mail.get_key(hid, sender_id) if sender_id is not None else None
            offered = False
            if offer is not None and sender_id is not None:  # a candidate only: the owner confirms it on their page
                offered = await keep_offer(uow, hid, sender_id, offer, signer, self._clock())
            outcome = judge_post(
                encrypted=parts.encrypted is not None and entity is not None,
                signer=signer,
                pinned=key.fingerprint if key is not None else None,
                sender_id=sender_id,
                member_ids=[b.id for b in in_group],
            )
            if outcome is not PostOutcome.POSTED or sender_id is None or entity is None:
                log.info("journaal: %s", outcome.value)
                if offered:
                    await uow.commit()  # the key candidate alone; nothing of the message
                return REFUSED
            post = self._reader.read_post(entity)  # only now: the sender is a member and signed it
            if post is None:
                log.info("journaal: %s", PostOutcome.NO_TEXT.value)
                if offered:
                    await uow.commit()
                return NO_TEXT
            message = JournaalMessage(
                id=self._new_id(),
                household_id=hid,
                group_id=target.group.id if target.group is not None else None,
                author_id=sender_id,
                received_at=self._clock(),
                text=bounded(post.text),
                subject=clean_subject(post.subject),
                had_attachments=post.had_attachments,
            )
            if not await uow.journaal.add(message, self._key(parts, recipient, raw)):
                log.info("journaal: duplicate")
                return ACCEPTED
            for other in in_group:
                if other.id != sender_id:
                    await uow.mail.enqueue(self._row(message, other.id))
            if self._wake is not None:
                self._wake(uow)
            await uow.commit()
        log.info("journaal: %s", PostOutcome.POSTED.value)
        return ACCEPTED

    async def _target(self, uow: UnitOfWork, recipient: str) -> GroupTarget | None:
        return await target(uow, recipient, self._domain)

    @staticmethod
    async def _sender_id(uow: UnitOfWork, members: list[Betrokkene], sender: str | None) -> str | None:
        """The active betrokkene whose confirmed address sent it (an unconfirmed address may be anyone's)."""
        for person in members:
            if sender and person.active and person.email and person.email.lower() == sender:
                return None if await uow.auth.email_unconfirmed(person.id) else person.id
        return None

    @staticmethod
    def _key(parts: InboundParts, recipient: str, raw: bytes) -> str:
        identity = parts.message_id.encode("utf-8", "replace") if parts.message_id else hashlib.sha256(raw).digest()
        address = recipient.lower().encode("utf-8", "replace")
        return hashlib.sha256(b"journaal\0" + identity + b"\0" + address).hexdigest()

    def _row(self, message: JournaalMessage, recipient_id: str) -> OutboxItem:
        now = self._clock()
        return OutboxItem(
            self._new_id(),
            message.household_id,
            recipient_id,
            OutboxKind.JOURNAAL,
            f"journaal:{message.id}",
            None,
            message.group_id,
            OutboxStatus.QUEUED,
            0,
            now,
            now,
            payload=json.dumps({"journaal": message.id}),
        )

    # -- the outbox asks at send time ---------------------------------------------------------
    async def for_mail(self, household_id: str, message_id: str, recipient_id: str) -> Shown:
        """The message as it goes to `recipient_id`, if they may still read it (a member of its group now),
        with its group's address; NotFound otherwise (the row is skipped). The caller logs the disclosure when
        it sends the content."""
        async with self._uow() as uow:
            household = await uow.households.get(household_id)
            message = await uow.journaal.get(household_id, message_id)
            if message is None or household is None:
                raise NotFound("journaal message not found")
            members = await uow.betrokkenen.list(household_id, include_removed=True)
            groups = await uow.mail.list_groups(household_id)
        shown = self._shown([message], members, groups, recipient_id)
        if not shown:
            raise NotFound("recipient may no longer read this message")
        slug = next((g.slug for g in groups if g.id == message.group_id), None)
        return dataclasses.replace(shown[0], address=group_address(household.code, self._domain, slug))

    @staticmethod
    def _shown(
        messages: list[JournaalMessage], members: list[Betrokkene], groups: list[MailGroup], viewer_id: str
    ) -> list[Shown]:
        """The messages `viewer_id` may read (the domain's rule), with names; a deleted group's have no readers."""
        names = {b.id: b.name for b in members}
        by_id = {g.id: g for g in groups}
        out = []
        for message in messages:
            group = by_id.get(message.group_id) if message.group_id is not None else None
            if message.group_id is not None and group is None:
                continue
            if may_read_journaal(viewer_id, group, members):
                out.append(Shown(message, names.get(message.author_id, "?"), group.name if group else WHOLE_GROUP))
        return out

    # -- the page -----------------------------------------------------------------------------
    async def page(self, principal: Principal, household_id: str) -> JournaalView:
        """The journaal for the caller: the messages of the groups they are a member of, newest first, and
        those groups (to write to); what is shown is logged (channel WEB) before it is answered."""
        shown, audiences, access = await self._readable(principal, household_id, PAGE_MESSAGES)
        if shown:
            what = detail(shown[0].message.id) if len(shown) == 1 else f"journaal: {len(shown)} berichten"
            await self._plan.record([self._plan.access_event(access, Event.READ, (), Channel.WEB, what, basis=())])
        return JournaalView(shown, audiences)

    async def export(self, principal: Principal, household_id: str) -> list[Shown]:
        """Every journaal message the caller may read (the groups they are a member of), oldest first, for the
        inzage download (AVG art. 15); logged as one export on channel WEB before it is answered."""
        shown, _, access = await self._readable(principal, household_id, EXPORT_MESSAGES)
        if shown:
            what = f"inzage: journaal {len(shown)} berichten"
            await self._plan.record([self._plan.access_event(access, Event.EXPORT, (), Channel.WEB, what, basis=())])
        return shown[::-1]

    async def _readable(
        self, principal: Principal, household_id: str, limit: int
    ) -> tuple[list[Shown], list[Audience], Access]:
        """The newest `limit` messages the caller may read, the groups they belong to, and their access (for the log
        entry the caller writes): one authorised read, shared by the page and the inzage export (up to
        thousands of messages: a long read)."""
        async with authorised(self._uow, principal, household_id, waits=True) as caller:
            uow = caller.uow
            household = await uow.households.get(household_id)
            members = await uow.betrokkenen.list(household_id, include_removed=True)
            groups = await uow.mail.list_groups(household_id)
            audiences = self._audiences(household, groups, members, caller.actor.betrokkene_id)
            ids = [a.group_id for a in audiences]
            messages = await uow.journaal.in_groups(household_id, ids, limit)
            access = await self._plan.access_in(uow, caller.actor)
        return self._shown(messages, members, groups, caller.actor.betrokkene_id), audiences, access

    def _audiences(
        self, household: Household | None, groups: list[MailGroup], members: list[Betrokkene], viewer: str
    ) -> list[Audience]:
        if household is None:
            return []
        out = [Audience(None, WHOLE_GROUP, group_address(household.code, self._domain))]
        out = out if may_read_journaal(viewer, None, members) else []
        return out + [
            Audience(g.id, g.name, group_address(household.code, self._domain, g.slug))
            for g in groups
            if may_read_journaal(viewer, g, members)
        ]

    async def write(
        self, principal: Principal, household_id: str, group_id: str | None, text: str, subject: str | None = None
    ) -> JournaalMessage:
        """Write a message on the page, as oneself, to a group one belongs to: kept and sent on like a mail from
        the author (the other members get it encrypted or as a notice). ValidationFailed names the field."""
        if not text.strip():
            raise ValidationFailed.one("tekst", "write a message")
        if len(text.encode("utf-8")) > MAX_BODY_BYTES:
            raise ValidationFailed.one("tekst", "the message is too long")
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="write in the journaal"
        ) as caller:
            uow = caller.uow
            author = caller.actor.betrokkene_id
            members = await uow.betrokkenen.list(household_id)
            groups = await uow.mail.list_groups(household_id)
            group = next((g for g in groups if g.id == group_id), None) if group_id else None
            if (group_id and group is None) or not may_read_journaal(author, group, members):
                raise ValidationFailed.one("groep", "not a group you belong to")
            text = text.replace("\r\n", "\n")
            message = JournaalMessage(self._new_id(), household_id, group_id or None, author, self._clock(), text)
            message = dataclasses.replace(message, subject=clean_subject(subject))
            await uow.journaal.add(message, hashlib.sha256(f"web\0{message.id}".encode()).hexdigest())
            for other in group_members(group, members):
                if other.id != author:
                    await uow.mail.enqueue(self._row(message, other.id))
            if self._wake is not None:
                self._wake(uow)
            await uow.commit()
        log.info("journaal: written on the page")
        return message
