"""The one time zone eenplan plans in, loaded lazily (no file I/O at import time)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

TZID = "Europe/Amsterdam"


@lru_cache(maxsize=1)
def amsterdam() -> ZoneInfo:
    """Europe/Amsterdam as a ZoneInfo, loaded on first use and then cached."""
    return ZoneInfo(TZID)
