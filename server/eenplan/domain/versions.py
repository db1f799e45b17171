"""Versions of a plan and the rule that merges concurrent changes without losing any."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import Conflict, PreconditionFailed


@dataclass(frozen=True)
class VersionInfo:
    """The immutable facts of one plan version (without its content)."""

    number: int
    author_id: str | None
    created_at: datetime
    summary: str
    changed_sections: tuple[str, ...]
    base_version: int | None
    vastgesteld_at: datetime | None = None
    vastgesteld_by: str | None = None
    vastgesteld_overleg: str | None = None


def changed_since(base_hashes: Mapping[str, str], current_hashes: Mapping[str, str]) -> set[str]:
    """The sections whose content differs between the base and the current version."""
    return {key for key in current_hashes if base_hashes.get(key) != current_hashes[key]}


def check_merge(*, base: int, current: int, touched: Iterable[str], changed: set[str]) -> None:
    """Allow a change made on `base` to land on `current`, or raise.

    A change based on an older version merges when none of the sections it
    touches changed since; otherwise it is a conflict, so nothing is lost.
    """
    if base > current or base < 1:
        raise PreconditionFailed(f"If-Match names version {base}; the current version is {current}")
    conflicting = sorted(set(touched) & changed)
    if conflicting:
        raise Conflict(
            f"sections changed since version {base}: {', '.join(conflicting)}",
            extra={"current_version": current, "conflicting_sections": conflicting},
        )
