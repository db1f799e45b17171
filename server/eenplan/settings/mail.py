"""Mail: the SMTP relay out, the receiver in, the group addresses' domain, the outbox's retries, the journaal."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from ..domain.errors import ValidationFailed
from . import setting


@dataclass(frozen=True)
class MailDeliverySettings:
    """Mail out (SMTP, the outbox) and in (the receiver, the journaal it keeps)."""

    smtp_url: str = setting(
        "",
        "Outbound SMTP, e.g. smtp+starttls://user:pass@mail.example.org:587. "
        "Empty: mail is not sent (sign-in links are printed to the console).",
        "EENPLAN_SMTP_URL",
    )
    mail_domain: str = setting(
        "eenplan.localhost",
        "Domain of the household group addresses (plan-<code>@DOMAIN) and Message-IDs.",
        "EENPLAN_MAIL_DOMAIN",
    )
    inbound_url: str = setting(
        "",
        "Where the receiver for mail to the group addresses listens: lmtp://HOST:PORT (Postfix hands the mail "
        "domain to it) or smtp://HOST:PORT. Empty: `eenplan serve` takes no mail and `eenplan inbound` listens on "
        "lmtp://127.0.0.1:8024.",
        "EENPLAN_INBOUND_URL",
    )
    journaal_retention_days: int = setting(
        365,
        "Days after a household entered phase 6 (afsluiten) its journaal (members' messages) is deleted; "
        "checked hourly. A household that reopens keeps it.",
        "EENPLAN_JOURNAAL_RETENTION_DAYS",
    )
    outbox_max_attempts: int = setting(
        8, "Attempts per outbox message before it becomes a dead letter.", "EENPLAN_OUTBOX_MAX_ATTEMPTS"
    )
    outbox_poll_seconds: int = setting(
        2,
        "Seconds between outbox polls (rows queued by the same process are sent at once).",
        "EENPLAN_OUTBOX_POLL_SECONDS",
    )
    outbox_backoff_seconds: int = setting(
        30,
        "First retry delay after a temporary SMTP failure; doubles per attempt, at most one hour.",
        "EENPLAN_OUTBOX_BACKOFF_SECONDS",
    )
    outbox_lease_seconds: int = setting(
        300,
        "How long a worker holds claimed rows (renewed every third of it while it works); a crashed worker's "
        "rows are sent again after it (same Message-ID).",
        "EENPLAN_OUTBOX_LEASE_SECONDS",
    )

    def inbound_listen(self) -> tuple[bool, str, int]:
        """(LMTP?, host, port) of the inbound receiver (EENPLAN_INBOUND_URL, or lmtp://127.0.0.1:8024)."""
        url = urllib.parse.urlsplit(self.inbound_url or "lmtp://127.0.0.1:8024")
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme not in ("lmtp", "smtp") or not url.hostname or port is None or url.path not in ("", "/"):
            raise ValidationFailed.one(
                "EENPLAN_INBOUND_URL", "must look like lmtp://127.0.0.1:8024 or smtp://host:port"
            )
        return url.scheme == "lmtp", url.hostname, port
