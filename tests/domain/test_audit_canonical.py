"""The access log's hash covers one canonical JSON text per entry; `audit verify` recomputes it, so the
fast assembly must stay byte-for-byte what json.dumps produces, for any field value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from eenplan.domain.audit import AccessEvent, Channel, Event, chain_hash, extend_chain


def reference(e: AccessEvent) -> str:
    return json.dumps(
        [
            e.event.value,
            e.household_id,
            e.actor_id,
            list(e.sections),
            e.channel.value,
            e.ground,
            e.at.astimezone(UTC).isoformat(),
            e.on_behalf_of,
            e.emergency,
            e.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


AWKWARD = ['quote " and backslash \\', "tab\tnewline\nnul\x00", "ë ü — € 😀", "\u2028\u2029", "", "</script>"]


@pytest.mark.parametrize("text", AWKWARD)
def test_canonical_equals_json_dumps_for_awkward_text(text):
    event = AccessEvent(
        Event.DISCLOSE,
        f"hh{text}",
        text,
        (text, "doelen"),
        Channel.MAIL,
        text,
        datetime(2026, 11, 22, 21, 30, 5, 123456, tzinfo=UTC),
        text,
        True,
        text,
    )
    assert event.canonical() == reference(event)


def test_canonical_equals_json_dumps_with_nulls_and_other_time_zones():
    amsterdam = timezone(timedelta(hours=1))
    for actor, behalf, emergency, sections in [(None, None, False, ()), ("a", None, True, ("algemeen",))]:
        event = AccessEvent(
            Event.READ,
            "hh",
            actor,
            sections,
            Channel.API,
            "klant",
            datetime(2026, 3, 29, 2, 30, tzinfo=amsterdam),
            behalf,
            emergency,
            "versie 1",
        )
        assert event.canonical() == reference(event)
        assert json.loads(event.canonical())[6] == "2026-03-29T01:30:00+00:00"  # stored in UTC


def test_a_changed_field_changes_the_chain():
    at = datetime(2026, 11, 22, tzinfo=UTC)
    a = AccessEvent(Event.READ, "hh", "x", ("doelen",), Channel.API, "klant", at)
    b = AccessEvent(Event.READ, "hh", "x", ("doelen", "analyse"), Channel.API, "klant", at)
    ((_, _, hash_a, _),) = extend_chain(0, "0" * 64, [a])
    ((_, _, hash_b, _),) = extend_chain(0, "0" * 64, [b])
    assert hash_a != hash_b
    assert hash_a == chain_hash("0" * 64, 1, reference(a))
