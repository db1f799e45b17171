"""SmtpSender: URL policy and classification of SMTP failures against a real aiosmtpd."""

from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest

from eenplan.domain.errors import PermanentFailure, TemporaryFailure, ValidationFailed
from eenplan_mail.smtp import SmtpPermanentFailure, SmtpSender, SmtpTemporaryFailure, parse_smtp_url

FROM, TO = "bounces@eenplan.example", "alice@example.org"


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = FROM, TO, "Test"
    msg.set_content("SECRET-BODY-CANARY")
    return msg


async def test_accepted_message_is_delivered(smtpd):
    url, handler = smtpd()
    assert await SmtpSender(url).send(_message(), FROM, TO) is None
    [(mail_from, rcpt_tos, raw)] = handler.envelopes
    assert (mail_from, rcpt_tos) == (FROM, [TO]) and b"SECRET-BODY-CANARY" in raw


@pytest.mark.parametrize(
    "where, reply, kind, code",
    [
        ("rcpt", "451 4.3.0 Try again later", SmtpTemporaryFailure, 451),
        ("rcpt", "550 5.1.1 No such user", SmtpPermanentFailure, 550),
        ("data", "452 4.3.1 Insufficient storage", SmtpTemporaryFailure, 452),
        ("data", "554 5.7.1 Rejected", SmtpPermanentFailure, 554),
    ],
)
async def test_smtp_replies_are_classified(smtpd, where, reply, kind, code):
    url, handler = smtpd(**{f"{where}_reply": reply})
    with pytest.raises(kind) as caught:
        await SmtpSender(url).send(_message(), FROM, TO)
    assert caught.value.code == code
    assert isinstance(caught.value, TemporaryFailure if code < 500 else PermanentFailure)
    assert "SECRET-BODY-CANARY" not in str(caught.value) and not handler.envelopes


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


async def test_closed_port_is_temporary():
    with pytest.raises(SmtpTemporaryFailure) as caught:
        await SmtpSender(f"smtp://127.0.0.1:{_closed_port()}", timeout=5).send(_message(), FROM, TO)
    assert caught.value.code is None and isinstance(caught.value, TemporaryFailure)


async def test_required_starttls_is_never_skipped(smtpd):
    url, handler = smtpd()  # aiosmtpd without TLS: no STARTTLS offered
    sender = SmtpSender(url.replace("smtp://", "smtp+starttls://"), timeout=5)
    with pytest.raises(SmtpTemporaryFailure):
        await sender.send(_message(), FROM, TO)
    assert not handler.envelopes


@pytest.mark.parametrize(
    "url",
    [
        "smtp://mail.example.org:25",
        "smtp://10.0.0.5",
        "smtp://user:pw@192.168.1.1:587",
        "http://127.0.0.1:25",
        "smtp://",
        "smtp://127.0.0.1:25/path",
        "smtp://127.0.0.1:99999",
        "smtp+starttls://mail.example.org:587\r\nRCPT",
        "smtp://127.0.0.1:25 ",
    ],
)
def test_unsafe_or_malformed_urls_are_refused_at_construction(url):
    with pytest.raises(ValidationFailed) as caught:
        SmtpSender(url.replace("\\r\\n", "\r\n"))
    assert caught.value.problems[0].field == "smtp_url"


@pytest.mark.parametrize(
    "url, host, port, tls, starttls",
    [
        ("smtp://127.0.0.1:2525", "127.0.0.1", 2525, False, False),
        ("smtp://localhost", "localhost", 25, False, False),
        ("smtp://[::1]:25", "::1", 25, False, False),
        ("smtp+starttls://u%40x:p%3Aw@mail.example.org", "mail.example.org", 587, False, True),
        ("smtps://mail.example.org", "mail.example.org", 465, True, False),
    ],
)
def test_accepted_urls(url, host, port, tls, starttls):
    settings = parse_smtp_url(url)
    assert (settings.host, settings.port, settings.use_tls, settings.start_tls) == (host, port, tls, starttls)
    assert "p:w" not in repr(SmtpSender(url)) and "p%3Aw" not in repr(SmtpSender(url))


async def test_envelope_addresses_are_validated(smtpd):
    url, handler = smtpd()
    for field, sender, recipient in [
        ("envelope_to", FROM, TO + "\r\nRCPT TO:<spy@evil.example>"),
        ("envelope_from", FROM + ">\r\nRSET", TO),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            await SmtpSender(url).send(_message(), sender, recipient)
        assert caught.value.problems[0].field == field
    assert not handler.envelopes
