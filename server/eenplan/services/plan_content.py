"""Plan content as stored: canonical JSON per section, content-addressed blobs, a cache, snapshots."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from ..domain.access import Access, Level, scope_section
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


K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._max = max_entries

    def get(self, key: K) -> V | None:
        """The value for key, or None; marks it as recently used."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Remember a value, dropping the least recently used beyond the limit."""
        self._items[key] = value
        if len(self._items) > self._max:
            self._items.popitem(last=False)


class BlobCache:
    """An LRU of section texts by (household, hash). Blobs never change, so it never needs invalidating."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._max = max_entries

    def get_many(self, household_id: str, hashes: Iterable[str]) -> tuple[dict[str, str], set[str]]:
        """Cached texts for the hashes, and the hashes still missing."""
        found, missing = {}, set()
        for h in hashes:
            text = self._items.get((household_id, h))
            if text is None:
                missing.add(h)
            else:
                self._items.move_to_end((household_id, h))
                found[h] = text
        return found, missing

    def put_many(self, household_id: str, blobs: Mapping[str, str]) -> None:
        """Remember texts, dropping the least recently used beyond the limit."""
        for h, text in blobs.items():
            self._items[(household_id, h)] = text
        while len(self._items) > self._max:
            self._items.popitem(last=False)


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
    return replace(info, changed_sections=visible,
                   summary=("Gewijzigd: " + ", ".join(visible)) if visible else "Gewijzigd")


async def create_first_version(uow: UnitOfWork, household_id: str, author_id: str | None, clock: Clock) -> None:
    """Version 1 of every new household: all sections empty."""
    texts = {key: canonical_json(value) for key, value in empty_plan().items()}
    hashes = {key: blob_hash(text) for key, text in texts.items()}
    await uow.plans.add_blobs(household_id, {hashes[k]: texts[k] for k in texts})
    await uow.plans.add_version(household_id, VersionInfo(
        number=1, author_id=author_id, created_at=clock(), summary="Plan aangemaakt",
        changed_sections=(), base_version=None), hashes)
