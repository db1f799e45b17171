"""Keys offered by mail (issue 14): an Autocrypt header on a member's mail becomes a candidate that the owner
confirms on their page ("Mijn gegevens") — never pinned by itself, since anyone can put a header on a mail.

An offer counts only from the member's own confirmed address, and, when they already have a pinned key,
only on a mail that key signed (a key rollover announced by the old key). The owner then pins it with one
press, which goes through the same checks and notices as an upload (`MailgroupService.put_key`).
"""

from __future__ import annotations

from datetime import datetime

from ..domain.access import Principal
from ..domain.errors import NotFound
from ..domain.inbound_ports import KeyCandidate
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised
from .mailgroup import MailgroupService


async def keep_offer(
    uow: UnitOfWork,
    household_id: str,
    betrokkene_id: str,
    offer: tuple[str, str],
    signer: str | None,
    now: datetime,
) -> bool:
    """Inside the caller's transaction: keep `offer` (armored, fingerprint) as the betrokkene's candidate when
    the rule above lets it count and it is not the key already pinned; whether it was kept."""
    armored, fingerprint = offer
    pinned = await uow.mail.get_key(household_id, betrokkene_id)
    if pinned is not None and (signer is None or pinned.fingerprint.upper() != signer.upper()):
        return False  # a new key for someone with a key must be announced under their old one
    if pinned is not None and pinned.fingerprint.upper() == fingerprint.upper():
        return False
    await uow.inbound.put_candidate(KeyCandidate(household_id, betrokkene_id, fingerprint, armored, now))
    return True


class KeyOffers:
    """The owner's side: see the key offered by mail, pin it, or decline it."""

    def __init__(self, uow: UnitOfWorkFactory, mailgroup: MailgroupService) -> None:
        self._uow, self._mailgroup = uow, mailgroup

    async def pending(self, principal: Principal, household_id: str) -> KeyCandidate | None:
        """The key offered for the caller themself, if any (not one that is pinned already)."""
        async with authorised(self._uow, principal, household_id) as caller:
            me = caller.actor.betrokkene_id
            offered = await caller.uow.inbound.candidate(household_id, me)
            pinned = await caller.uow.mail.get_key(household_id, me)
        if offered is None or (pinned is not None and pinned.fingerprint.upper() == offered.fingerprint.upper()):
            return None
        return offered

    async def accept(self, principal: Principal, household_id: str) -> None:
        """Pin the offered key for oneself (one's own credential only: nobody confirms a key for someone else)."""
        what = "use a key offered by mail"
        async with authorised(self._uow, principal, household_id, need=Need.PERSONAL, what=what) as caller:
            offered = await caller.uow.inbound.candidate(household_id, caller.actor.betrokkene_id)
        if offered is None:
            raise NotFound("no key was offered")
        await self._mailgroup.put_key(principal, household_id, principal.betrokkene_id, offered.armored)
        async with self._uow(write=True) as uow:
            await uow.inbound.drop_candidate(household_id, principal.betrokkene_id)
            await uow.commit()

    async def decline(self, principal: Principal, household_id: str) -> None:
        """Forget the key offered for oneself."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="decline a key offered by mail"
        ) as caller:
            if not await caller.uow.inbound.drop_candidate(household_id, caller.actor.betrokkene_id):
                raise NotFound("no key was offered")
            await caller.uow.commit()
