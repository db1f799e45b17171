"""Send one message over SMTP with aiosmtplib, classifying failures for the outbox.

URL forms: `smtp://host:25` (loopback relays only), `smtp+starttls://user:pass@host:587`
(STARTTLS required), `smtps://host:465` (implicit TLS). Plain `smtp://` to a
non-loopback host is refused at construction: plan mail leaves the machine only
over TLS. Failures carry the SMTP code and a short reason, never message content.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from eenplan.domain.errors import PermanentFailure, TemporaryFailure, ValidationFailed

from .headers import check_address

#: how many connections are kept open between sends, and for how long (as many as the outbox sends at once)
MAX_IDLE = 20
IDLE_SECONDS = 5.0
_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_REASON_RE = re.compile(r"[^\x20-\x7e]+")


def _short(reason: object) -> str:
    return _REASON_RE.sub(" ", str(reason)).strip()[:160] or "no reason given"


class SmtpTemporaryFailure(TemporaryFailure):
    """SMTP delivery may succeed later (4xx reply, connection refused, timeout, TLS trouble)."""

    kind = "smtp-temporary"

    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        self.reason = _short(reason)
        super().__init__(f"SMTP {code or 'connection'}: {self.reason}")


class SmtpPermanentFailure(PermanentFailure):
    """SMTP delivery will not succeed by retrying (5xx reply)."""

    kind = "smtp-permanent"

    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        self.reason = _short(reason)
        super().__init__(f"SMTP {code}: {self.reason}")


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (no DNS lookup)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class _Settings:
    host: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str, field: str = "smtp_url") -> _Settings:
    """Parse and police an SMTP URL; ValidationFailed on anything unsafe or malformed."""
    if not isinstance(url, str) or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ValidationFailed.one(field, "must be a URL without spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValidationFailed.one(field, "scheme must be smtp, smtp+starttls or smtps")
    try:
        port = parts.port or _SCHEMES[parts.scheme]
    except ValueError:
        raise ValidationFailed.one(field, "has an invalid port") from None
    host = parts.hostname or ""
    if not host or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationFailed.one(field, "must be scheme://[user:password@]host[:port]")
    if parts.scheme == "smtp" and not is_loopback(host):
        raise ValidationFailed.one(
            field, "plain smtp:// is only allowed to a loopback relay; use smtp+starttls:// or smtps://"
        )
    return _Settings(
        host=host,
        port=port,
        use_tls=parts.scheme == "smtps",
        start_tls=parts.scheme == "smtp+starttls",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _classify(exc: BaseException) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return _by_code(first.code, first.message)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _by_code(exc.code, exc.message)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return SmtpTemporaryFailure(None, f"server lacks a required extension: {exc.message}")
    if isinstance(exc, ssl.SSLError):
        return SmtpTemporaryFailure(None, f"TLS failure ({type(exc).__name__})")
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, TimeoutError)):
        return SmtpTemporaryFailure(None, f"{type(exc).__name__}: {getattr(exc, 'message', '')}")
    return SmtpTemporaryFailure(None, type(exc).__name__)


def _by_code(code: int, message: str) -> Exception:
    if 500 <= code < 600:
        return SmtpPermanentFailure(code, message)
    return SmtpTemporaryFailure(code, message)


class SmtpSender:
    """Sends EmailMessages to one configured SMTP relay."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        local_hostname: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        """Validate the relay URL now, so a bad setting fails at start-up, not at first send."""
        self._settings = parse_smtp_url(url)
        self._timeout = timeout
        self._local_hostname = local_hostname
        self._tls_context = tls_context
        #: open connections kept for the next send: (client, its event loop, the timer that closes it)
        self._idle: list[tuple[aiosmtplib.SMTP, asyncio.AbstractEventLoop, asyncio.TimerHandle]] = []

    def __repr__(self) -> str:
        s = self._settings
        scheme = "smtps" if s.use_tls else ("smtp+starttls" if s.start_tls else "smtp")
        return f"SmtpSender({scheme}://{'***@' if s.username else ''}{s.host}:{s.port})"

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            use_tls=s.use_tls,
            start_tls=s.start_tls,
            timeout=self._timeout,
            local_hostname=self._local_hostname,
            tls_context=self._tls_context,
        )

    def _take_idle(self) -> aiosmtplib.SMTP | None:
        """An open connection of this loop left by an earlier send, if any."""
        loop = asyncio.get_running_loop()
        while self._idle:
            client, owner, timer = self._idle.pop()
            timer.cancel()
            if owner is loop and client.is_connected:
                return client
            _close(client)
        return None

    def _keep(self, client: aiosmtplib.SMTP) -> None:
        """Keep `client` open for the next send for a few seconds (one fan-out's messages share connections)."""
        if len(self._idle) >= MAX_IDLE or not client.is_connected:
            _close(client)
            return
        loop = asyncio.get_running_loop()
        entry: list[Any] = [client, loop, None]
        entry[2] = loop.call_later(IDLE_SECONDS, self._expire, entry)
        self._idle.append((client, loop, entry[2]))

    def _expire(self, entry: list[Any]) -> None:
        self._idle = [kept for kept in self._idle if kept[0] is not entry[0]]
        _close(entry[0])

    async def send(self, msg: EmailMessage, envelope_from: str, envelope_to: str) -> None:
        """Send `msg` to exactly one envelope recipient; raise SmtpTemporaryFailure or
        SmtpPermanentFailure. Returns only after the relay accepted the message (250).

        A connection is kept open a few seconds for the next message (a fan-out's 20 envelopes need not open
        20 connections); when a kept one turns out closed by the relay, the message goes once over a new one."""
        check_address(envelope_from, "envelope_from")
        check_address(envelope_to, "envelope_to")
        if not isinstance(msg, EmailMessage):
            raise ValidationFailed.one("message", "must be an EmailMessage")
        await self._transmit(lambda client: client.send_message(msg, sender=envelope_from, recipients=[envelope_to]))

    async def send_bytes(self, message: bytes, envelope_from: str, envelope_to: str) -> None:
        """`send` for a message already serialised (ASCII, CRLF line endings: `wire.encrypted_message`), so the
        loop does not flatten an `EmailMessage` once more per envelope; the same connections and failures."""
        check_address(envelope_from, "envelope_from")
        check_address(envelope_to, "envelope_to")
        if not isinstance(message, bytes) or not message.isascii():
            raise ValidationFailed.one("message", "must be ASCII bytes")
        await self._transmit(lambda client: client.sendmail(envelope_from, [envelope_to], message))

    async def _transmit(self, transaction: Callable[[aiosmtplib.SMTP], Awaitable[tuple[dict[str, Any], str]]]) -> None:
        """Run one SMTP transaction (MAIL, RCPT, DATA) over a kept connection or a new one; classify failures."""
        client = self._take_idle()
        try:
            if client is not None:
                try:
                    errors, _ = await transaction(client)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    _close(client)  # the relay closed the idle connection: once more over a new one
                    client = None
            if client is None:
                client = self._client()
                await client.connect()
                errors, _ = await transaction(client)
        except Exception as exc:  # translate every foreign failure; nothing else escapes
            if client is not None:
                _close(client)
            raise _classify(exc) from exc
        if errors:
            _close(client)
            response = next(iter(errors.values()))
            raise _by_code(response.code, response.message)
        self._keep(client)


def _close(client: aiosmtplib.SMTP) -> None:
    """Drop a connection without waiting for the relay (QUIT is a courtesy; the relay times out idle ones)."""
    with contextlib.suppress(Exception):
        client.close()
