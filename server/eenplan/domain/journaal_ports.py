"""What the journaal use case (services/journaal.py) needs from the adapters: reading a member's message
(eenplan_mail.journaal_post) and keeping the journaal (storage/journaal_repository.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .journaal import JournaalMessage, Post


class PostReader(Protocol):
    """The text of a decrypted message entity (inner subject, whether it had attachments), or None."""

    def read_post(self, entity: bytes) -> Post | None: ...


class JournaalStore(Protocol):
    """A household's journaal messages."""

    async def add(self, message: JournaalMessage, key_hash: str) -> bool: ...
    async def get(self, household_id: str, message_id: str) -> JournaalMessage | None: ...
    async def in_groups(
        self, household_id: str, group_ids: Sequence[str | None], limit: int
    ) -> list[JournaalMessage]: ...
    async def delete_closed(self, entered_before: datetime) -> int: ...
