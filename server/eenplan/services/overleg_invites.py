"""Building and queueing an overleg's iTIP invites, one per recipient, inside the caller's transaction.

Every invite is content-free: a neutral SUMMARY, the household's group address as ORGANIZER
(SENT-BY the regisseur), and only the attendees the recipient may see. The agenda goes to the
outbox separately, for the encrypted part of the recipient's mail only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..domain.betrokkene import Betrokkene
from ..domain.household import Household
from ..domain.overleg import Overleg, visible_attendees
from ..domain.overleg_ports import AttendeeSpec, InviteBuilder, InviteSpec
from ..domain.ports import InviteOutbox, UnitOfWork

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def group_address(code: str, mail_domain: str) -> str:
    """The household's mail-group address, plan-<code>@DOMAIN (lower case)."""
    return f"plan-{code.lower()}@{mail_domain}"


def overleg_uid(overleg_id: str, mail_domain: str) -> str:
    """The stable iCalendar UID of an overleg: <id>@DOMAIN, never reused."""
    return f"{overleg_id}@{mail_domain}"


class InviteSender:
    """Turns an overleg into per-recipient .ics and hands them to the outbox port."""

    def __init__(
        self, builder: InviteBuilder, mail_domain: str, clock: Callable[[], datetime], outbox: InviteOutbox | None
    ) -> None:
        self.builder = builder
        self.mail_domain = mail_domain
        self.outbox = outbox
        self._clock = clock

    def spec(
        self,
        household: Household,
        overleg: Overleg,
        recipient_id: str,
        people: dict[str, Betrokkene],
        sent_by: str | None,
        *,
        only: Sequence[str] | None = None,
    ) -> InviteSpec | None:
        """The invite one recipient gets; None when nobody in it has an e-mail address."""
        invitees = visible_attendees(recipient_id, overleg.invitees)
        if only is not None:
            invitees = tuple(i for i in invitees if i.betrokkene_id in only)
        attendees = tuple(
            AttendeeSpec(email, people[i.betrokkene_id].name, i.must_attend)
            for i in invitees
            if i.betrokkene_id in people
            if (email := people[i.betrokkene_id].email)
        )
        if not attendees:
            return None
        return InviteSpec(
            uid=overleg.uid,
            sequence=overleg.sequence,
            start=overleg.start,
            end=overleg.end,
            summary=f"Overleg huishouden {household.code}",
            organizer_email=group_address(household.code, self.mail_domain),
            organizer_name=f"Huishouden {household.code}",
            attendees=attendees,
            location=overleg.place,
            sent_by_email=sent_by,
            dtstamp=self._clock(),
        )

    def ics(self, spec: InviteSpec, method: str) -> bytes:
        """The .ics bytes of an invite with the given iTIP method."""
        return self.builder.build_request(spec) if method == REQUEST else self.builder.build_cancel(spec)

    async def send(
        self,
        uow: UnitOfWork,
        household: Household,
        overleg: Overleg,
        recipients: Sequence[str],
        method: str,
        sent_by: str | None,
        dedupe: str,
        *,
        uninvited: bool = False,
    ) -> int:
        """Queue one invite per recipient with an e-mail address; returns how many were queued.

        `uninvited`: a CANCEL to people taken off the list names only themselves.
        """
        people = {b.id: b for b in await uow.betrokkenen.list(household.id)}
        queued = 0
        for rid in recipients:
            person = people.get(rid)
            if person is None or not person.email:
                continue
            spec = self.spec(household, overleg, rid, people, sent_by, only=[rid] if uninvited else None)
            if spec is None:
                continue
            ics = self.ics(spec, method)
            agenda = overleg.agenda if method == REQUEST else ""
            if self.outbox is None:  # not wired: built (and so validated) but nothing to queue it in
                continue
            await self.outbox.enqueue_invite(uow, household.id, rid, method, ics, agenda, f"{dedupe}:{method}")
            queued += 1
        return queued
