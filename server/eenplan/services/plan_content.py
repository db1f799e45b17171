"""Plan content as stored: canonical JSON per section, content-addressed blobs, a cache, snapshots."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..domain.access import Access, Level, scope_section
from ..domain.lru import ByteLru, text_bytes, texts_bytes
from ..domain.ports import Clock, UnitOfWork
from ..domain.sections import SECTION_KEYS, empty_plan
from ..domain.versions import VersionInfo


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8; what blobs are hashed over."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def blob_hash(text: str) -> str:
    """SHA-256 of a section's canonical JSON."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class PlanSnapshot:
    """One version of the plan as one caller may see it: facts plus the readable sections' JSON texts.

    Immutable and shared between requests with the same view (compared by identity).
    """

    household_id: str
    info: VersionInfo
    sections: Mapping[str, str]


#: bytes each cache of plan content may hold: section texts, views cut to a decision, rendered bodies
CACHE_BYTES = 32 * 1024 * 1024

Lru = ByteLru  # every cache of plan content is bounded in bytes (domain.lru)


def snapshot_bytes(snapshot: PlanSnapshot) -> int:
    """What a view's section texts take (shared texts counted again: the bound errs on the safe side)."""
    return texts_bytes(snapshot.sections.values())


class BlobCache:
    """An LRU of section texts by (household, hash), bounded in bytes. Blobs never change, so it never
    needs invalidating."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._items: ByteLru[tuple[str, str], str] = ByteLru(max_bytes, text_bytes)

    @property
    def total_bytes(self) -> int:
        """What the remembered texts take now."""
        return self._items.total_bytes

    def get_many(self, household_id: str, hashes: Iterable[str]) -> tuple[dict[str, str], set[str]]:
        """Cached texts for the hashes, and the hashes still missing."""
        found, missing = {}, set()
        for h in hashes:
            text = self._items.get((household_id, h))
            if text is None:
                missing.add(h)
            else:
                found[h] = text
        return found, missing

    def put_many(self, household_id: str, blobs: Mapping[str, str]) -> None:
        """Remember texts, forgetting the least recently used beyond the budget."""
        for h, text in blobs.items():
            self._items.put((household_id, h), text)


def scoped_texts(access: Access, texts: Mapping[str, str]) -> dict[str, str]:
    """The section texts cut down to what the access decision allows (whole, own parts, or nothing)."""
    out: dict[str, str] = {}
    for key in SECTION_KEYS:
        level = access.level(key)
        if key not in texts or level is Level.NONE:
            continue
        if level >= Level.READ:
            out[key] = texts[key]
        else:
            out[key] = canonical_json(scope_section(key, json.loads(texts[key]), level, access.actor.betrokkene_id))
    return out


def visible_info(info: VersionInfo, access: Access) -> VersionInfo:
    """A version's facts with changes to sections the caller may not read whole left out."""
    visible = tuple(s for s in info.changed_sections if s in access.fully_readable)
    if visible == info.changed_sections:
        return info
    return replace(
        info, changed_sections=visible, summary=("Gewijzigd: " + ", ".join(visible)) if visible else "Gewijzigd"
    )


async def create_first_version(uow: UnitOfWork, household_id: str, author_id: str | None, clock: Clock) -> None:
    """Version 1 of every new household: all sections empty."""
    texts = {key: canonical_json(value) for key, value in empty_plan().items()}
    hashes = {key: blob_hash(text) for key, text in texts.items()}
    await uow.plans.add_blobs(household_id, {hashes[k]: texts[k] for k in texts})
    await uow.plans.add_version(
        household_id,
        VersionInfo(
            number=1,
            author_id=author_id,
            created_at=clock(),
            summary="Plan aangemaakt",
            changed_sections=(),
            base_version=None,
        ),
        hashes,
    )
