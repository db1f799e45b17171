"""Answers to an invitation as the clients people use send them (iMIP, RFC 6047).

Each builder reproduces the MIME structure, headers and calendar properties of one client's REPLY (and
Outlook's "Propose new time" COUNTER) — the shapes eenplan must read: Thunderbird (multipart/mixed with the
text, a text/calendar method=REPLY part and the same calendar again as application/ics), Outlook /
Exchange (multipart/alternative: text, HTML, base64 text/calendar with Windows time zone names and
X-MICROSOFT-* properties), Google Calendar (multipart/mixed around multipart/alternative, UTC times,
X-NUM-GUESTS, plus invite.ics) and Apple Calendar (multipart/alternative, quoted-printable, X-APPLE-*,
ATTENDEE with an EMAIL parameter). Only UID, SEQUENCE, the addresses and PARTSTAT vary per test.
"""

from __future__ import annotations

import base64
import quopri
from datetime import UTC, datetime, timedelta

CRLF = "\r\n"


def _lines(*lines: str) -> str:
    return CRLF.join(lines) + CRLF


def _calendar(prodid: str, method: str, event: list[str], timezone: list[str] | None = None) -> str:
    return _lines(
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        f"METHOD:{method}",
        *(timezone or []),
        "BEGIN:VEVENT",
        *event,
        "END:VEVENT",
        "END:VCALENDAR",
    )


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S")


AMSTERDAM_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Amsterdam",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "END:VTIMEZONE",
]

WINDOWS_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010101T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
]


def thunderbird(uid: str, seq: int, start: datetime, organizer: str, attendee: str, name: str, partstat: str) -> str:
    """Thunderbird 128: the calendar twice (inline text/calendar and an application/ics attachment)."""
    end = start + timedelta(minutes=90)
    ics = _calendar(
        "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "REPLY",
        [
            f"CREATED:{_stamp(start - timedelta(days=3))}",
            f"DTSTAMP:{_stamp(datetime.now(UTC))}",
            f"LAST-MODIFIED:{_stamp(datetime.now(UTC))}",
            f"UID:{uid}",
            "SUMMARY:Overleg huishouden DEMO-001",
            f"ORGANIZER;CN=Huishouden DEMO-001:mailto:{organizer}",
            f"ATTENDEE;CN={name};PARTSTAT={partstat};ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:mailto:{attendee}",
            f"DTSTART;TZID=Europe/Amsterdam:{_local(start)}",
            f"DTEND;TZID=Europe/Amsterdam:{_local(end)}",
            f"SEQUENCE:{seq}",
            "TRANSP:OPAQUE",
        ],
        AMSTERDAM_VTIMEZONE,
    )
    verb = {"ACCEPTED": "geaccepteerd", "DECLINED": "afgewezen", "TENTATIVE": "voorlopig geaccepteerd"}[partstat]
    return _lines(
        'Content-Type: multipart/mixed; boundary="------------tb8Xw2aPq0mLk3nJ7rT5"',
        "Message-ID: <" + uid[:8] + f".{seq}.{partstat.lower()}@example.org>",
        "Date: Mon, 30 Nov 2026 10:12:44 +0100",
        "MIME-Version: 1.0",
        "User-Agent: Mozilla Thunderbird",
        "Content-Language: nl",
        f"From: {name} <{attendee}>",
        f"To: Huishouden DEMO-001 <{organizer}>",
        f"Subject: Uitnodiging {verb}: Overleg huishouden DEMO-001",
        "",
        "This is a multi-part message in MIME format.",
        "--------------tb8Xw2aPq0mLk3nJ7rT5",
        "Content-Type: text/plain; charset=UTF-8; format=flowed",
        "Content-Transfer-Encoding: 7bit",
        "",
        f"{name} heeft uw uitnodiging {verb}.",
        "",
        "--------------tb8Xw2aPq0mLk3nJ7rT5",
        "Content-Type: text/calendar; charset=UTF-8; method=REPLY",
        "Content-Transfer-Encoding: 8bit",
        "",
        ics.rstrip(CRLF),
        "--------------tb8Xw2aPq0mLk3nJ7rT5",
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(ics.encode()).decode().rstrip("\n").replace("\n", CRLF),
        "",
        "--------------tb8Xw2aPq0mLk3nJ7rT5--",
    )


