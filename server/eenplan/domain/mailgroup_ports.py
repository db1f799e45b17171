"""Ports of the mailgroup: what its services need from storage, the keyring, mail and PDF adapters.

The concrete adapters (storage.mail_repository, eenplan_crypto.Keyring,
eenplan_mail.gateway, eenplan.export.pdf) satisfy these structurally and are
wired in bootstrap only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .mailgroup import MailGroup, OutboxItem, OutboxStatus, PinnedKey


class MailStore(Protocol):
    """Pinned keys, named groups and the outbox, inside one unit of work."""

    async def get_key(self, household_id: str, betrokkene_id: str) -> PinnedKey | None: ...
    async def put_key(self, key: PinnedKey) -> None: ...
    async def delete_key(self, household_id: str, betrokkene_id: str) -> bool: ...
    async def list_keys(self, household_id: str) -> list[PinnedKey]: ...
    async def keys_expiring_before(self, moment: datetime, limit: int = 100) -> list[PinnedKey]: ...
    async def mark_key_warned(self, household_id: str, betrokkene_id: str, at: datetime) -> None: ...
    async def list_groups(self, household_id: str) -> list[MailGroup]: ...
    async def get_group(self, household_id: str, group_id: str) -> MailGroup | None: ...
    async def add_group(self, group: MailGroup) -> None: ...
    async def delete_group(self, household_id: str, group_id: str) -> bool: ...
    async def set_plan_group(self, household_id: str, group_id: str | None) -> None: ...
    async def enqueue(self, item: OutboxItem) -> bool: ...
    async def claim(
        self, now: datetime, lease_until: datetime, token: str, limit: int, max_attempts: int
    ) -> list[OutboxItem]: ...
    async def renew(self, token: str, lease_until: datetime) -> int: ...
    async def release(self, token: str) -> int: ...
    async def begin(self, item_id: str, token: str) -> bool: ...
    async def mark_sent(
        self, item_id: str, token: str, at: datetime, message_id: str, view_hash: str | None = None
    ) -> bool: ...
    async def mark_retry(self, item_id: str, token: str, next_at: datetime, error: str, count: bool) -> bool: ...
    async def mark_final(self, item_id: str, token: str, status: OutboxStatus, error: str | None) -> bool: ...
    async def list_outbox(self, household_id: str, status: OutboxStatus | None, limit: int) -> list[OutboxItem]: ...
    async def requeue(self, household_id: str, item_id: str, now: datetime) -> bool: ...
    async def last_sent_version(self, household_id: str, recipient_id: str, before: int) -> int | None: ...
    async def last_sent(self, household_id: str, recipient_id: str, before: int) -> tuple[int, str | None] | None: ...
    async def last_sent_among(
        self, household_id: str, before: Mapping[str, int]
    ) -> dict[str, tuple[int, str | None]]: ...


class KeyFacts(Protocol):
    """What the keyring reports of a public key (read-only, so a frozen dataclass satisfies it)."""

    @property
    def fingerprint(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def expires(self) -> datetime | None: ...


class KeyringPort(Protocol):
    """The server keyring (eenplan_crypto.keyring.Keyring satisfies it)."""

    async def import_pinned(self, armored: str, now: datetime | None = None) -> KeyFacts: ...
    async def key_info(self, fpr: str, now: datetime) -> KeyFacts: ...
    async def ensure_signing_key(self, uid_email: str, name: str) -> str: ...
    async def autocrypt_keydata(self, fpr: str) -> str: ...
    async def export_public(self, fpr: str) -> str: ...
    async def usable_among(self, fprs: Iterable[str], now: datetime) -> dict[str, bool]: ...


@dataclass(frozen=True)
class Attachment:
    """A file inside the encrypted part of a mail."""

    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class MailBody:
    """The secret inner content of one mail: text, attachments and optionally an iTIP invite."""

    text: str
    attachments: tuple[Attachment, ...] = ()
    calendar: bytes | None = None
    calendar_method: str = "REQUEST"


@dataclass(frozen=True)
class Envelope:
    """The outer, content-free headers of one mail to one recipient."""

    from_addr: str
    from_name: str
    to_addr: str
    subject: str
    message_id: str
    list_id: str
    date: datetime
    autocrypt_keydata: str | None = None
    return_path: str | None = None  # the SMTP envelope sender (VERP, domain.bounces); None: from_addr


@dataclass(frozen=True)
class Sealed:
    """One view signed once and encrypted: per recipient fingerprint, the OpenPGP message meant for that
    recipient alone (every client reads a message with one session-key packet, its reader's)."""

    envelopes: Mapping[str, bytes]

    def for_key(self, fingerprint: str | None) -> bytes:
        """The sealed message for the recipient with this pinned fingerprint; KeyError if it was not sealed for it."""
        if fingerprint is None or fingerprint not in self.envelopes:
            raise KeyError("no sealed message for this recipient")
        return self.envelopes[fingerprint]


class MailGateway(Protocol):
    """Builds RFC 3156 mail and hands it to the SMTP relay (eenplan_mail.gateway.PgpMailGateway)."""

    def message_id(self, stable_key: str, recipient_id: str) -> str:
        """A Message-ID that is the same every time this (message, recipient) is sent."""
        ...

    def list_id(self, code: str) -> str:
        """The List-Id of a household's group."""
        ...

    async def seal(self, body: MailBody, recipient_fprs: Iterable[str], signer_fpr: str) -> Sealed:
        """Sign the inner entity once and encrypt it in one pass; a message per recipient (`Sealed.for_key`)."""
        ...

    async def send_sealed(self, sealed: bytes, envelope: Envelope) -> None:
        """Wrap sealed data as multipart/encrypted and send it to the envelope's one recipient."""
        ...

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
        """Send a signed, content-free notice (optionally with a content-free .ics)."""
        ...


class PdfRenderer(Protocol):
    """Renders one recipient's view of the plan as a PDF (blocking; run it in a thread)."""

    def render(self, *, title: str, subtitle: str, sections: Mapping[str, Any], names: Mapping[str, str]) -> bytes: ...


@dataclass
class SendStats:
    """What one worker pass did (for tests and the benchmark)."""

    claimed: int = 0
    sent: int = 0
    notices: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    encryptions: int = 0
    errors: list[str] = field(default_factory=list)
