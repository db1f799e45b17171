"""Mail to a household's group address (issue 14): answers to invitations come back.

One message, one transaction. The structure is read first (never a text part); automatic mail is dropped
unread; a PGP/MIME message is opened (decrypted with the household key, its signature checked) before any
transaction; then the iMIP REPLY or COUNTER is judged by `domain.inbound.judge_reply` — only the sender's
own answer, for the current SEQUENCE, of an overleg of the household whose address it reached — and the
answer (or the proposal) is stored with whether the sender's pinned key signed it. A redelivered message
is a duplicate. Mail that holds no answer goes to the journaal (`services.journaal`): a member's signed and
encrypted post is kept and sent on; anything else is refused in the SMTP dialogue, never kept or forwarded.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..domain.access import Principal
from ..domain.cluster_ports import AttemptCounter, Limit
from ..domain.errors import NotFound, PermanentFailure, ValidationFailed
from ..domain.inbound import (
    MAX_PER_SENDER_PER_HOUR,
    InboundParts,
    Outcome,
    ReplyFacts,
    Verdict,
    is_automatic,
    judge_reply,
)
from ..domain.inbound_ports import MailAnswer, MailOpener, MessageReader, Proposal, ReplyReader
from ..domain.mailgroup import group_address
from ..domain.names import ids_by_name
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from .bounces import BounceService
from .common import Need, authorised
from .journaal import JournaalService
from .journaal_target import target as journaal_target
from .key_offers import keep_offer

log = logging.getLogger("eenplan.inbound")

#: what the sender of a message we do not take is told (Dutch first; the MTA turns it into a bounce)
REFUSED = (
    "550 5.7.1 Dit adres neemt alleen antwoorden op uitnodigingen aan. Schrijf uw regisseur of lees het plan"
    " op de website van eenplan. (This address only takes answers to invitations.)"
)
ACCEPTED = "250 2.0.0 Ontvangen (received)"
SLOW_DOWN = "451 4.7.1 Te veel berichten, probeer het later opnieuw (too many messages, try later)"


@dataclass(frozen=True)
class _Opened:
    calendars: tuple[bytes, ...]
    signer: str | None  # primary fingerprint of a good signature over the calendars
    unreadable: bool = False
    entity: bytes | None = None  # the decrypted MIME entity (encrypted mail only): a journaal post


class SenderWindow:
    """At most `limit` messages per sender per hour (a loop or a runaway client stops).

    In this process (the last hour's arrivals per sender), or, with `shared` (several receivers on one
    PostgreSQL), a token bucket of `limit` an hour in the database every receiver counts in."""

    def __init__(
        self,
        limit: int = MAX_PER_SENDER_PER_HOUR,
        now: Callable[[], float] = time.monotonic,
        *,
        shared: AttemptCounter | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._limit, self._now = limit, now
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)
        self._shared, self._wall = shared, wall
        self._bucket = Limit("inbound-sender", limit, 3600)

    async def admit(self, sender: str) -> bool:
        """Count one message of `sender` (across receivers when shared); False when the budget is spent."""
        if self._shared is None:
            return self.allow(sender)
        return await self._shared.take(((self._bucket, sender),), self._wall()) == 0

    def allow(self, sender: str) -> bool:
        """Count one message of `sender`; False when the hour's budget is spent."""
        now, seen = self._now(), self._seen[sender]
        while seen and seen[0] <= now - 3600:
            seen.popleft()
        if len(seen) >= self._limit:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget the quietest senders rather than grow without bound
            for key in [k for k, v in self._seen.items() if not v][:5_000]:
                del self._seen[key]
        return True


