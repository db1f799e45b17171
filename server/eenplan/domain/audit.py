"""The access log (NEN 7513): what is recorded of every access to plan data, and the hash chain.

An entry never holds plan content, tokens or secrets: only who, when, which
household and sections, through which channel, and on what ground.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol


class Event(StrEnum):
    """What happened to plan data."""

    CREATE = "create"
    READ = "read"
    CHANGE = "change"
    EXPORT = "export"
    DISCLOSE = "disclose"


class Channel(StrEnum):
    """Through which channel the data went."""

    API = "api"
    WEB = "web"
    MAIL = "mail"
    PDF = "pdf"
    ICS = "ics"


class Acting(Protocol):
    """Whoever acts on a credential: its subject and, when someone else issued it, the issuer."""

    @property
    def betrokkene_id(self) -> str: ...

    @property
    def issued_by(self) -> str | None: ...


def actor_fields(who: Acting) -> tuple[str, str | None]:
    """(actor_id, on_behalf_of) of an access-log entry for whoever acts on this credential.

    NEN 7513 wants the user and on whose behalf the user acted: with a token someone else issued for a
    betrokkene, the issuer is the user, acting for the betrokkene (whose access decision applies); with
    the person's own credential the person is the user and acts for no one else.
    """
    issuer = who.issued_by
    if issuer is None or issuer == who.betrokkene_id:
        return who.betrokkene_id, None
    return issuer, who.betrokkene_id


@dataclass(frozen=True)
class AccessEvent:
    """One access to plan data, as it goes into the log."""

    event: Event
    household_id: str
    actor_id: str | None
    sections: tuple[str, ...]
    channel: Channel
    ground: str
    at: datetime
    on_behalf_of: str | None = None
    emergency: bool = False
    detail: str = ""  # e.g. "version 7"; never content

    def canonical(self) -> str:
        """The entry's fields as the canonical JSON the hash covers: a compact array in a fixed order.

        Exactly `json.dumps([...], ensure_ascii=False, separators=(",", ":"))` of the fields (a test
        holds it to that), assembled from the encoder's own string quoting because every read is hashed;
        the parts around the time are remembered per set of other fields (the same reader reading again).
        """
        at = self.at if self.at.tzinfo is UTC else self.at.astimezone(UTC)
        key = (self.household_id, self.actor_id, self.sections, self.ground, self.on_behalf_of, self.detail)
        known = _AROUND_TIME.get(key)
        if known is None or known[0] is not self.event or known[1] is not self.channel or known[2] != self.emergency:
            known = (self.event, self.channel, self.emergency, *self._around_time())
            if len(_AROUND_TIME) >= AROUND_TIME_KEPT:
                _AROUND_TIME.clear()
            _AROUND_TIME[key] = known
        return f"{known[3]}{_quote(at.isoformat())}{known[4]}"

    def _around_time(self) -> tuple[str, str]:
        before = (
            f"[{_quote(self.event)},{_quote(self.household_id)},{_quote_or_null(self.actor_id)},"
            f"[{','.join(map(_quote, self.sections))}],{_quote(self.channel)},{_quote(self.ground)},"
        )
        after = f",{_quote_or_null(self.on_behalf_of)},{'true' if self.emergency else 'false'},{_quote(self.detail)}]"
        return before, after


#: canonical JSON around the time, by the other fields (a reader's repeated reads share them); at most this many
AROUND_TIME_KEPT = 4096
_AROUND_TIME: dict[tuple[object, ...], tuple[Event, Channel, bool, str, str]] = {}

_quote = json.encoder.encode_basestring  # the quoting json.dumps(ensure_ascii=False) uses


def _quote_or_null(value: str | None) -> str:
    return "null" if value is None else _quote(value)


GENESIS = "0" * 64


def chain_hash(previous: str, seq: int, entry_json: str) -> str:
    """The hash of log entry `seq` of a household, over the previous hash and the entry itself."""
    return hashlib.sha256(f"{previous}|{seq}|{entry_json}".encode()).hexdigest()


@dataclass
class ChainCheck:
    """The result of verifying one household's chain."""

    household_id: str
    entries: int = 0
    broken_at: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every entry matches its hash and its predecessor."""
        return not self.broken_at


def extend_chain(head_seq: int, head_hash: str, events: list[AccessEvent]) -> list[tuple[int, str, str, AccessEvent]]:
    """(seq, previous hash, hash, event) for each event appended after the chain's head."""
    rows = []
    seq, prev = head_seq, head_hash
    for event in events:
        seq += 1
        digest = chain_hash(prev, seq, event.canonical())
        rows.append((seq, prev, digest, event))
        prev = digest
    return rows
