"""Every .ics a test sees, read by two independent parsers: Python's icalendar and ical.js (the parser
Thunderbird's calendar uses, from npm, run by node in tests/cal/icaljs), which must agree.

`read(ics)` parses with both, asserts they see the same calendar, and returns that calendar as plain
values (`Calendar`, `EventView`). One node process serves a whole test session (a JSON line per .ics).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

ICALJS_DIR = Path(__file__).resolve().parent.parent / "cal" / "icaljs"


@dataclass(frozen=True)
class Address:
    """An ORGANIZER or ATTENDEE: its mailto value and parameters (upper-case names)."""

    value: str
    params: dict[str, str]

    @property
    def email(self) -> str:
        """The address without 'mailto:', lower case."""
        return self.value.removeprefix("mailto:").removeprefix("MAILTO:").lower()


@dataclass(frozen=True)
class EventView:
    """One VEVENT as both parsers read it."""

    props: frozenset[str]
    uid: str | None
    sequence: int | None
    status: str | None
    summary: str | None
    location: str | None
    description: str | None
    start_utc: str | None
    end_utc: str | None
    organizer: Address | None
    attendees: tuple[Address, ...]
    alarms: tuple[tuple[str | None, str | None], ...]

    def attendee(self, email: str) -> Address:
        """The attendee with this address (fails the test if absent)."""
        found = [a for a in self.attendees if a.email == email.lower()]
        assert len(found) == 1, f"{email} is not exactly once among {[a.email for a in self.attendees]}"
        return found[0]


@dataclass(frozen=True)
class Calendar:
    """A VCALENDAR as both parsers read it."""

    props: frozenset[str]
    method: str | None
    components: tuple[str, ...]
    timezones: tuple[str, ...]
    events: tuple[EventView, ...]

    @property
    def event(self) -> EventView:
        """The one VEVENT (fails the test if there is not exactly one)."""
        assert len(self.events) == 1, f"{len(self.events)} VEVENTs"
        return self.events[0]


class _Node:
    """One `node parse.mjs --serve` for the session; a lock keeps requests and answers paired."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        node, npm = shutil.which("node"), shutil.which("npm")
        if not node:
            _unavailable("Node.js (node) on PATH")
        if not (ICALJS_DIR / "node_modules" / "ical.js").is_dir():
            if not npm:
                _unavailable("npm to install tests/cal/icaljs")
            subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=ICALJS_DIR, check=True, timeout=300)
        proc = subprocess.Popen(
            [node, "parse.mjs", "--serve"],
            cwd=ICALJS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        atexit.register(proc.kill)
        return proc

    def parse(self, ics: str) -> dict[str, Any]:
        """ical.js's reading of `ics` (the script's answer: ok and calendar, or ok false and error)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps({"ics": ics}) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        assert line, "ical.js (node tests/cal/icaljs/parse.mjs --serve) stopped"
        answer: dict[str, Any] = json.loads(line)
        return answer


_NODE = _Node()


def _unavailable(reason: str) -> None:
    if os.environ.get("EENPLAN_REQUIRE_POSTGRES") == "1":  # make test: every tool must be there
        pytest.fail(f"ical.js needs {reason} (make test runs `npm ci` in tests/cal/icaljs)")
    pytest.skip(f"ical.js unavailable: {reason}")


def icaljs(ics: bytes | str) -> Calendar:
    """The calendar as ical.js reads it (fails the test if ical.js refuses it)."""
    text = ics.decode("utf-8") if isinstance(ics, bytes) else ics
    answer = _NODE.parse(text)
    assert answer["ok"], f"ical.js refused the .ics: {answer.get('error')}"
    cal = answer["calendar"]

    def address(raw: dict[str, Any] | None) -> Address | None:
        if raw is None:
            return None
        params = {k: ",".join(v) if isinstance(v, list) else str(v) for k, v in raw["params"].items()}
        return Address(raw["value"], params)

    def utc(raw: dict[str, Any] | None) -> str | None:
        return None if raw is None else raw["utc"]

    events = tuple(
        EventView(
            props=frozenset(e["names"]),
            uid=e["uid"],
            sequence=e["sequence"],
            status=e["status"],
            summary=e["summary"],
            location=e["location"],
            description=e["description"],
            start_utc=utc(e["dtstart"]),
            end_utc=utc(e["dtend"]),
            organizer=address(e["organizer"]),
            attendees=tuple(a for a in (address(x) for x in e["attendees"]) if a is not None),
            alarms=tuple((a["action"], a["trigger"]) for a in e["alarms"]),
        )
        for e in cal["events"]
    )
    return Calendar(frozenset(cal["names"]), cal["method"], tuple(cal["components"]), tuple(cal["timezones"]), events)


def python_icalendar(ics: bytes) -> Calendar:
    """The calendar as Python's icalendar reads it, in the same shape."""
    cal = icalendar.Calendar.from_ical(ics)

    def text(comp: Any, name: str) -> str | None:
        return None if name not in comp else str(comp[name])

    def address(prop: Any) -> Address:
        return Address(str(prop), {k.upper(): str(v) for k, v in prop.params.items()})

    def utc(comp: Any, name: str) -> str | None:
        if name not in comp:
            return None
        value = comp[name].dt
        if not isinstance(value, datetime) or value.tzinfo is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def attendees(comp: Any) -> tuple[Address, ...]:
        found = comp.get("attendee")
        found = [] if found is None else found if isinstance(found, list) else [found]
        return tuple(address(a) for a in found)

    events = tuple(
        EventView(
            props=frozenset(str(k).upper() for k in e),
            uid=text(e, "uid"),
            sequence=None if "sequence" not in e else int(e["sequence"]),
            status=text(e, "status"),
            summary=text(e, "summary"),
            location=text(e, "location"),
            description=text(e, "description"),
            start_utc=utc(e, "dtstart"),
            end_utc=utc(e, "dtend"),
            organizer=address(e["organizer"]) if "organizer" in e else None,
            attendees=attendees(e),
            alarms=tuple(
                (text(a, "action"), a["trigger"].to_ical().decode() if "trigger" in a else None)
                for a in e.walk("VALARM")
            ),
        )
        for e in cal.walk("VEVENT")
    )
    return Calendar(
        frozenset(str(k).upper() for k in cal),
        text(cal, "method"),
        tuple(c.name.upper() for c in cal.subcomponents),
        tuple(str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")),
        events,
    )


def read(ics: bytes) -> Calendar:
    """Parse `ics` with icalendar and with ical.js, assert both read the same calendar, and return it."""
    ours, theirs = python_icalendar(ics), icaljs(ics)
    assert ours == theirs, f"icalendar and ical.js disagree:\n icalendar: {ours}\n ical.js:   {theirs}"
    return theirs
