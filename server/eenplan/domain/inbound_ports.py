"""What the inbound use case (services/inbound.py) needs from the adapters: reading a message's structure
(eenplan_mail.inbound), reading an iMIP answer (eenplan_calendar.replies), opening PGP/MIME
(eenplan_crypto.opening) and remembering what arrived (storage/inbound_repository.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .bounces import BounceRecord
from .inbound import InboundParts, Outcome, ReplyFacts
from .overleg import Partstat


class MessageReader(Protocol):
    """A message's structure, never its text."""

    def read_parts(self, raw: bytes) -> InboundParts: ...
    def calendars_in(self, entity: bytes) -> tuple[bytes, ...]: ...
    def read_delivery_status(self, raw: bytes) -> bool | None: ...


class ReplyReader(Protocol):
    """An iMIP REPLY or COUNTER's facts, or None."""

    def read_reply(self, data: bytes) -> ReplyFacts | None: ...


class MailOpener(Protocol):
    """Decrypt with a household key; tell which key (primary fingerprint) made a good signature, if any."""

    async def decrypt(self, data: bytes, to_keys: Collection[str] | None = None) -> tuple[bytes, str | None]: ...
    async def verify_detached(self, data: bytes, signature: bytes) -> str | None: ...
    async def key_offer(self, keydata: bytes) -> tuple[str, str]: ...


@dataclass(frozen=True)
class MailAnswer:
    """An invitee's latest answer that came by mail, and whether their pinned key signed it."""

    overleg_id: str
    betrokkene_id: str
    partstat: Partstat
    signed: bool
    received_at: datetime


@dataclass(frozen=True)
class Proposal:
    """A COUNTER: another time an invitee proposed for an overleg (the regisseur decides)."""

    id: str
    overleg_id: str
    betrokkene_id: str
    start: datetime
    end: datetime
    signed: bool
    received_at: datetime


@dataclass(frozen=True)
class KeyCandidate:
    """A key offered by mail (Autocrypt) for one betrokkene, waiting for them to confirm it on their page."""

    household_id: str
    betrokkene_id: str
    fingerprint: str
    armored: str
    offered_at: datetime


class InboundStore(Protocol):
    """What arrived: messages already handled, answers by mail, proposals."""

    async def overleg_of_uid(self, uid: str) -> tuple[str, str] | None: ...
    async def remember(self, key_hash: str, household_id: str | None, outcome: Outcome, at: datetime) -> bool: ...
    async def put_answer(self, answer: MailAnswer) -> None: ...
    async def add_proposal(self, proposal: Proposal) -> None: ...
    async def answers(self, overleg_id: str) -> list[MailAnswer]: ...
    async def proposals(self, overleg_id: str) -> list[Proposal]: ...
    async def put_candidate(self, candidate: KeyCandidate) -> None: ...
    async def candidate(self, household_id: str, betrokkene_id: str) -> KeyCandidate | None: ...
    async def drop_candidate(self, household_id: str, betrokkene_id: str) -> bool: ...


class BounceStore(Protocol):
    """Bounce scores per betrokkene (one record: their current address's)."""

    async def household_of(self, betrokkene_id: str) -> str | None: ...
    async def get(self, household_id: str, betrokkene_id: str) -> BounceRecord | None: ...
    async def put(self, record: BounceRecord) -> None: ...
    async def in_household(self, household_id: str) -> list[BounceRecord]: ...
    async def clear(self, household_id: str, betrokkene_id: str) -> bool: ...
