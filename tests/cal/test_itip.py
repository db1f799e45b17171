"""iTIP REQUEST/CANCEL: parsed back with icalendar, with ical.js (Thunderbird's parser; both must agree) and
independently with vobject."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from support.ical_parsers import read

from eenplan.domain.errors import ValidationFailed
from eenplan_calendar.itip import (
    CONTENT_TYPE_CANCEL,
    CONTENT_TYPE_REQUEST,
    Attendee,
    Invite,
    build_cancel,
    build_request,
    build_uninvite,
    ics_filename,
    needs_sequence_bump,
)

AMS = ZoneInfo("Europe/Amsterdam")
GROUP = "h-2026-001@groep.example.org"
REGISSEUR = "regisseur@gemeente.example.nl"


def make_invite(**changes) -> Invite:
    base = Invite(
        uid="0f8e1c2a-7d4b@eenplan.example.org",
        sequence=0,
        start=datetime(2026, 6, 2, 10, 0, tzinfo=AMS),
        end=datetime(2026, 6, 2, 11, 30, tzinfo=AMS),
        summary="Overleg huishouden H-2026-001",
        location="Gemeentehuis, zaal 2",
        organizer_email=GROUP,
        organizer_name="Huishouden H-2026-001",
        sent_by_email=REGISSEUR,
        attendees=[
            Attendee("anna@example.nl", "Anna de Vries", True),
            ("wijkteam@example.nl", "Wijkteam Noord", False),
        ],
        dtstamp=datetime(2026, 5, 20, 8, 0, tzinfo=UTC),
    )
    return dataclasses.replace(base, **changes)


def ical_event(data: bytes):
    read(data)  # icalendar and ical.js read the same calendar
    cal = icalendar.Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def vobj(data: bytes):
    read(data)
    return vobject.readOne(data.decode("utf-8"))


def unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def attendees_icalendar(event) -> list:
    att = event.get("attendee")
    return [] if att is None else (att if isinstance(att, list) else [att])


# ------------------------------------------------------------------ REQUEST


def test_request_parsed_by_icalendar():
    data = build_request(make_invite())
    cal, ev = ical_event(data)
    assert str(cal["method"]) == "REQUEST"
    assert str(cal["prodid"]) == "-//eenplan//eenplan 0.1//NL"
    assert str(cal["version"]) == "2.0"
    assert str(ev["uid"]) == "0f8e1c2a-7d4b@eenplan.example.org"
    assert int(ev["sequence"]) == 0
    assert str(ev["status"]) == "CONFIRMED"
    assert str(ev["summary"]) == "Overleg huishouden H-2026-001"
    assert str(ev["location"]) == "Gemeentehuis, zaal 2"
    assert ev["dtstamp"].dt == datetime(2026, 5, 20, 8, 0, tzinfo=UTC)

    start = ev["dtstart"]
    assert start.params["TZID"] == "Europe/Amsterdam"
    assert start.dt == datetime(2026, 6, 2, 10, 0, tzinfo=AMS)
    assert ev["dtend"].dt == datetime(2026, 6, 2, 11, 30, tzinfo=AMS)

    org = ev["organizer"]
    assert str(org) == f"mailto:{GROUP}"
    assert org.params["CN"] == "Huishouden H-2026-001"
    assert org.params["SENT-BY"] == f"mailto:{REGISSEUR}"

    atts = {str(a): a.params for a in attendees_icalendar(ev)}
    assert set(atts) == {"mailto:anna@example.nl", "mailto:wijkteam@example.nl"}
    assert atts["mailto:anna@example.nl"]["ROLE"] == "REQ-PARTICIPANT"
    assert atts["mailto:wijkteam@example.nl"]["ROLE"] == "OPT-PARTICIPANT"
    assert atts["mailto:anna@example.nl"]["CN"] == "Anna de Vries"
    for params in atts.values():
        assert params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["RSVP"] == "TRUE"
        assert params["CUTYPE"] == "INDIVIDUAL"

    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/Amsterdam"
    assert len(tz.walk("STANDARD")) == 1 and len(tz.walk("DAYLIGHT")) == 1
    (alarm,) = ev.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm["trigger"].dt == timedelta(hours=-1)


def test_request_parsed_by_vobject():
    data = build_request(make_invite())
    v = vobj(data)
    assert v.method.value == "REQUEST"
    ev = v.vevent
    assert ev.uid.value == "0f8e1c2a-7d4b@eenplan.example.org"
    assert ev.sequence.value == "0"
    assert ev.status.value == "CONFIRMED"
    roles = {a.value: a.params["ROLE"][0] for a in ev.attendee_list}
    assert roles == {"mailto:anna@example.nl": "REQ-PARTICIPANT", "mailto:wijkteam@example.nl": "OPT-PARTICIPANT"}
    assert ev.organizer.value == f"mailto:{GROUP}"
    assert ev.organizer.params["SENT-BY"] == [f"mailto:{REGISSEUR}"]
    assert hasattr(v, "vtimezone") and v.vtimezone.tzid.value == "Europe/Amsterdam"
    assert ev.valarm.action.value == "DISPLAY"
    assert ev.valarm.trigger.value == timedelta(hours=-1)
    # vobject resolves DTSTART through *our* VTIMEZONE: summer time is UTC+2
    assert ev.dtstart.value.utcoffset() == timedelta(hours=2)
    assert ev.dtstart.value.astimezone(UTC) == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "local, offset_hours",
    [
        (datetime(2026, 1, 15, 10, 0), 1),  # winter
        (datetime(2026, 3, 27, 10, 0), 1),  # Friday before the last Sunday of March
        (datetime(2026, 3, 30, 10, 0), 2),  # Monday after the switch (29 March 2026)
        (datetime(2026, 10, 23, 10, 0), 2),  # Friday before the last Sunday of October
        (datetime(2026, 10, 26, 10, 0), 1),  # Monday after (25 October 2026)
    ],
)
def test_compact_vtimezone_gives_correct_offsets_in_vobject(local, offset_hours):
    start = local.replace(tzinfo=AMS)
    data = build_request(make_invite(start=start, end=start + timedelta(hours=1)))
    assert vobj(data).vevent.dtstart.value.utcoffset() == timedelta(hours=offset_hours)
    # ical.js resolves the local time through our VTIMEZONE too (read() compares it with icalendar's zoneinfo)
    assert read(data).event.start_utc == (local - timedelta(hours=offset_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # compact: just the two rules, no history
    assert data.count(b"BEGIN:STANDARD") == 1 and data.count(b"BEGIN:DAYLIGHT") == 1


def test_start_in_utc_is_written_as_amsterdam_local_time():
    start = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    data = build_request(make_invite(start=start, end=start + timedelta(hours=1)))
    assert "DTSTART;TZID=Europe/Amsterdam:20260602T100000" in unfolded_lines(data)
    assert "DTEND;TZID=Europe/Amsterdam:20260602T110000" in unfolded_lines(data)


def test_alarm_trigger_configurable_and_optional():
    data = build_request(make_invite(alarm_trigger=timedelta(minutes=-30)))
    assert "TRIGGER:-PT30M" in unfolded_lines(data)
    data = build_request(make_invite(alarm_trigger=None))
    assert b"VALARM" not in data


def test_crlf_line_endings_and_content_types():
    data = build_request(make_invite())
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert "method=REQUEST" in CONTENT_TYPE_REQUEST and "method=CANCEL" in CONTENT_TYPE_CANCEL


# ------------------------------------------------------------------ CANCEL


def test_cancel_same_uid_bumped_sequence_both_parsers():
    inv = make_invite()
    data = build_cancel(dataclasses.replace(inv, sequence=inv.sequence + 1))
    cal, ev = ical_event(data)
    assert str(cal["method"]) == "CANCEL"
    assert str(ev["status"]) == "CANCELLED"
    assert str(ev["uid"]) == inv.uid
    assert int(ev["sequence"]) == 1
    assert not ev.walk("VALARM")
    v = vobj(data)
    assert v.method.value == "CANCEL"
    assert v.vevent.status.value == "CANCELLED"
    assert v.vevent.uid.value == inv.uid
    assert v.vevent.sequence.value == "1"
    assert len(v.vevent.attendee_list) == 2
    for att in read(data).event.attendees:  # a CANCEL asks for no answer
        assert "RSVP" not in att.params and "PARTSTAT" not in att.params


# ------------------------------------------------------------------ injection

INJECTIONS = [
    "Overleg\r\nATTENDEE:mailto:evil@x.example",
    "Overleg\nMETHOD:PUBLISH",
    "Overleg\rEND:VEVENT",
    "Overleg\r\n ATTENDEE:mailto:evil@x.example",
    "Overleg\x00",
    "Overleg\tx",
    "Overleg\x85ATTENDEE:mailto:evil@x.example",
    "Overleg\u2028ATTENDEE:mailto:evil@x.example",
]
TEXT_FIELDS = {
    "summary": lambda s: {"summary": s},
    "location": lambda s: {"location": s},
    "organizer_name": lambda s: {"organizer_name": s},
    "attendees[1].name": lambda s: {"attendees": [("anna@example.nl", "Anna", True), ("b@example.nl", s, False)]},
    "alarm_description": lambda s: {"alarm_description": s},
}


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("field", sorted(TEXT_FIELDS))
@pytest.mark.parametrize("build", [build_request, build_cancel])
def test_control_characters_in_text_fields_rejected(build, field, payload):
    with pytest.raises(ValidationFailed) as exc:
        build(make_invite(**TEXT_FIELDS[field](payload)))
    assert field in [p.field for p in exc.value.problems]


# printable tricks that must be escaped/quoted, never interpreted
ODD_TEXT = [
    'Jan";ROLE=CHAIR;X="',
    "Jan:mailto:evil@x.example",
    "a;ATTENDEE=mailto:evil@x.example",
    "Piet, Klaas\\; ATTENDEE:mailto:evil@x.example",
    "^n^'^^ METHOD:PUBLISH",
]

EXPECTED_EVENT_PROPS = {
    "UID",
    "SEQUENCE",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "LOCATION",
    "STATUS",
    "CLASS",
    "TRANSP",
    "ORGANIZER",
    "ATTENDEE",
}


@pytest.mark.parametrize("text", ODD_TEXT)
@pytest.mark.parametrize("field", sorted(TEXT_FIELDS))
def test_printable_tricks_never_add_properties_or_attendees(field, text):
    data = build_request(make_invite(**TEXT_FIELDS[field](text)))
    cal, ev = ical_event(data)
    assert str(cal["method"]) == "REQUEST"
    assert len(attendees_icalendar(ev)) == 2
    assert set(ev) == EXPECTED_EVENT_PROPS
    assert set(cal) == {"PRODID", "VERSION", "CALSCALE", "METHOD"}
    assert str(ev["organizer"]) == f"mailto:{GROUP}"
    expected_att = {"mailto:anna@example.nl", "mailto:wijkteam@example.nl"}
    if field == "attendees[1].name":
        expected_att = {"mailto:anna@example.nl", "mailto:b@example.nl"}
        if "\\" not in text:  # icalendar unescapes "\;" inside parameter values (harmless quirk)
            assert [a.params["CN"] for a in attendees_icalendar(ev)][1] == text
    assert {str(a) for a in attendees_icalendar(ev)} == expected_att
    for a in attendees_icalendar(ev):
        assert set(a.params) == {"CN", "CUTYPE", "ROLE", "PARTSTAT", "RSVP"}
    # round trip of the value through icalendar is exact
    if field in ("summary", "location"):
        assert str(ev[field.upper()]) == text
    v = vobj(data)
    assert v.method.value == "REQUEST"
    assert len(v.vevent.attendee_list) == 2
    assert {c.lower() for c in v.vevent.contents} == {p.lower() for p in EXPECTED_EVENT_PROPS} | {"valarm"}
    assert len(v.vevent.organizer_list) == 1
    # raw text: exactly two ATTENDEE content lines and one METHOD line
    lines = unfolded_lines(data)
    assert sum(1 for ln in lines if re.match(r"ATTENDEE[;:]", ln)) == 2
    assert sum(1 for ln in lines if ln.startswith("METHOD")) == 1


BAD_EMAILS = [
    "a@example.nl\r\nATTENDEE:mailto:evil@x.example",
    "a@example.nl\n",
    "a@example.nl\r",
    "\na@example.nl",
    "a b@example.nl",
    'a"@example.nl',
    "a@example.nl?cc=evil@x.example",
    "a@example.nl;ROLE=CHAIR",
    "a@example.nl:x",
    "mailto:a@example.nl",
    "a@example",
    "@example.nl",
    "a@@example.nl",
    "a..b@example.nl",
    "",
    "ä@example.nl",
]
EMAIL_FIELDS = {
    "organizer_email": lambda e: {"organizer_email": e},
    "sent_by_email": lambda e: {"sent_by_email": e},
    "attendees[0].email": lambda e: {"attendees": [(e, "Anna", True)]},
}


@pytest.mark.parametrize("email", BAD_EMAILS)
@pytest.mark.parametrize("field", sorted(EMAIL_FIELDS))
def test_bad_addresses_rejected_naming_field(field, email):
    for build in (build_request, build_cancel):
        with pytest.raises(ValidationFailed) as exc:
            build(make_invite(**EMAIL_FIELDS[field](email)))
        assert field in [p.field for p in exc.value.problems]


# ------------------------------------------------------------------ other validation


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"start": datetime(2026, 6, 2, 10, 0)}, "start"),
        ({"end": datetime(2026, 6, 2, 9, 0, tzinfo=AMS)}, "end"),
        ({"sequence": -1}, "sequence"),
        ({"uid": "abc\r\nX:1"}, "uid"),
        ({"uid": ""}, "uid"),
        ({"attendees": []}, "attendees"),
        ({"attendees": [("a@example.nl", "A", True), ("A@example.nl", "B", False)]}, "attendees[1].email"),
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 201}, "summary"),
        ({"dtstamp": datetime(2026, 5, 1)}, "dtstamp"),
    ],
)
def test_invalid_invites_rejected(changes, field):
    with pytest.raises(ValidationFailed) as exc:
        build_request(make_invite(**changes))
    assert field in [p.field for p in exc.value.problems]


def test_location_optional():
    data = build_request(make_invite(location=None))
    _, ev = ical_event(data)
    assert "LOCATION" not in ev


def test_needs_sequence_bump():
    old = make_invite()
    later = old.start + timedelta(hours=1)
    assert needs_sequence_bump(old, dataclasses.replace(old, start=later, end=later + timedelta(hours=1)))
    assert needs_sequence_bump(old, dataclasses.replace(old, end=old.end + timedelta(minutes=15)))
    assert needs_sequence_bump(old, dataclasses.replace(old, location="Online"))
    assert not needs_sequence_bump(old, dataclasses.replace(old, summary="Overleg huishouden H-2026-002"))
    assert not needs_sequence_bump(old, dataclasses.replace(old, attendees=[("x@example.nl", "X", True)]))
    # same instants expressed in UTC are not a change
    assert not needs_sequence_bump(
        old, dataclasses.replace(old, start=old.start.astimezone(UTC), end=old.end.astimezone(UTC))
    )
    with pytest.raises(ValidationFailed):
        needs_sequence_bump(old, dataclasses.replace(old, uid="other@eenplan"))


def test_ics_filename_is_safe():
    assert ics_filename("0f8e1c2a-7d4b@eenplan.example.org") == "overleg-0f8e1c2a-7d4b-eenplan.example.org.ics"
    name = ics_filename("a+b=c@d")
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.ics", name)
    for bad in ("../../etc/passwd", "a\r\nb", "a/b", ""):
        with pytest.raises(ValidationFailed):
            ics_filename(bad)


@pytest.mark.parametrize("payload", INJECTIONS[:4])
@pytest.mark.parametrize("field", ["summary", "location", "organizer_name", "attendees[1].name"])
def test_second_layer_icalendar_escaping_without_our_validation(monkeypatch, field, payload):
    """Defence in depth: even if text validation were bypassed, the serialiser must escape."""
    from eenplan_calendar import itip

    monkeypatch.setattr(itip, "_check_text", lambda *a, **k: None)
    data = build_request(make_invite(**TEXT_FIELDS[field](payload)))
    cal, ev = ical_event(data)
    assert str(cal["method"]) == "REQUEST"
    assert len(attendees_icalendar(ev)) == 2
    assert set(ev) == EXPECTED_EVENT_PROPS
    v = vobj(data)
    assert v.method.value == "REQUEST" and len(v.vevent.attendee_list) == 2
    assert sum(1 for ln in unfolded_lines(data) if re.match(r"ATTENDEE[;:]", ln)) == 2


BACKSLASH_TEXT = ["Kamer \\N2", "Kamer \\n2", "Zaal 2\\, achter", "C:\\N\\temp", "eind \\", "a\\;b", "\\\\N"]


@pytest.mark.parametrize("text", BACKSLASH_TEXT)
@pytest.mark.parametrize("field", ["summary", "location"])
def test_backslash_sequences_survive_the_round_trip(field, text):
    """A typed '\\N' is two characters, not a line break, in icalendar and in vobject (issue 10 item 8)."""
    for build in (build_request, build_cancel):
        data = build(make_invite(**{field: text}))
        _cal, ev = ical_event(data)
        assert str(ev[field.upper()]) == text
        assert getattr(vobj(data).vevent, field).value == text
        assert "\n" not in str(ev[field.upper()])


def test_alarm_description_keeps_backslash_n():
    data = build_request(make_invite(alarm_description="Herinnering \\N overleg"))
    (alarm,) = icalendar.Calendar.from_ical(data).walk("VALARM")
    assert str(alarm["description"]) == "Herinnering \\N overleg"


# ------------------------------------------------------------------ iTIP right (issue 14 item 3)


def test_meeting_cancel_has_status_cancelled_and_uninvite_has_none():
    """RFC 5546 §3.2.5: a CANCEL of the meeting carries STATUS:CANCELLED; one that uninvites attendees MUST NOT."""
    inv = make_invite(sequence=1, attendees=[("wijkteam@example.nl", "Wijkteam Noord", False)])
    meeting = read(build_cancel(inv))
    uninvite = read(build_uninvite(inv))
    assert meeting.method == uninvite.method == "CANCEL"
    assert meeting.event.status == "CANCELLED"
    assert uninvite.event.status is None and "STATUS" not in uninvite.event.props
    assert uninvite.event.uid == inv.uid and uninvite.event.sequence == 1
    assert [a.email for a in uninvite.event.attendees] == ["wijkteam@example.nl"]
    assert not uninvite.event.alarms
    v = vobject.readOne(build_uninvite(inv).decode())
    assert v.method.value == "CANCEL" and not hasattr(v.vevent, "status")


def test_request_carries_each_attendees_answer():
    data = build_request(
        make_invite(
            attendees=[
                Attendee("anna@example.nl", "Anna de Vries", True, "ACCEPTED"),
                Attendee("wijkteam@example.nl", "Wijkteam Noord", False, "DECLINED"),
                Attendee("piet@example.nl", "Piet", True, "TENTATIVE"),
                Attendee("kees@example.nl", "Kees", True),
            ]
        )
    )
    event = read(data).event
    answers = {a.email: a.params["PARTSTAT"] for a in event.attendees}
    assert answers == {
        "anna@example.nl": "ACCEPTED",
        "wijkteam@example.nl": "DECLINED",
        "piet@example.nl": "TENTATIVE",
        "kees@example.nl": "NEEDS-ACTION",
    }
    in_vobject = {a.value.removeprefix("mailto:"): a.params["PARTSTAT"][0] for a in vobj(data).vevent.attendee_list}
    assert in_vobject == answers


def test_chair_is_role_chair():
    data = build_request(
        make_invite(
            attendees=[
                Attendee("anna@example.nl", "Anna de Vries", True),
                Attendee(REGISSEUR, "Sanne de Vries", True, "ACCEPTED", True),
            ]
        )
    )
    event = read(data).event
    assert event.attendee(REGISSEUR).params["ROLE"] == "CHAIR"
    assert event.attendee("anna@example.nl").params["ROLE"] == "REQ-PARTICIPANT"
    roles = {a.value.removeprefix("mailto:"): a.params["ROLE"][0] for a in vobj(data).vevent.attendee_list}
    assert roles[REGISSEUR] == "CHAIR"


@pytest.mark.parametrize("partstat", ["needs_action", "DELEGATED", "", "ACCEPTED\r\nX:1", None])
def test_unknown_answers_are_refused(partstat):
    with pytest.raises(ValidationFailed) as exc:
        build_request(make_invite(attendees=[("anna@example.nl", "Anna", True, partstat)]))
    assert "attendees[0].partstat" in [p.field for p in exc.value.problems]


@pytest.mark.parametrize("name", ["Kamer \\N2", "C:\\n\\temp", "a\\b"])
def test_a_backslash_in_a_name_reads_the_same_in_every_parser(name):
    """ical.js reads '\\N' inside a CN as a line break, icalendar as two characters: a name must not split."""
    for build in (build_request, build_cancel, build_uninvite):
        data = build(make_invite(organizer_name=name, attendees=[("anna@example.nl", name, True)]))
        event = read(data).event  # both parsers agree
        for cn in (event.organizer.params["CN"], event.attendee("anna@example.nl").params["CN"]):
            assert "\n" not in cn and cn.replace("\uff3c", "\\") == name


@pytest.mark.parametrize(
    "name",
    ['Jan "de" Vries', "O'Brien", "a^nb", "^^", "^'", "x:y;z,w", "Zoë Öztürk", "😀 Ana", "A\u00a0B", "a\u0301", "a,b"],
)
def test_names_and_texts_read_back_exactly_in_both_parsers(name):
    """Quotes, carets (RFC 6868), separators and non-ASCII in a CN, SUMMARY or LOCATION survive both parsers."""
    data = build_request(
        make_invite(organizer_name=name, attendees=[("anna@example.nl", name, True)], summary=name, location=name)
    )
    event = read(data).event
    assert event.organizer.params["CN"] == event.attendee("anna@example.nl").params["CN"] == name
    assert event.summary == event.location == name
