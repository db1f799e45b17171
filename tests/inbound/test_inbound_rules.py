"""The rules of inbound mail without a server: what counts as automatic, what an answer may change, the
per-sender budget, and that a broken or oversized calendar is "no calendar", never an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eenplan.domain.inbound import Outcome, ReplyFacts, is_automatic, judge_reply
from eenplan.domain.overleg import Invitee, Overleg, OverlegStatus, OverlegType, Partstat
from eenplan.services.inbound import SenderWindow
from eenplan_calendar.replies import MAX_BYTES, read_reply

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


def overleg(status: OverlegStatus = OverlegStatus.PLANNED, sequence: int = 2) -> Overleg:
    return Overleg(
        id="o1",
        household_id="h1",
        type=OverlegType.VOORTGANGSOVERLEG,
        start=NOW,
        end=NOW + timedelta(hours=1),
        location=None,
        video_link=None,
        chair_id=None,
        minute_taker_id=None,
        invitees=(Invitee("fatima", True),),
        agenda="",
        status=status,
        uid="u1@eenplan",
        sequence=sequence,
        revision=1,
        created_by="sanne",
        created_at=NOW,
    )


def facts(method: str = "REPLY", sequence: int = 2, who: str = "fatima@example.org", **kw) -> ReplyFacts:
    return ReplyFacts(method, "u1@eenplan", sequence, {who: Partstat.ACCEPTED}, **kw)


def test_only_the_senders_own_answer_to_the_current_sequence_of_a_planned_overleg_counts():
    assert judge_reply(facts(), overleg(), "fatima", "Fatima@Example.org").outcome is Outcome.ANSWERED
    assert judge_reply(facts(sequence=1), overleg(), "fatima", "fatima@example.org").outcome is Outcome.STALE
    assert judge_reply(facts(sequence=3), overleg(), "fatima", "fatima@example.org").outcome is Outcome.STALE
    assert judge_reply(facts(), overleg(), None, "fatima@example.org").outcome is Outcome.NOT_ATTENDEE
    assert judge_reply(facts(), overleg(), "khadija", "fatima@example.org").outcome is Outcome.NOT_ATTENDEE
    other = facts(who="khadija@example.org")
    assert judge_reply(other, overleg(), "fatima", "fatima@example.org").outcome is Outcome.NOT_ATTENDEE
    closed = overleg(OverlegStatus.CANCELLED)
    assert judge_reply(facts(), closed, "fatima", "fatima@example.org").outcome is Outcome.CLOSED


def test_a_counter_needs_a_proper_time():
    good = facts("COUNTER", proposed_start=NOW, proposed_end=NOW + timedelta(hours=1))
    assert judge_reply(good, overleg(), "fatima", "fatima@example.org").outcome is Outcome.PROPOSED
    backwards = facts("COUNTER", proposed_start=NOW, proposed_end=NOW - timedelta(hours=1))
    assert judge_reply(backwards, overleg(), "fatima", "fatima@example.org").outcome is Outcome.NO_CALENDAR


def test_machines_are_recognised():
    assert is_automatic({"Auto-Submitted": "auto-replied"}, "eenplan.example")
    assert not is_automatic({"Auto-Submitted": "no"}, "eenplan.example")
    assert is_automatic({"X-Loop": "eenplan@eenplan.example"}, "eenplan.example")
    assert not is_automatic({"X-Loop": "eenplan@elders.example"}, "eenplan.example")
    assert is_automatic({"Precedence": "bulk"}, "eenplan.example")
    assert not is_automatic({}, "eenplan.example")


def test_a_sender_gets_a_budget_per_hour():
    now = [0.0]
    window = SenderWindow(limit=3, now=lambda: now[0])
    assert [window.allow("a@example.org") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b@example.org")
    now[0] = 3601.0
    assert window.allow("a@example.org")


def test_broken_or_oversized_calendars_are_no_calendar():
    assert read_reply(b"not a calendar") is None
    assert read_reply(b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n") is None
    huge = b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nX-A:" + b"a" * MAX_BYTES + b"\r\nEND:VCALENDAR\r\n"
    assert read_reply(huge) is None
    no_attendee = b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    assert read_reply(no_attendee) is None