class InboundService:
    """Takes one inbound message for one recipient and answers the SMTP reply line the MTA gets."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        *,
        reader: MessageReader,
        replies: ReplyReader,
        opener: MailOpener | None,
        mail_domain: str,
        bounces: BounceService | None = None,
        window: SenderWindow | None = None,
        journaal: JournaalService | None = None,
        household_key: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        self._uow, self._clock, self._new_id = uow, clock, new_id
        self._reader, self._replies, self._opener = reader, replies, opener
        self._domain = mail_domain.lower()
        self._bounces = bounces
        self._window = window or SenderWindow()
        self._journaal = journaal  # members writing to the group (issue 14 item 6); None: refused
        #: a household's code -> its key's fingerprint (encrypted mail must be to the key of the address it reached)
        self._household_key = household_key

    def accepts(self, address: str) -> bool:
        """Whether `address` may be a group address or a return path of ours (answered at RCPT, before any lookup)."""
        if self._bounces is not None and self._bounces.claims(address):
            return self._bounces.is_return_path(address)
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        return domain == self._domain and local.startswith("plan-") and len(address) <= 254

    async def deliver(self, envelope_from: str, recipient: str, raw: bytes) -> str:
        """Handle `raw` for `recipient`; the SMTP reply line (250 taken, 550 refused, 451 try again)."""
        if self._bounces is not None and self._bounces.claims(recipient):
            return await self._bounces.receive(recipient, raw, self._reader)  # a bounce: null sender, automatic
        parts = self._reader.read_parts(raw)
        if envelope_from.strip() in ("", "<>") or is_automatic(parts.headers, self._domain):
            log.info("inbound: %s", Outcome.AUTOMATIC.value)
            return ACCEPTED  # a DSN or an auto-reply: taken, dropped unread (never answered: no loops)
        if parts.sender is None:
            return REFUSED
        if not await self._window.admit(parts.sender):
            return SLOW_DOWN
        opened = await self._open(parts, recipient)
        facts = next((f for f in map(self._replies.read_reply, opened.calendars) if f is not None), None)
        if facts is None and self._journaal is not None:  # no answer: a member writing to the group, or refused
            entity = None if opened.unreadable else opened.entity
            offer = None if opened.unreadable else await self._offer(parts)
            return await self._journaal.receive(parts, recipient, entity, opened.signer, raw, offer)
        if opened.unreadable or facts is None:
            log.info("inbound: %s", (Outcome.UNREADABLE if opened.unreadable else Outcome.NO_CALENDAR).value)
            return REFUSED
        offer = await self._offer(parts)
        outcome = await self._apply(facts, parts, recipient, opened.signer, raw, offer)
        log.info("inbound: %s", outcome.value)
        return ACCEPTED

    async def _recipient_keys(self, recipient: str) -> frozenset[str] | None:
        """The key of the household whose address `recipient` is (empty: no household's; None: not checked,
        no household keys wired): encrypted mail must have been encrypted to it (issue 14)."""
        if self._household_key is None:
            return None
        async with self._uow() as uow:
            target = await journaal_target(uow, recipient, self._domain)
        return frozenset({await self._household_key(target.household.code)}) if target is not None else frozenset()

    async def _open(self, parts: InboundParts, recipient: str) -> _Opened:
        if self._opener is None:
            return _Opened(parts.calendars, None, unreadable=parts.encrypted is not None or parts.signed is not None)
        try:
            if parts.encrypted is not None:
                keys = await self._recipient_keys(recipient)
                if keys is not None and not keys:  # no household's address: refused before gpg runs (same 550)
                    return _Opened((), None, unreadable=True)
                plaintext, signer = await self._opener.decrypt(parts.encrypted, keys)
                inner = self._reader.read_parts(plaintext).signed if signer is None else None
                if inner is not None:  # RFC 3156 §6.1: signed first, then encrypted (the signature inside)
                    signer, plaintext = await self._opener.verify_detached(*inner), inner[0]
                return _Opened(self._reader.calendars_in(plaintext), signer, entity=plaintext)
            if parts.signed is not None:
                entity, signature = parts.signed
                return _Opened(self._reader.calendars_in(entity), await self._opener.verify_detached(entity, signature))
        except PermanentFailure:  # not to our key, no MDC, a bad signature (a keyring outage: the MTA retries)
            return _Opened((), None, unreadable=True)
        return _Opened(parts.calendars, None)

    async def _offer(self, parts: InboundParts) -> tuple[str, str] | None:
        """An Autocrypt key the sender offers for their own address, checked like an upload (before any
        transaction: gpg's work), or None."""
        if self._opener is None or parts.autocrypt is None or parts.autocrypt[0] != parts.sender:
            return None
        try:
            return await self._opener.key_offer(parts.autocrypt[1])
        except (PermanentFailure, ValidationFailed):
            return None  # not a usable key: as if nothing was offered

    def _key(self, parts: InboundParts, recipient: str, raw: bytes) -> str:
        identity = parts.message_id.encode("utf-8", "replace") if parts.message_id else hashlib.sha256(raw).digest()
        return hashlib.sha256(identity + b"\0" + recipient.lower().encode("utf-8", "replace")).hexdigest()

    async def _addresses(self, uow: UnitOfWork, household_id: str, code: str) -> set[str]:
        groups = await uow.mail.list_groups(household_id)
        return {group_address(code, self._domain)} | {group_address(code, self._domain, g.slug) for g in groups}

    async def _apply(
        self,
        facts: ReplyFacts,
        parts: InboundParts,
        recipient: str,
        signer: str | None,
        raw: bytes,
        offer: tuple[str, str] | None = None,
    ) -> Outcome:
        sender = parts.sender or ""
        async with self._uow(write=True) as uow:
            found = await uow.inbound.overleg_of_uid(facts.uid)
            household = await uow.households.get(found[0]) if found else None
            overleg = await uow.overleggen.get(found[0], found[1], lock=True) if found else None
            if household is None or overleg is None:
                return Outcome.UNKNOWN_EVENT
            if recipient.strip("<>").lower() not in await self._addresses(uow, household.id, household.code):
                return Outcome.UNKNOWN_EVENT  # an answer to household A sent to household B's address
            sender_id = await self._sender_id(uow, household.id, sender)
            verdict = judge_reply(facts, overleg, sender_id, sender)
            if not await uow.inbound.remember(
                self._key(parts, recipient, raw), household.id, verdict.outcome, self._clock()
            ):
                return Outcome.DUPLICATE
            await self._store(uow, verdict, facts, overleg.id, await self._signed(uow, household.id, sender_id, signer))
            if offer is not None and sender_id is not None:
                await keep_offer(uow, household.id, sender_id, offer, signer, self._clock())
            await uow.commit()
            return verdict.outcome

    async def _store(self, uow: UnitOfWork, verdict: Verdict, facts: ReplyFacts, overleg_id: str, signed: bool) -> None:
        now, who = self._clock(), verdict.betrokkene_id
        if verdict.outcome is Outcome.ANSWERED and who is not None and verdict.partstat is not None:
            await uow.overleggen.set_partstat(overleg_id, who, verdict.partstat)
            await uow.inbound.put_answer(MailAnswer(overleg_id, who, verdict.partstat, signed, now))
        elif verdict.outcome is Outcome.PROPOSED and who is not None:
            assert facts.proposed_start is not None and facts.proposed_end is not None  # judge_reply checked
            proposal = Proposal(self._new_id(), overleg_id, who, facts.proposed_start, facts.proposed_end, signed, now)
            await uow.inbound.add_proposal(proposal)

    @staticmethod
    async def _sender_id(uow: UnitOfWork, household_id: str, sender: str) -> str | None:
        """The active betrokkene whose confirmed address sent it (an unconfirmed address may be anyone's)."""
        for person in await uow.betrokkenen.list(household_id):
            if person.active and person.email and person.email.lower() == sender:
                return None if await uow.auth.email_unconfirmed(person.id) else person.id
        return None

    @staticmethod
    async def _signed(uow: UnitOfWork, household_id: str, sender_id: str | None, signer: str | None) -> bool:
        if sender_id is None or signer is None:
            return False
        key = await uow.mail.get_key(household_id, sender_id)
        return key is not None and key.fingerprint.upper() == signer.upper()

    async def answers(
        self, principal: Principal, household_id: str, overleg_id: str
    ) -> tuple[list[MailAnswer], list[Proposal]]:
        """For the regisseur: the answers that came by mail (signed or not) and the times proposed, both in name
        order of who sent them (`domain.names`; someone's proposals by time)."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="see answers by mail") as c:
            if await c.uow.overleggen.get(household_id, overleg_id) is None:
                raise NotFound("overleg not found")
            answers, proposals = await c.uow.inbound.answers(overleg_id), await c.uow.inbound.proposals(overleg_id)
            names = {b.id: b.name for b in await c.uow.betrokkenen.list(household_id, include_removed=True)}
        senders = {a.betrokkene_id for a in answers} | {p.betrokkene_id for p in proposals}
        rank = {b: n for n, b in enumerate(ids_by_name(senders, names))}
        return (
            sorted(answers, key=lambda a: rank[a.betrokkene_id]),
            sorted(proposals, key=lambda p: (rank[p.betrokkene_id], p.start, p.id)),
        )
