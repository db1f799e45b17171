"""Bounces (issue 14): a delivery status notification to a VERP return path raises that betrokkene's bounce
score (`domain.bounces`, Mailman's defaults); at 5.0 their address is disabled and the outbox stops sending
plan updates, invitations and reminders to it (sign-in links and security notices still go: the person
asked for them, or must hear of them). The regisseur and the person see "dit adres werkt niet"; either may
ask to try again, and a changed address starts afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..domain.access import Principal
from ..domain.bounces import PREFIX, BounceRecord, betrokkene_of, mac_fits, register_bounce
from ..domain.errors import NotFound
from ..domain.inbound_ports import MessageReader
from ..domain.mailgroup import OutboxKind
from ..domain.names import name_key
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, require_need

log = logging.getLogger("eenplan.inbound")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TAKEN = "250 2.0.0 Ontvangen (received)"
UNKNOWN = "550 5.1.1 Dit adres kennen wij niet (unknown address)"
#: what stops going to a disabled address (plan updates, invitations, key warnings, journaal posts); sign-in links
#: and notices about one's own data still go
STOPPED_KINDS = frozenset({OutboxKind.PLAN_UPDATE, OutboxKind.INVITE, OutboxKind.KEY_EXPIRY, OutboxKind.JOURNAAL})


@dataclass(frozen=True)
class BounceView:
    """One betrokkene's address that bounced: how badly, and whether mail to it has stopped."""

    betrokkene_id: str
    score: float
    last_bounce_on: str
    works: bool


class BounceService:
    """Bounces in, scores kept, the outbox told which addresses are off."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, verp_key: bytes, mail_domain: str) -> None:
        self._uow, self._clock, self._key, self._domain = uow, clock, verp_key, mail_domain.lower()

    def is_return_path(self, address: str) -> bool:
        """Whether `address` is one of our VERP return paths (checked at RCPT)."""
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        return domain == self._domain and betrokkene_of(local) is not None

    @staticmethod
    def claims(address: str) -> bool:
        """Whether `address` looks like a return path at all (then only `receive` may handle it)."""
        return address.strip().strip("<>").lower().startswith(PREFIX)

    async def receive(self, recipient: str, raw: bytes, reader: MessageReader) -> str:
        """A bounce for `recipient` (a return path): count a permanent failure of the address it was made for."""
        found = betrokkene_of(recipient.strip().strip("<>").rpartition("@")[0])
        if found is None:
            return UNKNOWN
        if not reader.read_delivery_status(raw):  # no DSN, or only a delay: nothing to count
            log.info("inbound: bounce ignored")
            return TAKEN
        betrokkene_id, mac = found
        now = self._clock()
        async with self._uow(write=True) as uow:
            household_id = await uow.bounces.household_of(betrokkene_id)
            person = await uow.betrokkenen.get(household_id, betrokkene_id) if household_id else None
            if person is None or not person.email or not mac_fits(self._key, person.id, person.email, mac):
                log.info("inbound: bounce for an old or unknown address")
                return TAKEN  # forged, or about an address they no longer have
            before = await uow.bounces.get(person.household_id, person.id)
            after = register_bounce(
                before, person.household_id, person.id, person.email, now, now.astimezone(AMSTERDAM).date()
            )
            if after != before:
                await uow.bounces.put(after)
                await uow.commit()
        log.info("inbound: bounce counted%s", " (address disabled)" if after.disabled_at else "")
        return TAKEN

    @staticmethod
    async def disabled_in(uow: UnitOfWork, household_id: str, emails: dict[str, str | None]) -> set[str]:
        """Inside the caller's unit of work: the betrokkenen whose current address (`emails`) is disabled."""
        return {
            r.betrokkene_id
            for r in await uow.bounces.in_household(household_id)
            if r.disables(emails.get(r.betrokkene_id))
        }

    async def in_household(self, principal: Principal, household_id: str) -> list[BounceView]:
        """For the regisseur: every address of the household that bounced lately, in name order of its betrokkene
        (`domain.names`)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="see which addresses bounce"
        ) as caller:
            people = {b.id: b for b in await caller.uow.betrokkenen.list(household_id)}
            records = await caller.uow.bounces.in_household(household_id)
        shown = [(people[r.betrokkene_id], r) for r in records if r.betrokkene_id in people]
        shown.sort(key=lambda pr: name_key(pr[0].name, pr[0].id))
        return [_view(r, b.email) for b, r in shown if _current(r, b.email)]

    async def mine(self, principal: Principal, household_id: str) -> BounceView | None:
        """For the person: whether mail to their own address bounces (None: it works, as far as we know)."""
        async with authorised(self._uow, principal, household_id) as caller:
            me = await caller.uow.betrokkenen.get(household_id, caller.actor.betrokkene_id)
            record = await caller.uow.bounces.get(household_id, caller.actor.betrokkene_id)
            email = me.email if me else None
            return _view(record, email) if record is not None and _current(record, email) else None

    async def try_again(self, principal: Principal, household_id: str, betrokkene_id: str) -> None:
        """Forget an address's bounces so mail goes to it again: the person themself or a regisseur."""
        async with authorised(self._uow, principal, household_id, write=True) as caller:
            if betrokkene_id != caller.actor.betrokkene_id:
                require_need(caller, Need.REGISSEUR, "try someone else's address again")
            if not await caller.uow.bounces.clear(household_id, betrokkene_id):
                raise NotFound("no bounces for this betrokkene")
            await caller.uow.commit()


def _current(record: BounceRecord, email: str | None) -> bool:
    return email is not None and record.address.lower() == email.lower()


def _view(record: BounceRecord, email: str | None) -> BounceView:
    return BounceView(record.betrokkene_id, record.score, record.last_bounce_on.isoformat(), not record.disables(email))
