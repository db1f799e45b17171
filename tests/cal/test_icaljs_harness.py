"""The second parser is real and independent: ical.js refuses what is not iCalendar, and `read` notices when
ical.js and icalendar see a calendar differently."""

from __future__ import annotations

import pytest
from support.ical_parsers import icaljs, python_icalendar, read

HAND_MADE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:x@example.org\r\nDTSTAMP:20260101T090000Z\r\nDTSTART:20260110T090000Z\r\nDTEND:20260110T100000Z\r\n"
    "SUMMARY:Overleg\r\nORGANIZER;CN=Huis:mailto:g@example.org\r\n"
    "ATTENDEE;CN={cn};ROLE=REQ-PARTICIPANT:mailto:a@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_icaljs_reads_a_plain_calendar_like_icalendar():
    ics = HAND_MADE.format(cn="Anna").encode()
    seen = read(ics)
    assert seen.method == "REQUEST" and seen.event.start_utc == "2026-01-10T09:00:00Z"
    assert seen.event.attendee("a@example.org").params == {"CN": "Anna", "ROLE": "REQ-PARTICIPANT"}


@pytest.mark.parametrize("text", ["not a calendar", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n"])
def test_icaljs_refuses_what_is_not_icalendar(text):
    with pytest.raises(AssertionError, match=r"ical\.js refused"):
        icaljs(text)


def test_read_fails_when_the_parsers_disagree():
    """A backslash-N inside a CN: ical.js makes it a line break, icalendar keeps two characters."""
    ics = HAND_MADE.format(cn="Kamer \\N2").encode()
    assert python_icalendar(ics) != icaljs(ics)
    with pytest.raises(AssertionError, match="disagree"):
        read(ics)
