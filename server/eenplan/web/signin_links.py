"""Delivering magic sign-in links: by mail through the outbox when SMTP is configured, else to the console.

A sign-in link is not care content but it is a credential: by mail it is encrypted to the
betrokkene's pinned key when there is one, otherwise it travels in a signed notice. Without SMTP
(development, `make run`) it is printed to the console.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from typing import Any

from ..domain.betrokkene import Betrokkene
from ..domain.contact_changes import SUBJECT, ContactNotice
from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus
from ..domain.ports import UnitOfWork

#: what a notice is about, for the developer's console (from its dedupe key, services.contact_changes)
NOTICE_KINDS = {
    "changed": "the address was changed",
    "approve": "approve a change of the address",
    "confirm": "confirm a new address",
    "removed": "removed from the household",
    "record": "kind, role or birth date changed by someone else",
    "factor": "a way of signing in was added or removed",
}


class OutboxLinkSender:
    """Mails each sign-in link through the household mailgroup's outbox (encrypted when a key is pinned,
    otherwise a signed notice holding only the link). Used whenever SMTP is configured."""

    def __init__(self, mailgroup: Any) -> None:
        self._mailgroup = mailgroup

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None:
        """Queue the link for the betrokkene; the outbox worker sends it within seconds."""
        await self._mailgroup.enqueue_signin_link(betrokkene.household_id, betrokkene.id, url)

    async def queue_notice(self, uow: UnitOfWork, notice: ContactNotice) -> None:
        """Queue a signed, content-free notice about sign-in data in the caller's transaction, addressed to
        `notice.to_address` (the old address stays the recipient even after the change is applied)."""
        payload = {"subject": SUBJECT, "text": notice.text, "to": notice.to_address}
        if notice.url:
            payload["link"] = notice.url
        await uow.mail.enqueue(
            OutboxItem(
                str(uuid.uuid4()),
                notice.household_id,
                notice.betrokkene_id,
                OutboxKind.NOTICE,
                notice.dedupe_key,
                None,
                None,
                OutboxStatus.QUEUED,
                0,
                notice.at,
                notice.at,
                payload=json.dumps(payload),
            )
        )

    def wake(self) -> None:
        """Wake the outbox worker (after the queuing transaction committed)."""
        for wake in self._mailgroup.on_enqueued:
            wake()


class ConsoleLinkSender:
    """Prints each sign-in link to standard output (development, and until issue 4's mail pipeline)."""

    def __init__(self, smtp_configured: bool) -> None:
        self._smtp_configured = smtp_configured

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None:
        """Without SMTP (development, `make run`): print the link a developer needs to sign in, marked as such,
        with the betrokkene's id only — never a name or an address. With SMTP set but no mail pipeline the
        link is not printed at all: a console in production must not hold live credentials."""
        if self._smtp_configured:
            print(
                f"eenplan: sign-in link for betrokkene {betrokkene.id} NOT delivered: SMTP is set but the mail "
                "pipeline is not configured (EENPLAN_GNUPGHOME)",
                file=sys.stderr,
                flush=True,
            )
            return
        print(
            f"DEV MAIL (no SMTP configured): sign-in link for betrokkene {betrokkene.id} "
            f"(valid until {expires_at.isoformat(timespec='seconds')}):\n  {url}",
            file=sys.stdout,
            flush=True,
        )

    async def queue_notice(self, uow: UnitOfWork, notice: ContactNotice) -> None:
        """A notice about sign-in data, like a link: without SMTP printed, marked, with the betrokkene's id and
        the confirmation link only; with SMTP set but no mail pipeline only the fact that it was not sent."""
        if self._smtp_configured:
            print(
                f"eenplan: sign-in data notice for betrokkene {notice.betrokkene_id} NOT delivered: SMTP is set "
                "but the mail pipeline is not configured (EENPLAN_GNUPGHOME)",
                file=sys.stderr,
                flush=True,
            )
            return
        kind = NOTICE_KINDS.get(notice.dedupe_key.split(":")[1] if ":" in notice.dedupe_key else "", "a notice")
        print(
            f"DEV MAIL (no SMTP configured): sign-in data notice for betrokkene {notice.betrokkene_id}: {kind}"
            + (f":\n  {notice.url}" if notice.url else ""),
            file=sys.stdout,
            flush=True,
        )

    def wake(self) -> None:
        """Nothing to wake: notices are printed at once."""
