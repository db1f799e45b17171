"""One rule for e-mail addresses everywhere: what the API accepts, mail headers, iCalendar invites and the
aanspreekpunt registry accept too — and the other way round — so no address fails only when its invite
or mail is being built."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from eenplan.domain.addresses import check_address
from eenplan.domain.errors import ValidationFailed
from eenplan.web.schemas import Email
from eenplan_calendar.itip import validate_email
from eenplan_mail.headers import check_address as header_address

GOOD = ["fatima@example.org", "f.el-amrani+plan@gemeente.heerlen.example", "o'brien@xn--bcher-kva.example"]
BAD = [
    "a%b@example.org",
    "a..b@example.org",
    ".a@example.org",
    "a?b@example.org",
    "a b@example.org",
    "a@b@example.org",
    "a@localhost",
    "a@-x.example",
    "ä@example.org",
    "a@example.org\r\nBcc: x@y.example",
    'a"b@example.org',
    "a;b@example.org",
    "",
    "x" * 65 + "@example.org",
]


def api_accepts(value: str) -> bool:
    try:
        TypeAdapter(Email).validate_python(value)
        return True
    except ValidationError:
        return False


def accepts(check, value: str) -> bool:
    try:
        check(value, "email")
        return True
    except ValidationFailed:
        return False


@pytest.mark.parametrize("value", GOOD + BAD)
def test_every_entry_point_agrees(value):
    expected = value in GOOD
    assert api_accepts(value) is expected
    assert accepts(check_address, value) is expected
    assert accepts(header_address, value) is expected
    assert accepts(validate_email, value) is expected


def test_the_problem_names_the_field():
    with pytest.raises(ValidationFailed) as err:
        check_address("a..b@example.org", "invitees[2].email")
    assert err.value.problems[0].field == "invitees[2].email"
