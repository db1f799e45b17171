"""A person's calendar subscription (an .ics feed that Outlook, Google and Thunderbird poll).

The feed travels without encryption and is fetched by a URL whose secret may leak (a shared calendar, a
proxy log), so it is content-free like the cleartext invites: per overleg only a neutral title, the time,
the status (STATUS:CANCELLED for a cancelled one), the stable UID and SEQUENCE of its invites, and a URL
to its page, where signing in shows the rest. No LOCATION, DESCRIPTION, ORGANIZER or ATTENDEE.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vDuration

from eenplan.domain.errors import ValidationFailed
from eenplan.domain.overleg_ports import FeedEvent, FeedSpec

from ._tz import amsterdam, vtimezone
from ._values import Text
from .itip import PRODID, _check_uid

__all__ = ["CONTENT_TYPE", "FeedCalendar", "build_feed"]

#: what the feed is served as (a subscription, not an iMIP part: no method parameter)
CONTENT_TYPE = "text/calendar; charset=utf-8"
_MAX_NAME = 120


def build_feed(spec: FeedSpec) -> bytes:
    """The feed as .ics bytes (CRLF lines, METHOD:PUBLISH, one VEVENT per overleg, refresh hints)."""
    for value, name in ((spec.name, "name"), (spec.summary, "summary")):
        if not value.strip() or len(value) > _MAX_NAME or not value.isprintable():
            raise ValidationFailed.one(name, f"must be 1–{_MAX_NAME} printable characters")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", Text(spec.name))
    cal.add("x-wr-timezone", "Europe/Amsterdam")
    cal.add("refresh-interval", vDuration(spec.refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(spec.refresh))
    cal.add_component(vtimezone())
    stamp = spec.dtstamp.astimezone(UTC).replace(microsecond=0)
    for item in spec.events:
        cal.add_component(_event(item, spec.summary, stamp))
    data: bytes = cal.to_ical()
    return data


def _event(item: FeedEvent, summary: str, stamp: datetime) -> Event:
    _check_uid(item.uid)
    if item.end <= item.start or item.start.utcoffset() is None:
        raise ValidationFailed.one("end", "must be after start (both with a time zone)")
    if not item.url.startswith(("https://", "http://")) or not item.url.isprintable() or " " in item.url:
        raise ValidationFailed.one("url", "must be an http(s) address")
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.start.astimezone(amsterdam()))
    event.add("dtend", item.end.astimezone(amsterdam()))
    event.add("summary", Text(summary))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    event.add("url", item.url, parameters={"VALUE": "URI"})
    return event


class FeedCalendar:
    """The `FeedBuilder` port (domain.overleg_ports) over `build_feed`; bootstrap wires one."""

    def build_feed(self, spec: FeedSpec) -> bytes:
        """The feed as .ics bytes."""
        return build_feed(spec)