def outlook(
    uid: str, seq: int, start: datetime, organizer: str, attendee: str, name: str, partstat: str, method: str = "REPLY"
) -> str:
    """Outlook / Exchange Online: multipart/alternative with a base64 calendar; COUNTER carries the new time."""
    end = start + timedelta(minutes=90)
    label = {"ACCEPTED": "Geaccepteerd", "DECLINED": "Geweigerd", "TENTATIVE": "Voorlopig"}[partstat]
    subject = "Nieuwe tijd voorgesteld: Overleg huishouden DEMO-001" if method == "COUNTER" else f"{label}: Overleg"
    ics = _calendar(
        "Microsoft Exchange Server 2010",
        method,
        [
            f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{attendee}",
            "COMMENT;LANGUAGE=nl-NL:\\n",
            f"SUMMARY;LANGUAGE=nl-NL:{label}: Overleg huishouden DEMO-001",
            f"DTSTART;TZID=W. Europe Standard Time:{_local(start)}",
            f"DTEND;TZID=W. Europe Standard Time:{_local(end)}",
            f"UID:{uid}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            f"DTSTAMP:{_stamp(datetime.now(UTC))}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            f"SEQUENCE:{seq}",
            "LOCATION;LANGUAGE=nl-NL:",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:" + str(seq),
            "X-MICROSOFT-CDO-OWNER-CRITICAL-CHANGE:" + _stamp(datetime.now(UTC)),
            "X-MICROSOFT-CDO-ATTENDEE-CRITICAL-CHANGE:" + _stamp(datetime.now(UTC)),
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            "X-MICROSOFT-CDO-IMPORTANCE:1",
            "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        ],
        WINDOWS_VTIMEZONE,
    )
    boundary = "_000_AM9PR07MB7EXAMPLE0000AM9PR07MB7_"
    return _lines(
        f"From: {name} <{attendee}>",
        f"To: Huishouden DEMO-001 <{organizer}>",
        f"Subject: {subject}",
        "Thread-Topic: Overleg huishouden DEMO-001",
        "Thread-Index: AQHbQ2xYexample==",
        "Date: Mon, 30 Nov 2026 09:12:44 +0000",
        f"Message-ID: <AM9PR07MB7{uid[:6]}{seq}{partstat[:3]}@AM9PR07MB7.eurprd07.prod.outlook.com>",
        "Accept-Language: nl-NL, en-US",
        "Content-Language: nl-NL",
        "X-MS-Has-Attach:",
        "X-MS-TNEF-Correlator:",
        "X-MS-Exchange-Organization-SCL: -1",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "MIME-Version: 1.0",
        "",
        f"--{boundary}",
        'Content-Type: text/plain; charset="us-ascii"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "",
        f"--{boundary}",
        'Content-Type: text/html; charset="us-ascii"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        '<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3Dus-ascii"></head>',
        "<body></body></html>",
        "",
        f"--{boundary}",
        f'Content-Type: text/calendar; charset="utf-8"; method={method}',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(ics.encode()).decode().rstrip("\n").replace("\n", CRLF),
        "",
        f"--{boundary}--",
    )


def google(uid: str, seq: int, start: datetime, organizer: str, attendee: str, name: str, partstat: str) -> str:
    """Google Calendar: UTC times, X-NUM-GUESTS, the calendar inline and as invite.ics."""
    end = start + timedelta(minutes=90)
    ics = _calendar(
        "-//Google Inc//Google Calendar 70.9054//EN",
        "REPLY",
        [
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            f"DTSTAMP:{_stamp(datetime.now(UTC))}",
            f"ORGANIZER;CN=Huishouden DEMO-001:mailto:{organizer}",
            f"UID:{uid}",
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={name};X-NUM-GUESTS=0:mailto:{attendee}",
            f"CREATED:{_stamp(start - timedelta(days=3))}",
            f"LAST-MODIFIED:{_stamp(datetime.now(UTC))}",
            f"SEQUENCE:{seq}",
            "STATUS:CONFIRMED",
            "SUMMARY:Overleg huishouden DEMO-001",
            "TRANSP:OPAQUE",
        ],
    )
    encoded = base64.encodebytes(ics.encode()).decode().rstrip("\n").replace("\n", CRLF)
    return _lines(
        "MIME-Version: 1.0",
        f"Reply-To: {name} <{attendee}>",
        "Sender: Google Calendar <calendar-notification@google.com>",
        f"Message-ID: <calendar-{uid[:8]}-{seq}-{partstat.lower()}@google.com>",
        "Date: Mon, 30 Nov 2026 09:12:44 +0000",
        f"Subject: Geaccepteerd: Overleg huishouden DEMO-001 @ ma 7 dec 2026 14:00 - 15:30 (CET) ({attendee})",
        f"From: {name} <{attendee}>",
        f"To: {organizer}",
        'Content-Type: multipart/mixed; boundary="000000000000a1b2c3d4e5f60718"',
        "",
        "--000000000000a1b2c3d4e5f60718",
        'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60716"',
        "",
        "--000000000000a1b2c3d4e5f60716",
        'Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes',
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(f"{name} heeft deze uitnodiging geaccepteerd.".encode()).decode(),
        "--000000000000a1b2c3d4e5f60716",
        'Content-Type: text/calendar; charset="UTF-8"; method=REPLY',
        "Content-Transfer-Encoding: 7bit",
        "",
        ics.rstrip(CRLF),
        "--000000000000a1b2c3d4e5f60716--",
        "--000000000000a1b2c3d4e5f60718",
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64",
        "",
        encoded,
        "--000000000000a1b2c3d4e5f60718--",
    )


def apple(uid: str, seq: int, start: datetime, organizer: str, attendee: str, name: str, partstat: str) -> str:
    """Apple Calendar (macOS/iOS): quoted-printable calendar, ATTENDEE with EMAIL=, X-APPLE-* properties."""
    end = start + timedelta(minutes=90)
    ics = _calendar(
        "-//Apple Inc.//macOS 15.1//EN",
        "REPLY",
        [
            f'ATTENDEE;CN="{name}";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:{attendee}',
            f"DTEND;TZID=Europe/Amsterdam:{_local(end)}",
            f"DTSTAMP:{_stamp(datetime.now(UTC))}",
            f"DTSTART;TZID=Europe/Amsterdam:{_local(start)}",
            f'ORGANIZER;CN="Huishouden DEMO-001":mailto:{organizer}',
            "REQUEST-STATUS:2.0;Success",
            f"SEQUENCE:{seq}",
            "SUMMARY:Overleg huishouden DEMO-001",
            f"UID:{uid}",
            "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
        ],
        AMSTERDAM_VTIMEZONE,
    )
    qp = quopri.encodestring(ics.replace(CRLF, "\n").encode()).decode().replace("\n", CRLF)
    boundary = "Apple-Mail=_9E3F2C1D-1A2B-4C5D-8E9F-0A1B2C3D4E5F"
    return _lines(
        f"From: {name} <{attendee}>",
        "Content-Type: multipart/alternative;",
        f'\tboundary="{boundary}"',
        "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))",
        "Subject: Geaccepteerd: Overleg huishouden DEMO-001",
        f"Message-Id: <{uid[:8]}-{seq}-{partstat}@icloud.com>",
        "Date: Mon, 30 Nov 2026 10:12:44 +0100",
        f"To: {organizer}",
        "X-Mailer: Apple Mail (2.3826.200.121)",
        "",
        f"--{boundary}",
        "Content-Transfer-Encoding: 7bit",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"{name} heeft Overleg huishouden DEMO-001 geaccepteerd.",
        f"--{boundary}",
        "Content-Transfer-Encoding: quoted-printable",
        'Content-Type: text/calendar; charset=utf-8; method=REPLY; name="iCal-20261130-101244.ics"',
        "",
        qp.rstrip(CRLF),
        f"--{boundary}--",
    )


CLIENTS = {"thunderbird": thunderbird, "outlook": outlook, "google": google, "apple": apple}


def out_of_office(organizer: str, attendee: str, name: str) -> str:
    """An Exchange automatic reply (RFC 3834 Auto-Submitted) — must be dropped unread."""
    return _lines(
        f"From: {name} <{attendee}>",
        f"To: {organizer}",
        "Subject: Automatisch antwoord: Uitnodiging: Overleg huishouden DEMO-001",
        "Auto-Submitted: auto-replied",
        "X-Auto-Response-Suppress: All",
        "Message-ID: <ooo-1@example.org>",
        "Date: Mon, 30 Nov 2026 09:12:44 +0000",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Ik ben tot 14 december afwezig.",
    )


def plain(organizer: str, attendee: str, name: str, text: str) -> str:
    """A person writing to the group address in plain text (members cannot write to the group: refused)."""
    return _lines(
        f"From: {name} <{attendee}>",
        f"To: {organizer}",
        "Subject: Vraag over het plan",
        "Message-ID: <plain-1@example.org>",
        "Date: Mon, 30 Nov 2026 09:12:44 +0000",
        "Content-Type: text/plain; charset=utf-8",
        "",
        text,
    )
