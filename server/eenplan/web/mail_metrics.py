"""Mail figures of one process and the SMTP relay's state as the operator needs it on a bad day.

- `count_mail(kind, outcome)`: the outbox's observer (wired in bootstrap through `WorkerSettings.observe`):
  `eenplan_mail_sent_total{kind}` and `eenplan_mail_failed_total{kind,outcome}` (`retried`, `dead`); the kind from
  the fixed `OutboxKind` list, anything else "other". Summed over the workers they are the cluster's.
- `RelayWatch`: the relay being unreachable is one WARNING when the outage starts and one INFO when the relay
  answers again — never one line per row (the outbox retries each row quietly). `eenplan_smtp_relay_up` is 0 during
  an outage, `eenplan_smtp_sends_total{outcome}` counts every envelope (`sent`, `temporary`, `permanent`, `error`).
  An outage is a failure of the connection itself (refused, timeout, TLS) or a 421 ("service not available"); a 4xx
  or 5xx about one recipient is that recipient's, not the relay's.
No address, subject, id or code is ever logged or a label here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

from prometheus_client import Counter, Gauge

from eenplan_mail.smtp import SmtpSender

from ..domain.errors import PermanentFailure, TemporaryFailure, ValidationFailed
from ..domain.mailgroup import OutboxKind

log = logging.getLogger("eenplan.outbox")

_KINDS = frozenset(k.value for k in OutboxKind)
_FAILED = frozenset({"retried", "dead"})
MAIL_SENT = Counter("eenplan_mail_sent", "Mails the relay accepted (250), by outbox kind", ["kind"])
MAIL_FAILED = Counter(
    "eenplan_mail_failed",
    "Failed mail attempts by outbox kind and outcome (retried later, or dead)",
    ["kind", "outcome"],
)
SMTP_SENDS = Counter("eenplan_smtp_sends", "SMTP envelopes by outcome (sent, temporary, permanent, error)", ["outcome"])
RELAY_UP = Gauge("eenplan_smtp_relay_up", "Whether the SMTP relay answered the last send (0 during an outage)")
#: a reply code that says the relay itself is not available (RFC 5321 4.2.3)
SERVICE_NOT_AVAILABLE = 421


def count_mail(kind: str, outcome: str) -> None:
    """Count one attempt's outcome ("sent", "retried", "dead") by outbox kind; unknown values become "other", so
    no caller can grow the label sets."""
    label = kind if kind in _KINDS else "other"
    if outcome == "sent":
        MAIL_SENT.labels(label).inc()
    else:
        MAIL_FAILED.labels(label, outcome if outcome in _FAILED else "other").inc()


def is_outage(exc: BaseException) -> bool:
    """Whether a send failed because the relay is unreachable (no reply code, or 421), not because of a recipient."""
    if not isinstance(exc, TemporaryFailure):
        return False
    code = getattr(exc, "code", None)
    return code is None or code == SERVICE_NOT_AVAILABLE


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, (PermanentFailure, ValidationFailed)):
        return "permanent"
    return "temporary" if isinstance(exc, TemporaryFailure) else "error"


class RelayWatch:
    """The relay's state in this process: one WARNING when an outage starts, one INFO when it ends."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._down_since: float | None = None
        self._failed = 0
        RELAY_UP.set(1)

    @property
    def down(self) -> bool:
        """Whether the last send found the relay unreachable."""
        return self._down_since is not None

    async def send(self, attempt: Callable[[], Awaitable[None]]) -> None:
        """Run one send, note what it says about the relay, and re-raise its failure unchanged."""
        try:
            await attempt()
        except Exception as exc:
            self.failed(exc)
            raise
        self.sent()

    def failed(self, exc: BaseException) -> None:
        """A send failed: counted; an outage's first failure is logged (the cause's type, never an address)."""
        SMTP_SENDS.labels(_outcome(exc)).inc()
        if not is_outage(exc):
            return
        self._failed += 1
        if self._down_since is None:
            self._down_since = self._clock()
            RELAY_UP.set(0)
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            code = getattr(exc, "code", None)
            log.warning(
                "SMTP relay unreachable (%s); the outbox keeps the mail and retries it",
                f"reply {code}" if code else type(cause).__name__,
            )

    def sent(self) -> None:
        """A send worked: counted; the end of an outage is logged once, with how long it lasted."""
        SMTP_SENDS.labels("sent").inc()
        if self._down_since is not None:
            lasted = self._clock() - self._down_since
            log.info("SMTP relay answers again after %.0f s and %d failed send(s)", lasted, self._failed)
            self._down_since, self._failed = None, 0
            RELAY_UP.set(1)


class WatchedSmtpSender(SmtpSender):
    """The SMTP sender with the relay watched (bootstrap wires it in place of `SmtpSender`)."""

    def __init__(self, url: str, watch: RelayWatch | None = None) -> None:
        """The relay at `url`, watched by `watch` (a new one by default)."""
        super().__init__(url)
        self.watch = watch or RelayWatch()

    async def send(self, msg: EmailMessage, envelope_from: str, envelope_to: str) -> None:
        """`SmtpSender.send`, its outcome noted by the watch."""
        await self.watch.send(lambda: super(WatchedSmtpSender, self).send(msg, envelope_from, envelope_to))

    async def send_bytes(self, message: bytes, envelope_from: str, envelope_to: str) -> None:
        """`SmtpSender.send_bytes` (the encrypted plan mail), its outcome noted by the watch."""
        await self.watch.send(lambda: super(WatchedSmtpSender, self).send_bytes(message, envelope_from, envelope_to))
