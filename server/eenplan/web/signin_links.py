"""Delivering magic sign-in links: for now, to the console.

TODO(issue 4, mailgroup): with EENPLAN_SMTP_URL set, the link must be mailed
through the mail pipeline's PGP/notice path (a sign-in link is not care
content, but it is a credential: encrypted to the betrokkene's pinned key
when there is one). Until that pipeline exists this sender prints the link
in both cases and says so.
"""

from __future__ import annotations

import sys
from datetime import datetime

from ..domain.betrokkene import Betrokkene


class ConsoleLinkSender:
    """Prints each sign-in link to standard output (development, and until issue 4's mail pipeline)."""

    def __init__(self, smtp_configured: bool) -> None:
        self._smtp_configured = smtp_configured

    async def send_link(self, betrokkene: Betrokkene, url: str, expires_at: datetime) -> None:
        """Print the link for the betrokkene (name only; no plan content), with its expiry."""
        note = " (SMTP is configured, but mailing sign-in links arrives with the mail pipeline)" \
            if self._smtp_configured else ""
        print(f"eenplan sign-in link for {betrokkene.name} <{betrokkene.email}> "
              f"(valid until {expires_at.isoformat(timespec='seconds')}){note}:\n  {url}", file=sys.stdout, flush=True)
