"""Describing an unexpected error for the log without its message, which may quote plan content."""

from __future__ import annotations

import traceback


def describe_error(exc: BaseException) -> str:
    """The exception's type and the code path that raised it (file:line, innermost first), nothing else."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames[-6:]))
    return f"{type(exc).__name__} at {where}"
