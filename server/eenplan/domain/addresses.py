"""E-mail addresses and domain names eenplan accepts: one rule for the API, mail headers, iCalendar
invites and the aanspreekpunt registry.

Deliberately narrower than RFC 5322 — ASCII only, a dot-atom local part without '%' and '?', no
quotes, spaces or control characters, a domain of proper DNS labels with at least one dot — so an
address accepted anywhere is safe everywhere it goes: the SMTP envelope, a mail header, a quoted
SENT-BY parameter and a mailto URI. (Four slightly different checks used to exist; an address the
API took could then fail only when its invite was built.)
"""

from __future__ import annotations

import re

from .errors import ValidationFailed

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LOCAL = re.compile(r"^[A-Za-z0-9!#$&'*+/=^_`{|}~-]+(?:\.[A-Za-z0-9!#$&'*+/=^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def domain_problem(value: object) -> str | None:
    """What is wrong with a domain name (ASCII or punycode, at least two labels); None when it is fine."""
    if not isinstance(value, str) or not 3 <= len(value) <= 253:
        return "must be a domain name of at most 253 characters"
    labels = value.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return "must be a plain ASCII domain name such as example.org"
    return None


def address_problem(value: object) -> str | None:
    """What is wrong with an e-mail address; None when it is fine."""
    if not isinstance(value, str) or not value or len(value) > 254:
        return "must be an e-mail address of at most 254 characters"
    if _CONTROL.search(value) or any(c.isspace() for c in value):
        return "must not contain spaces, line breaks or control characters"
    if value.count("@") != 1:
        return "must contain exactly one '@'"
    local, domain = value.split("@")
    if not value.isascii() or len(local) > 64 or not _LOCAL.match(local):
        return "has an invalid part before the '@'"
    return domain_problem(domain)


def check_address(value: object, field: str) -> str:
    """Return `value` if it is an address eenplan accepts; else ValidationFailed naming `field`."""
    problem = address_problem(value)
    if problem:
        raise ValidationFailed.one(field, problem)
    return value  # type: ignore[return-value]


def check_domain(value: object, field: str) -> str:
    """Return `value` if it is a domain name eenplan accepts; else ValidationFailed naming `field`."""
    problem = domain_problem(value)
    if problem:
        raise ValidationFailed.one(field, problem)
    return value  # type: ignore[return-value]
