"""Sending a journaal message on (issue 14 item 6): the outbox's part for `OutboxKind.JOURNAAL` rows.

At send time the recipient must still be a member of the message's group (`JournaalService.for_mail`, else
the row is skipped). With a usable key and the choice "plan" they get the message encrypted — one sealing
per message, shared by all its recipients — and the disclosure is logged on channel MAIL (no plan section,
detail `journaal:<id>`); otherwise a signed content-free notice that leads to the journaal page.
"""

from __future__ import annotations

import dataclasses
import json

from ..domain.access import Principal
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Betrokkene
from ..domain.journaal import NOTICE_TEXT, SUBJECT, detail, mail_text
from ..domain.mailgroup import OutboxItem
from ..domain.mailgroup_ports import Envelope, MailBody
from ..domain.pages import HouseholdPage
from .journaal import JournaalService
from .outbox_rows import Job
from .plan import PlanService

__all__ = ["NOTICE_TEXT", "SUBJECT", "JournaalMail", "journaal_link"]


def journaal_link(household_link: str) -> str:
    """Where a journaal mail leads: the household's journaal page."""
    return f"{household_link}/{HouseholdPage.JOURNAAL.value}"


class JournaalMail:
    """Prepares one journaal row for the outbox worker."""

    def __init__(self, journaal: JournaalService, plan: PlanService) -> None:
        self._journaal, self._plan = journaal, plan

    async def job(
        self, item: OutboxItem, person: Betrokkene, envelope: Envelope, fingerprint: str | None, household_link: str
    ) -> Job:
        """The job for `item`: with a body (encrypted later) when `person` takes content by mail, else a notice.
        NotFound when the person may no longer read the message."""
        message_id = str(json.loads(item.payload or "{}").get("journaal") or "")
        shown = await self._journaal.for_mail(item.household_id, message_id, person.id)
        if fingerprint is None or not person.wants_plan_by_mail:
            # content-free notice: nothing of the message is shown, and it comes from the household's own address
            # (a named group's address says which group wrote, in the clear)
            return Job(item, person, envelope, fingerprint)
        # From: the group's own address, so a reply in the member's client goes back to this group and no wider
        job = Job(
            item, person, dataclasses.replace(envelope, from_addr=shown.address or envelope.from_addr), fingerprint
        )
        principal = Principal(person.id, item.household_id)
        await self._plan.log_access(principal, item.household_id, Event.DISCLOSE, (), Channel.MAIL, detail(message_id))
        text = mail_text(shown.author, shown.group, shown.message, journaal_link(household_link))
        job.body = MailBody(text)
        job.view = f"journaal:{message_id}"  # every recipient gets the same text: one sealing
        return job
