"""The calendar adapter behind the overleg ports (SlotPlanner, InviteBuilder).

Translates the domain's values (eenplan.domain.overleg_ports) to this package's functions, so
services never import eenplan_calendar; bootstrap builds one `CalendarPlanner` from settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from eenplan.domain.errors import ValidationFailed
from eenplan.domain.overleg import Partstat
from eenplan.domain.overleg_ports import InviteSpec, Slot, SlotPerson

from . import itip, slots, window
from .werkdagen import WerkdagCalendar

__all__ = ["CalendarPlanner", "parse_office_hours"]


def parse_office_hours(text: str) -> tuple[time, time]:
    """'09:00-17:00' to (09:00, 17:00); ValidationFailed naming EENPLAN_OFFICE_HOURS otherwise."""
    try:
        first, second = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(first), time.fromisoformat(second)
    except ValueError:
        raise ValidationFailed.one("EENPLAN_OFFICE_HOURS", "must look like 09:00-17:00") from None
    if end <= start:
        raise ValidationFailed.one("EENPLAN_OFFICE_HOURS", "must end after it starts")
    return start, end


class CalendarPlanner:
    """Window, slots and iTIP for one deployment's werkdagen and office hours."""

    def __init__(self, cal: WerkdagCalendar, office_hours: tuple[time, time] = (time(9), time(17))) -> None:
        self.cal = cal
        self.hours = slots.OfficeHours(start=office_hours[0], end=office_hours[1])

    def startoverleg_window(self, initiated: date) -> tuple[date, date]:
        """Werkdag 5 to werkdag 15 after the initiation date."""
        w = window.startoverleg_window(initiated, self.cal)
        return w.earliest, w.latest

    def in_window(self, when: datetime, earliest: date, latest: date, reason: str | None) -> bool:
        """True inside the window; False outside with a reason; ValidationFailed on 'start' otherwise."""
        return window.check_in_window(when, window.Window(earliest, latest), reason)

    def propose_slots(
        self,
        earliest: date,
        latest: date,
        people: Sequence[SlotPerson],
        duration: timedelta,
        *,
        limit: int,
        max_per_day: int | None,
        not_before: datetime | None,
    ) -> list[Slot]:
        """Slots within office hours on werkdagen where every must-attend is reachable, best first."""
        found = slots.propose_slots(
            window.Window(earliest, latest),
            self.cal,
            [slots.Betrokkene(p.id, p.must_attend, p.reachable_weekdays) for p in people],
            duration,
            office_hours=self.hours,
            limit=limit,
            max_per_day=max_per_day,
            not_before=not_before,
        )
        return [Slot(s.start, s.end, s.optional_reachable, s.optional_unreachable) for s in found]

    def build_request(self, spec: InviteSpec) -> bytes:
        """METHOD:REQUEST .ics for the invite."""
        return itip.build_request(_invite(spec))

    def build_cancel(self, spec: InviteSpec) -> bytes:
        """METHOD:CANCEL .ics (STATUS:CANCELLED) that calls the whole overleg off."""
        return itip.build_cancel(_invite(spec))

    def build_uninvite(self, spec: InviteSpec) -> bytes:
        """METHOD:CANCEL .ics without STATUS that takes only the listed attendees off (RFC 5546 §3.2.5)."""
        return itip.build_uninvite(_invite(spec))

    def needs_sequence_bump(self, old: InviteSpec, new: InviteSpec) -> bool:
        """Whether time or place changed (RFC 5546 significant change)."""
        return itip.needs_sequence_bump(_invite(old), _invite(new))


#: the domain's answers as iCalendar PARTSTAT values
_PARTSTAT = {
    Partstat.NEEDS_ACTION: "NEEDS-ACTION",
    Partstat.ACCEPTED: "ACCEPTED",
    Partstat.DECLINED: "DECLINED",
    Partstat.TENTATIVE: "TENTATIVE",
}


def _invite(spec: InviteSpec) -> itip.Invite:
    """The iTIP adapter's view of a port-level invite."""
    return itip.Invite(
        uid=spec.uid,
        sequence=spec.sequence,
        start=spec.start,
        end=spec.end,
        summary=spec.summary,
        organizer_email=spec.organizer_email,
        organizer_name=spec.organizer_name,
        attendees=[itip.Attendee(a.email, a.name, a.required, _PARTSTAT[a.partstat], a.chair) for a in spec.attendees],
        location=spec.location,
        sent_by_email=spec.sent_by_email,
        dtstamp=spec.dtstamp,
    )
