"""The words around an iTIP message (domain.invite_mail): one subject and text per kind, the agenda only
encrypted, and a cleartext notice never falls back to the full .ics."""

from __future__ import annotations

import base64

import pytest

from eenplan.domain.invite_mail import SUBJECTS, InviteKind, invite_kind, invite_mail, invite_overleg_id

OVERLEG_ID = "26168a8b-39e6-41bd-8e4a-839e0cd9a59c"
FULL = (
    f"BEGIN:VCALENDAR\r\nX-FULL:1\r\nBEGIN:VEVENT\r\nUID:{OVERLEG_ID}@eenplan.example\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()
CLEAR = b"BEGIN:VCALENDAR\r\nX-CLEAR:1\r\nEND:VCALENDAR\r\n"
AGENDA = "Schulden en school"


def payload(method: str = "REQUEST", *, uninvited: bool = False, clear: bytes | None = CLEAR) -> dict:
    return {
        "method": method,
        "ics": base64.b64encode(FULL).decode(),
        "ics_clear": None if clear is None else base64.b64encode(clear).decode(),
        "uninvited": uninvited,
        "agenda": AGENDA,
    }


@pytest.mark.parametrize(
    "method, uninvited, kind",
    [
        ("REQUEST", False, InviteKind.REQUEST),
        ("CANCEL", False, InviteKind.CANCEL),
        ("CANCEL", True, InviteKind.UNINVITE),
    ],
)
def test_each_kind_has_its_own_subject_and_opening(method, uninvited, kind):
    assert invite_kind(method, uninvited) is kind
    for encrypted in (True, False):
        mail = invite_mail(payload(method, uninvited=uninvited), encrypted=encrypted, agenda=AGENDA)
        assert mail.subject == SUBJECTS[kind] and mail.method == method
        assert mail.calendar == (FULL if encrypted else CLEAR)
    assert len(set(SUBJECTS.values())) == 3


def test_the_texts_say_what_happened():
    cancel = invite_mail(payload("CANCEL"), encrypted=False).text
    uninvite = invite_mail(payload("CANCEL", uninvited=True), encrypted=False).text
    request = invite_mail(payload(), encrypted=False).text
    assert "gaat niet door" in cancel and "uitgenodigd voor een overleg over" not in cancel
    assert "niet meer uitgenodigd" in uninvite and "gaat wel door" in uninvite
    assert "U bent uitgenodigd" in request and "niet in een gewone e-mail" in request and "OpenPGP" not in request


def test_an_invitation_names_the_overleg_its_page_is_about():
    assert invite_overleg_id(payload()) == OVERLEG_ID
    assert invite_overleg_id({"ics": None}) is None
    link = "https://plan.example.org/huishoudens/h/overleggen/" + OVERLEG_ID
    assert link in invite_mail(payload(), encrypted=True, link=link).text


def test_the_agenda_only_in_an_encrypted_invitation():
    assert AGENDA in invite_mail(payload(), encrypted=True, agenda=AGENDA).text
    assert AGENDA not in invite_mail(payload(), encrypted=False, agenda=AGENDA).text
    assert AGENDA not in invite_mail(payload("CANCEL"), encrypted=True, agenda=AGENDA).text


def test_a_row_without_a_reduced_ics_gets_no_calendar_in_cleartext():
    """Rows queued before the reduced .ics existed: a notice without a calendar, never the full one."""
    mail = invite_mail(payload(clear=None), encrypted=False)
    assert mail.calendar is None and "bestand in dit bericht" not in mail.text and "agenda zit" not in mail.text
