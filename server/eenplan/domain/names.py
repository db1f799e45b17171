"""Names eenplan accepts (people, households, gemeenten, aanspreekpunten): one rule everywhere.

A name goes into mail headers (display names), iCalendar invites (CN=), PDFs and the sign-in page.
The mail and iCalendar adapters refuse control characters, so a name the API took with a C1 control
(U+0080–U+009F) used to make every later invite for that person fail. The rule here refuses what no
name needs and what changes how the text around it is shown: C0 and C1 controls and DEL, line and
paragraph separators, and the bidirectional overrides, embeddings and isolates (which can make a
name display as something else).

The order of people is one rule too (`name_key`, `by_name`): every page and every list of people in the API
shows them in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from .errors import ValidationFailed

MAX_NAME_CHARS = 120
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def name_problem(value: object, *, max_chars: int = MAX_NAME_CHARS) -> str | None:
    """What is wrong with a name (after trimming); None when it is fine."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_chars:
        return f"must be 1–{max_chars} characters"
    if _FORBIDDEN.search(value):
        return "must not contain line breaks, control characters or text-direction controls"
    return None


def check_name(value: object, field: str = "name", *, max_chars: int = MAX_NAME_CHARS) -> str:
    """The trimmed name if eenplan accepts it; else ValidationFailed naming `field`."""
    problem = name_problem(value, max_chars=max_chars)
    if problem:
        raise ValidationFailed.one(field, problem)
    assert isinstance(value, str)
    return value.strip()


class Named(Protocol):
    """Anything that names one person: a betrokkene, a row of a page."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)


def name_key(name: str, ident: str) -> tuple[str, str]:
    """The one order of people on every page and in every list of the API: the casefolded full name ("de Vries"
    under d, not under V as in a Dutch phone book), then the id, so people with the same name keep their place
    at every render."""
    return (name.casefold(), ident)


def by_name(people: Iterable[N]) -> list[N]:
    """The people in name order (`name_key`), so a list reads the same at every render."""
    return sorted(people, key=lambda p: name_key(p.name, p.id))


def ids_by_name(ids: Iterable[str], names: Mapping[str, str]) -> list[str]:
    """Betrokkene ids in the name order of their names in `names`; ids it does not name (someone no longer
    involved) come last, by id."""
    return sorted(ids, key=lambda i: (i not in names, *name_key(names.get(i, ""), i)))
