"""Delivering magic sign-in links: by mail through the outbox when SMTP is configured, else to the console.

A sign-in link is not care content but it is a credential: by mail it is encrypted to the
betrokkene's pinned key when there is one, otherwise it travels in a signed notice. Without SMTP
(development, `make run`) it is printed to the console.
"""

from __future__ import annotations

import sys
from datetime import datetime

from ..domain.betrokkene import Betrokkene


class OutboxLinkSender:
    """Mails each sign-in link through the household mailgroup's outbox (encrypted when a key is pinned,
    otherwise a signed notice holding only the link). Used whenever SMTP is configured."""

    def __init__(self, mailgroup) -> None:
        self._mailgroup = mailgroup

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None:
        """Queue the link for the betrokkene; the outbox worker sends it within seconds."""
        await self._mailgroup.enqueue_signin_link(betrokkene.household_id, betrokkene.id, url)


class ConsoleLinkSender:
    """Prints each sign-in link to standard output (development, and until issue 4's mail pipeline)."""

    def __init__(self, smtp_configured: bool) -> None:
        self._smtp_configured = smtp_configured

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None:
        """Without SMTP (development, `make run`): print the link a developer needs to sign in, marked as such,
        with the betrokkene's id only — never a name or an address. With SMTP set but no mail pipeline the
        link is not printed at all: a console in production must not hold live credentials."""
        if self._smtp_configured:
            print(f"eenplan: sign-in link for betrokkene {betrokkene.id} NOT delivered: SMTP is set but the mail "
                  "pipeline is not configured (EENPLAN_GNUPGHOME)", file=sys.stderr, flush=True)
            return
        print(f"DEV MAIL (no SMTP configured): sign-in link for betrokkene {betrokkene.id} "
              f"(valid until {expires_at.isoformat(timespec='seconds')}):\n  {url}", file=sys.stdout, flush=True)
