"""The inbound receiver (issue 14): an LMTP (or SMTP) server, aiosmtpd, behind the organisation's MTA.

Postfix hands the group domain to it (`deploy/postfix/`). Every RCPT is checked at once (`accepts`:
one of our group addresses), at most `max_recipients` per transaction; DATA is bounded by
`max_bytes` (552 above it) and handed to `deliver(sender, recipient, raw)` once per recipient, which
answers an SMTP reply line. LMTP answers DATA with one line per recipient (RFC 2033 §4.2).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

Deliver = Callable[[str, str, bytes], Awaitable[str]]
Accepts = Callable[[str], bool]


class _Handler:
    def __init__(self, accepts: Accepts, deliver: Deliver, max_recipients: int) -> None:
        self._accepts = accepts
        self._deliver = deliver
        self._max_recipients = max_recipients

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return "452 4.5.3 Too many recipients"
        if not self._accepts(address):
            return "550 5.1.1 Dit adres kennen wij niet (unknown address)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, _session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        sender = envelope.mail_from or ""
        lines = []
        for recipient in envelope.rcpt_tos:
            try:
                lines.append(await self._deliver(sender, recipient, data))
            except Exception as exc:  # never lose mail silently: the MTA keeps it and retries
                log.error("inbound delivery failed: %s", type(exc).__name__)
                lines.append("451 4.3.0 Tijdelijk probleem, probeer het later opnieuw (temporary failure)")
        if not isinstance(server, LMTP):
            return lines[0] if len({line[:1] for line in lines}) == 1 else "451 4.3.0 Partly delivered, retry"
        return "\r\n".join(lines)


class InboundReceiver:
    """An LMTP (default) or SMTP listener on host:port that hands each message to `deliver`."""

    def __init__(
        self,
        accepts: Accepts,
        deliver: Deliver,
        *,
        host: str,
        port: int,
        lmtp: bool = True,
        max_bytes: int,
        max_recipients: int,
    ) -> None:
        self._handler = _Handler(accepts, deliver, max_recipients)
        self._host, self._port, self._lmtp, self._max_bytes = host, port, lmtp, max_bytes
        self._server: asyncio.base_events.Server | None = None

    def _protocol(self) -> Any:
        kind = LMTP if self._lmtp else SMTP
        return kind(
            self._handler,
            data_size_limit=self._max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            ident="eenplan",
        )

    async def start(self) -> None:
        """Listen (the port must be free; 0 picks one, see `port`)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host=self._host, port=self._port)

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and close the open sessions."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
