"""Building and queueing an overleg's iTIP invites, one per recipient, inside the caller's transaction.

Every invite has a neutral SUMMARY and the household's group address as ORGANIZER. Each recipient
gets two versions: the full one (SENT-BY the regisseur, the place, every attendee they may see with
their answers so far, the chair as ROLE=CHAIR) for inside an encrypted mail, and a reduced one for
a cleartext notice to someone without a usable key, naming only the organizer and that recipient
(no place, no SENT-BY, no other attendee: who else comes tells what help a household gets). The
agenda goes to the outbox separately, for the encrypted part only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
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
        """The (full) invite one recipient gets; None when nobody in it has an e-mail address.

        Each attendee carries the answer the overleg holds for them, so an update does not reset it;
        the chair (or, without one, the regisseur sending it) is ROLE=CHAIR."""
        invitees = visible_attendees(recipient_id, overleg.invitees)
        if only is not None:
            invitees = tuple(i for i in invitees if i.betrokkene_id in only)
        chair = overleg.chair_id or _sender_id(people, sent_by)
        attendees = tuple(
            AttendeeSpec(email, people[i.betrokkene_id].name, i.must_attend, i.partstat, i.betrokkene_id == chair)
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

    @staticmethod
    def cleartext(spec: InviteSpec, recipient_email: str) -> InviteSpec | None:
        """The invite reduced for a cleartext mail: the organizer and the recipient only, without the
        place or the regisseur's address (SENT-BY); None when the recipient is not among its attendees."""
        own = tuple(a for a in spec.attendees if a.email.lower() == recipient_email.lower())
        if not own:
            return None
        return replace(spec, attendees=own, location=None, sent_by_email=None)

    def ics(self, spec: InviteSpec, method: str, *, uninvited: bool = False) -> bytes:
        """The .ics bytes of an invite with the given iTIP method; a CANCEL to people taken off the list
        (`uninvited`) has no STATUS, a CANCEL of the overleg has STATUS:CANCELLED (RFC 5546 §3.2.5)."""
        if method == REQUEST:
            return self.builder.build_request(spec)
        return self.builder.build_uninvite(spec) if uninvited else self.builder.build_cancel(spec)

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

        `uninvited`: a CANCEL to people taken off the list names only themselves and has no STATUS.
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
            ics = self.ics(spec, method, uninvited=uninvited)
            clear = self.cleartext(spec, person.email)
            clear_ics = None if clear is None else self.ics(clear, method, uninvited=uninvited)
            agenda = overleg.agenda if method == REQUEST else ""
            if self.outbox is None:  # not wired: built (and so validated) but nothing to queue it in
                continue
            await self.outbox.enqueue_invite(
                uow,
                household.id,
                rid,
                method,
                ics,
                agenda,
                f"{dedupe}:{method}",
                clear_ics=clear_ics,
                uninvited=uninvited,
            )
            queued += 1
        return queued


def _sender_id(people: dict[str, Betrokkene], sent_by: str | None) -> str | None:
    """The betrokkene whose address sends the invites (the acting regisseur), if any."""
    if not sent_by:
        return None
    return next((b.id for b in people.values() if b.email and b.email.lower() == sent_by.lower()), None)
