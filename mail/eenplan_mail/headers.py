"""Validated outbound header values.

Every header of outgoing mail is built from values checked here: no CR, LF or
other control characters (header injection, and CPython has had bugs with
encoded newlines), plain ASCII addresses with one '@', bounded lengths.
Problems raise ValidationFailed naming the field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from eenplan.domain.addresses import check_address as check_address  # one rule, re-exported
from eenplan.domain.addresses import check_domain as check_domain
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.inbound import LOOP_MARKER

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MSGID_RE = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,128}@[A-Za-z0-9.-]{1,253}>$")
_LISTID_RE = re.compile(r"^<[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+>$")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_B64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
MAX_SUBJECT = 200
MAX_NAME = 78


def check_text(value: object, field: str, max_len: int, *, allow_empty: bool = False) -> str:
    """Return `value` if it is a single line of text without control characters."""
    if not isinstance(value, str) or len(value) > max_len or (not value and not allow_empty):
        raise ValidationFailed.one(field, f"must be text of 1 to {max_len} characters")
    if _CONTROL_RE.search(value):
        raise ValidationFailed.one(field, "must not contain line breaks or control characters")
    return value


def stable_message_id(version_id: object, recipient_id: object, domain: str) -> str:
    """Deterministic Message-ID for (plan version, recipient): a retried send after a crash
    carries the same id, so clients can drop the duplicate (at-least-once delivery)."""
    check_domain(domain, "domain")
    digest = hashlib.sha256(f"eenplan-msgid-v1\0{version_id}\0{recipient_id}".encode()).hexdigest()
    return f"<{digest[:40]}@{domain}>"


def make_list_id(plan_code: str, domain: str) -> str:
    """List-Id of a household's mail group, `<plan-<code>.<domain>>` (RFC 2919); no names."""
    if not isinstance(plan_code, str) or not _CODE_RE.match(plan_code):
        raise ValidationFailed.one("plan_code", "must be 1-40 lower-case letters, digits or '-'")
    return f"<plan-{plan_code}.{check_domain(domain, 'domain')}>"


def fold_keydata(keydata: str, width: int = 64) -> str:
    """Split base64 keydata with spaces so the Autocrypt header folds (whitespace is ignored)."""
    return " ".join(keydata[i : i + width] for i in range(0, len(keydata), width))


@dataclass(frozen=True)
class OutboundHeaders:
    """The outer headers of one message to one recipient; validated on construction."""

    from_addr: str
    to_addr: str
    subject: str
    message_id: str
    list_id: str
    date: datetime
    from_name: str = ""
    to_name: str = ""
    autocrypt_keydata: str | None = None

    def __post_init__(self) -> None:
        check_address(self.from_addr, "from")
        check_address(self.to_addr, "to")
        check_text(self.subject, "subject", MAX_SUBJECT)
        check_text(self.from_name, "from_name", MAX_NAME, allow_empty=True)
        check_text(self.to_name, "to_name", MAX_NAME, allow_empty=True)
        if not isinstance(self.message_id, str) or not _MSGID_RE.match(self.message_id):
            raise ValidationFailed.one("message_id", "must look like <id@domain>")
        if not isinstance(self.list_id, str) or not _LISTID_RE.match(self.list_id):
            raise ValidationFailed.one("list_id", "must look like <plan-code.example.org>")
        if not isinstance(self.date, datetime) or self.date.tzinfo is None:
            raise ValidationFailed.one("date", "must be a timezone-aware datetime")
        if self.autocrypt_keydata is not None and (
            len(self.autocrypt_keydata) > 20_000 or not _B64_RE.match(self.autocrypt_keydata)
        ):
            raise ValidationFailed.one("autocrypt_keydata", "must be unwrapped base64")

    def apply(self, msg: EmailMessage) -> None:
        """Set From, To, Subject, Date, Message-ID, List-Id, Auto-Submitted, X-Loop and Autocrypt."""
        msg["From"] = Address(display_name=self.from_name, addr_spec=self.from_addr)
        msg["To"] = Address(display_name=self.to_name, addr_spec=self.to_addr)
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(self.date)
        msg["Message-ID"] = self.message_id
        msg["List-Id"] = self.list_id
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Loop"] = f"{LOOP_MARKER}@{self.from_addr.rpartition('@')[2]}"  # our receiver drops what comes back
        if self.autocrypt_keydata:
            msg["Autocrypt"] = (
                f"addr={self.from_addr}; prefer-encrypt=mutual; keydata={fold_keydata(self.autocrypt_keydata)}"
            )
