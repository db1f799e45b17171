"""Numbers and dates from a request's path and query: one parser, bounded, naming the parameter.

Every route that reads a number or a date from the path or the query goes through these helpers, so a
value no column can hold (`versions/9999999999999999999999999`) or no calendar reaches answers 422
naming the parameter instead of overflowing somewhere deeper. A path number that is out of range
answers 422 too, exactly like one that is not a number: both are malformed requests, not missing things.
"""

from __future__ import annotations

import re
from datetime import date
from typing import overload

from aiohttp import web

from ..domain.errors import NotFound, ValidationFailed
from .registry import Handler

#: the largest whole number any route accepts (a 32-bit signed column holds it on every database)
MAX_INT = 2_147_483_647
#: dates the calendar code can count werkdagen from and to without leaving datetime's range
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(9000, 12, 31)
_MAX_DIGITS = len(str(MAX_INT))
_WHOLE = re.compile(r"[+-]?[0-9]+")


@overload
def parse_int(value: str | None, name: str, *, default: int, minimum: int = 1, maximum: int = MAX_INT) -> int: ...
@overload
def parse_int(
    value: str | None, name: str, *, default: None = None, minimum: int = 1, maximum: int = MAX_INT
) -> int | None: ...
def parse_int(
    value: str | None, name: str, *, default: int | None = None, minimum: int = 1, maximum: int = MAX_INT
) -> int | None:
    """A whole number in [minimum, maximum] from text, `default` when absent, or a 422 naming `name`."""
    if value is None or value == "":
        return default
    text = value.strip()
    if not _WHOLE.fullmatch(text):
        raise ValidationFailed.one(name, "must be a whole number")
    if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:  # never build a huge int from a huge string
        raise ValidationFailed.one(name, f"must be from {minimum} to {maximum}")
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationFailed.one(name, f"must be from {minimum} to {maximum}")
    return number


def path_int(request: web.Request, name: str, *, minimum: int = 1, maximum: int = MAX_INT) -> int:
    """The path parameter `name` as a bounded whole number, or a 422 naming it."""
    number = parse_int(request.match_info.get(name), name, minimum=minimum, maximum=maximum)
    if number is None:
        raise ValidationFailed.one(name, "is required")
    return number


@overload
def query_int(request: web.Request, name: str, *, default: int, minimum: int = 1, maximum: int = MAX_INT) -> int: ...
@overload
def query_int(
    request: web.Request, name: str, *, default: None = None, minimum: int = 1, maximum: int = MAX_INT
) -> int | None: ...
def query_int(
    request: web.Request, name: str, *, default: int | None = None, minimum: int = 1, maximum: int = MAX_INT
) -> int | None:
    """The query parameter `name` as a bounded whole number (`default` when absent), or a 422 naming it."""
    return parse_int(request.query.get(name), name, default=default, minimum=minimum, maximum=maximum)


def parse_date(value: str | None, name: str, *, minimum: date = MIN_DATE, maximum: date = MAX_DATE) -> date:
    """A required YYYY-MM-DD date in [minimum, maximum], or a 422 naming `name`."""
    if not value:
        raise ValidationFailed.one(name, "is required (YYYY-MM-DD)")
    text = value.strip()
    if len(text) != 10 or not text.isascii():
        raise ValidationFailed.one(name, "must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.one(name, "must be a date YYYY-MM-DD") from None
    if not minimum <= day <= maximum:
        raise ValidationFailed.one(name, f"must be from {minimum.isoformat()} to {maximum.isoformat()}")
    return day


def query_date(request: web.Request, name: str, *, minimum: date = MIN_DATE, maximum: date = MAX_DATE) -> date:
    """The required query parameter `name` as a bounded date, or a 422 naming it."""
    return parse_date(request.query.get(name), name, minimum=minimum, maximum=maximum)


def has_nul(request: web.Request) -> bool:
    """Whether the path or query as sent holds a NUL (a decoded one is a %00 or a NUL in the raw path)."""
    raw = request.raw_path
    return "%00" in raw or "\x00" in raw


async def refuse_nul(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A NUL character in a path id or a query value reaches no handler: no id holds one (404) and no
    parameter may (422). PostgreSQL refuses NUL in text, so it used to surface as a 500 there. The app's
    `app.edge` puts this in front of the handler only for a request that `has_nul`."""
    if any("\x00" in value for value in request.match_info.values()):
        raise NotFound("not found")
    for name, value in request.query.items():
        if "\x00" in name or "\x00" in value:
            raise ValidationFailed.one(name.replace("\x00", "")[:64] or "query", "must not contain NUL characters")
    return await handler(request)
