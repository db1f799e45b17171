"""The mail gateway the outbox uses: build the inner MIME entity, sign and encrypt it once for several
recipients, wrap each recipient's own message as RFC 3156 and send it through the SMTP relay.

Satisfies eenplan.domain.mailgroup_ports.MailGateway. Plan content only ever
enters `seal`; notices carry only neutral text, a link and a content-free .ics.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage, MIMEPart

from eenplan.domain.errors import ValidationFailed
from eenplan.domain.mailgroup_ports import Envelope, MailBody, Sealed

from .engine import CryptoEngine
from .headers import OutboundHeaders, check_text, make_list_id, stable_message_id
from .pgpmime import POLICY, PgpMimeError, attach_part, build_signed_entity, build_signed_notice
from .smtp import SmtpSender
from .wire import encrypted_message

_METHODS = frozenset({"REQUEST", "CANCEL", "PUBLISH", "REPLY"})


def _headers(envelope: Envelope) -> OutboundHeaders:
    return OutboundHeaders(
        from_addr=envelope.from_addr,
        to_addr=envelope.to_addr,
        subject=envelope.subject,
        message_id=envelope.message_id,
        list_id=envelope.list_id,
        date=envelope.date,
        from_name=envelope.from_name,
        autocrypt_keydata=envelope.autocrypt_keydata,
    )


def _calendar_part(data: bytes, method: str) -> MIMEPart:
    if method not in _METHODS:
        raise ValidationFailed.one("method", "must be REQUEST, CANCEL, PUBLISH or REPLY")
    part = MIMEPart(policy=POLICY)
    part.set_content(
        data,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "utf-8"},
        filename="uitnodiging.ics",
    )
    part.replace_header("Content-Disposition", 'attachment; filename="uitnodiging.ics"')
    return part


def inner_entity(body: MailBody) -> EmailMessage:
    """The secret inner MIME entity: text, then the iTIP part, then attachments."""
    msg = EmailMessage(policy=POLICY)
    msg.set_content(body.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if body.calendar is None and not body.attachments:
        return msg
    msg.make_mixed()
    if body.calendar is not None:
        attach_part(msg, _calendar_part(body.calendar, body.calendar_method))
    for att in body.attachments:
        check_text(att.filename, "filename", 100)
        maintype, _, subtype = att.mime_type.partition("/")
        part = MIMEPart(policy=POLICY)
        part.set_content(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
        attach_part(msg, part)
    return msg


class PgpMailGateway:
    """RFC 3156 mail through one crypto engine and one SMTP relay."""

    def __init__(self, engine: CryptoEngine, sender: SmtpSender, domain: str) -> None:
        """Keep the engine (the server keyring), the relay and the mail domain (Message-ID, List-Id)."""
        self._engine = engine
        self._sender = sender
        self._domain = domain

    def message_id(self, stable_key: str, recipient_id: str) -> str:
        """Stable Message-ID per (message, recipient), so a resend after a crash is recognisable."""
        return stable_message_id(stable_key, recipient_id, self._domain)

    def list_id(self, code: str) -> str:
        """List-Id `<plan-<code>.<domain>>` of a household's group."""
        return make_list_id(code, self._domain)

    async def seal(self, body: MailBody, recipient_fprs: Iterable[str], signer_fpr: str) -> Sealed:
        """Sign the inner entity once and encrypt it in one pass to every fingerprint; each recipient gets a
        message with only their own session-key packet, which every client reads (Thunderbird's RNP too)."""
        fprs = list(recipient_fprs)
        if not fprs:
            raise ValidationFailed.one("recipients_fprs", "at least one recipient key is required")
        cleartext = inner_entity(body).as_bytes(policy=POLICY)
        each = await self._engine.sign_encrypt_each(cleartext, fprs, signer_fpr)
        try:
            return Sealed({fpr: each[fpr.replace(" ", "").upper()] for fpr in fprs})
        except KeyError:
            raise PgpMimeError("crypto engine did not seal the view for every recipient; not sending") from None

    async def send_sealed(self, sealed: bytes, envelope: Envelope) -> None:
        """One multipart/encrypted message, one SMTP envelope, one recipient: built as bytes (`wire`: the message
        `wrap_encrypted` makes, at a fraction of the event loop's time per envelope of a fan-out)."""
        raw = encrypted_message(sealed, _headers(envelope))
        await self._sender.send_bytes(raw, envelope.return_path or envelope.from_addr, envelope.to_addr)

    async def send_notice(
        self,
        envelope: Envelope,
        *,
        link: str,
        text: str,
        signer_fpr: str,
        calendar: bytes | None = None,
        calendar_method: str = "REQUEST",
    ) -> None:
        """A signed, content-free notice; with `calendar`, the .ics travels inside the signed entity."""
        headers = _headers(envelope)
        if calendar is None:
            msg = await build_signed_notice(
                link=link, engine=self._engine, signer_fpr=signer_fpr, headers=headers, text=text
            )
        else:
            body = MIMEPart(policy=POLICY)
            body.set_content(f"{text.rstrip()}\n\n{link}\n", subtype="plain", charset="utf-8", cte="quoted-printable")
            body.make_mixed()
            body.attach(_calendar_part(calendar, calendar_method))
            msg = await build_signed_entity(body, engine=self._engine, signer_fpr=signer_fpr, headers=headers)
        await self._sender.send(msg, envelope.return_path or envelope.from_addr, envelope.to_addr)
