"""A least-recently-used mapping bounded by the memory of what it holds, not by how many entries.

Counting entries is no bound when entries vary: 4,096 remembered sections of
~250 kB are a gigabyte. Every cache of plan content (section texts, rendered
views, decoded rows) is a `ByteLru` with a byte budget; an entry larger than
the whole budget is simply not remembered. Pure data structure: no I/O.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: what one entry costs besides its value: the key tuple, the dict slot and the ordering link (estimate)
ENTRY_OVERHEAD = 200


def text_bytes(value: str) -> int:
    """Memory a str takes (exact for CPython's compact strings)."""
    return sys.getsizeof(value)


def texts_bytes(values: Iterable[str]) -> int:
    """Memory a group of strings takes."""
    return sum(sys.getsizeof(v) for v in values)


class ByteLru(Generic[K, V]):
    """A mapping that forgets the least recently used entries once their total size exceeds `max_bytes`."""

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._size = size
        self.max_bytes = max_bytes
        self.total_bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The value for key, or None; marks it as recently used."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, size: int | None = None) -> None:
        """Remember a value (of `size` bytes, else as the size function says), forgetting the least
        recently used ones beyond the budget."""
        cost = (self._size(value) if size is None else size) + ENTRY_OVERHEAD
        old = self._items.pop(key, None)
        if old is not None:
            self.total_bytes -= old[1]
        if cost > self.max_bytes:
            return  # larger than the whole budget: never remembered
        self._items[key] = (value, cost)
        self.total_bytes += cost
        while self.total_bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.total_bytes -= dropped

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()
        self.total_bytes = 0
