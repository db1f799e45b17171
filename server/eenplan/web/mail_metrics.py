"""Mail figures of one process and the SMTP relay's state as the operator needs it on a bad day.

- `count_mail(kind, outcome)`: the outbox's observer (wired in bootstrap through `WorkerSettings.observe`):
  `eenplan_mail_sent_total{kind}` and `eenplan_mail_failed_total{kind,outcome}` (`retried`, `dead`); the kind from
  the fixed `OutboxKind` list, anything else "other". Summed over the workers they are the cluster's.
- `RelayWatch`: an outage of the relay is one WARNING when it starts and one INFO when it ends — never one line per
  row (the outbox retries each row quietly), and one outage however the relay flaps (it ends only after `UP_AFTER`
  successes in a row or a quiet period). An outage is a failure of the connection itself (refused, timeout, TLS),
  a 421, or the same connection-wide refusal for `REFUSED_IN_A_ROW` messages in a row (554 relay denied, 535
  authentication, 451/452 on every message: `connection_refusal`); a 4xx or 5xx about one recipient is that
  recipient's. `eenplan_smtp_relay_up` is 0 during an outage and absent until the process tried a send;
  `eenplan_smtp_sends_total{outcome}` counts every envelope (`sent`, `temporary`, `permanent`, `error`).
No address, subject, id or code is ever logged or a label here.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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
#: a reply code that says the relay itself is not available (RFC 5321 4.2.3)
SERVICE_NOT_AVAILABLE = 421
#: reply codes that, refused for every message in a row, are the relay's (or our account's) trouble, not one
#: recipient's: 451/452 local error / no storage (on MAIL FROM), 454/530/534/535/538 authentication, 554 relay or
#: transaction refused; a reply with an enhanced status 4.7.x/5.7.x (security or policy: relay denied) too
CONNECTION_CODES = frozenset({451, 452, 454, 530, 534, 535, 538, 554})
#: how many messages in a row refused with the same such code make an outage
REFUSED_IN_A_ROW = 5
#: an outage ends after this many successful sends in a row without an outage failure between them ...
UP_AFTER = 10
#: ... or at a successful send this many seconds after its last outage failure (a flapping relay stays down)
QUIET_SECONDS = 120.0
_ENHANCED = re.compile(r"^\s*[45]\.7\.\d{1,3}\b")


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


def connection_refusal(exc: BaseException) -> int | None:
    """The reply code when a send was refused for a reason that may be the whole connection's (authentication,
    relay denied, 451/452 on MAIL FROM): an outage once every message of `REFUSED_IN_A_ROW` gets it; else None."""
    if not isinstance(exc, (TemporaryFailure, PermanentFailure)):
        return None
    code = getattr(exc, "code", None)
    if not isinstance(code, int):
        return None
    if code in CONNECTION_CODES or _ENHANCED.match(str(getattr(exc, "reason", ""))):
        return code
    return None


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, (PermanentFailure, ValidationFailed)):
        return "permanent"
    return "temporary" if isinstance(exc, TemporaryFailure) else "error"


class RelayWatch:
    """The relay's state in this process: one WARNING when an outage starts, one INFO when it ends.

    An outage starts at a failure of the connection itself (no reply, 421), or when `REFUSED_IN_A_ROW` messages in
    a row were refused with the same connection-wide code (`connection_refusal`). It ends only after `UP_AFTER`
    successful sends in a row, or at a success `QUIET_SECONDS` after its last outage failure: a relay refusing
    some connections stays one outage (one WARNING) and down for `eenplan_smtp_relay_up`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._down_since: float | None = None
        self._failed = 0
        self._last_bad = 0.0
        self._ok_in_a_row = 0
        #: the code of the refusals in a row so far, and how many
        self._refused: tuple[int, int] | None = None
        #: whether any send was tried (the gauge is exported only from then on: no 1 before anything is known)
        self.tried = False
        self._last_ok = False

    @property
    def down(self) -> bool:
        """Whether the relay is in an outage (for the gauge: until the outage ends, see the class docstring)."""
        return self._down_since is not None

    def up_now(self) -> bool:
        """The gauge's value at a scrape: up unless in an outage whose last send also failed or whose last failure
        is recent (a quiet period after a success ends it here already; its INFO line comes with the next send)."""
        if self._down_since is None:
            return True
        return self._last_ok and self._clock() - self._last_bad >= QUIET_SECONDS

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
        _RELAY_UP.watch, self.tried, self._last_ok = self, True, False
        code = getattr(exc, "code", None)
        if is_outage(exc):
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            self._outage(f"reply {code}" if code else type(cause).__name__, "unreachable")
            return
        refused = connection_refusal(exc)
        if refused is None:
            self._refused = None  # one recipient's trouble breaks a run of refusals
            return
        seen = self._refused[1] + 1 if self._refused is not None and self._refused[0] == refused else 1
        self._refused = (refused, seen)
        if seen >= REFUSED_IN_A_ROW or self._down_since is not None:
            self._outage(f"reply {refused} to every message", "refuses the mail")

    def _outage(self, cause: str, what: str) -> None:
        """One outage failure: the WARNING only at the start of an outage."""
        self._failed += 1
        self._last_bad = self._clock()
        self._ok_in_a_row = 0
        if self._down_since is None:
            self._down_since = self._last_bad
            log.warning("SMTP relay %s (%s); the outbox keeps the mail and retries it", what, cause)

    def sent(self) -> None:
        """A send worked: counted; the end of an outage is logged once, with how long it lasted."""
        SMTP_SENDS.labels("sent").inc()
        _RELAY_UP.watch, self.tried, self._last_ok = self, True, True
        self._refused = None
        if self._down_since is None:
            return
        self._ok_in_a_row += 1
        if self._ok_in_a_row < UP_AFTER and self._clock() - self._last_bad < QUIET_SECONDS:
            return
        lasted = self._clock() - self._down_since
        log.info("SMTP relay answers again after %.0f s and %d failed send(s)", lasted, self._failed)
        self._down_since, self._failed, self._ok_in_a_row = None, 0, 0


class _RelayUp(Collector):
    """`eenplan_smtp_relay_up` of the watch that sent last: absent until this process tried a send (unknown, not 1),
    then 1 or 0 (`RelayWatch.up_now`)."""

    def __init__(self) -> None:
        self.watch: RelayWatch | None = None

    def collect(self) -> Iterator[Metric]:
        """The gauge, once this process has tried a send."""
        watch = self.watch
        if watch is not None and watch.tried:
            yield GaugeMetricFamily(
                "eenplan_smtp_relay_up",
                "Whether the SMTP relay takes mail (0 during an outage; absent before this process tried a send)",
                value=1.0 if watch.up_now() else 0.0,
            )


_RELAY_UP = _RelayUp()
REGISTRY.register(_RELAY_UP)


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
