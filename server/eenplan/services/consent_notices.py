"""Telling people that a consent request waits for them, or that theirs was answered or revoked.

A content-free, signed notice through the household's outbox (kind NOTICE, like the stagnatie and
contact notices), queued in the same transaction as the change: no purpose, no sections, no names, only
that there is something to look at and a link to the page where it is. A person whose address is not
confirmed gets nothing (it may be someone else's). The outbox is woken once the transaction commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from ..domain.consent import Consent
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus
from ..domain.pages import HouseholdPage
from ..domain.ports import Clock, IdFactory, UnitOfWork

SUBJECT = "Bericht over toestemming"
REQUEST_TEXT = (
    "Er is een vraag om toestemming voor het delen van informatie uit uw plan.\n"
    "Log in en kijk bij 'Wie ziet wat'. Daar kunt u ja of nee zeggen.\n"
)
DECIDED_TEXT = (
    "Er is een antwoord op een vraag om toestemming die u stelde.\nLog in om te zien wat u nu in het plan kunt lezen.\n"
)
REVOKED_TEXT = (
    "Een toestemming die u had gevraagd, is ingetrokken.\nLog in om te zien wat u nu in het plan kunt lezen.\n"
)
RECORDED_TEXT = (
    "Uw regisseur heeft uw antwoord op een vraag om toestemming vastgelegd (van een formulier of een\n"
    "gesprek). Kijk bij 'Wie ziet wat' of het klopt. Daar kunt u de toestemming ook intrekken.\n"
)
FOOTER = "\nDit bericht bevat geen inhoud uit het plan.\n"


class ConsentNotices:
    """Queues the consent notices in the caller's transaction (`wake`: the outbox worker, after commit)."""

    def __init__(self, clock: Clock, new_id: IdFactory, public_url: str, wake: Callable[[], None]) -> None:
        self._clock = clock
        self._new_id = new_id
        self._public_url = public_url.rstrip("/")
        self._wake = wake

    def _page(self, household_id: str, page: HouseholdPage | None) -> str:
        base = f"{self._public_url}/huishoudens/{household_id}"
        return f"{base}/{page.value}" if page is not None else base

    async def requested(self, uow: UnitOfWork, consent: Consent, klanten: Iterable[str]) -> int:
        """A new request: each klant who must answer is asked to look at 'Wie ziet wat'."""
        link = self._page(consent.household_id, HouseholdPage.WIE_ZIET_WAT)
        told = 0
        for klant_id in sorted(set(klanten)):
            told += await self._tell(uow, consent, klant_id, REQUEST_TEXT, link, "asked")
        return told

    async def decided(self, uow: UnitOfWork, consent: Consent, by: str) -> int:
        """The request was granted or declined: the requester is told (not when they decided it themself)."""
        return await self._tell_requester(uow, consent, by, DECIDED_TEXT, "decided")

    async def revoked(self, uow: UnitOfWork, consent: Consent, by: str) -> int:
        """The consent was revoked: the requester is told (not when they revoked it themself)."""
        return await self._tell_requester(uow, consent, by, REVOKED_TEXT, "revoked")

    async def recorded_for(self, uow: UnitOfWork, consent: Consent, klant_id: str) -> int:
        """A regisseur recorded a klant's answer on their behalf: the klant is told, and can check and revoke."""
        link = self._page(consent.household_id, HouseholdPage.WIE_ZIET_WAT)
        return await self._tell(uow, consent, klant_id, RECORDED_TEXT, link, "recorded")

    async def _tell_requester(self, uow: UnitOfWork, consent: Consent, by: str, text: str, what: str) -> int:
        if consent.requested_by == by:
            return 0
        return await self._tell(uow, consent, consent.requested_by, text, self._page(consent.household_id, None), what)

    async def _tell(self, uow: UnitOfWork, consent: Consent, person_id: str, text: str, link: str, what: str) -> int:
        if not await can_be_told(uow, consent.household_id, person_id):
            return 0
        now = self._clock()
        payload = json.dumps({"subject": SUBJECT, "text": text + FOOTER, "link": link})
        queued = await uow.mail.enqueue(
            OutboxItem(
                self._new_id(),
                consent.household_id,
                person_id,
                OutboxKind.NOTICE,
                f"toestemming:{consent.id}:{what}:{now.isoformat()}",
                None,
                None,
                OutboxStatus.QUEUED,
                0,
                now,
                now,
                payload=payload,
            )
        )
        if queued:
            uow.on_commit(self._wake)
        return int(queued)


async def can_be_told(uow: UnitOfWork, household_id: str, person_id: str) -> bool:
    """Whether a notice can reach this person: active, with an address they confirmed themself (an address
    someone else added and its owner never confirmed is no channel of theirs)."""
    person = await uow.betrokkenen.get(household_id, person_id)
    if person is None or not person.active or not person.email:
        return False
    return not await uow.auth.email_unconfirmed(person.id)
