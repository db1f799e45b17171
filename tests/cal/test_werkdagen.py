"""Werkdagen: Dutch public holidays, the configurable days, and the deadline arithmetic.

All expected dates below were worked out by hand (Easter 2026 = 5 April, 2025 = 20 April;
1 Jan 2026 is a Thursday), not taken from the code under test.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from eenplan.domain.errors import ValidationFailed
from eenplan_calendar import werkdagen as wmod
from eenplan_calendar.werkdagen import WerkdagCalendar

D = date
DEFAULT = WerkdagCalendar()


def test_defaults_are_lustrum_and_no_goede_vrijdag():
    assert DEFAULT.bevrijdingsdag == "lustrum"
    assert DEFAULT.goede_vrijdag is False
    assert DEFAULT.extra_closing_days == frozenset()


def test_weekday_closing_days_2026_default_config():
    """Every Mon–Fri of 2026 that is not a werkdag, under the default configuration."""
    closed = {
        d
        for d in (D(2026, 1, 1) + timedelta(days=i) for i in range(365))
        if d.weekday() < 5 and not DEFAULT.is_werkdag(d)
    }
    assert closed == {
        D(2026, 1, 1),  # Nieuwjaarsdag (Thu)
        D(2026, 4, 6),  # Tweede paasdag (Mon)
        D(2026, 4, 27),  # Koningsdag (Mon)
        D(2026, 5, 14),  # Hemelvaartsdag (Thu)
        D(2026, 5, 25),  # Tweede pinksterdag (Mon)
        D(2026, 12, 25),  # Eerste kerstdag (Fri)
    }


def test_weekends_are_never_werkdagen():
    assert not DEFAULT.is_werkdag(D(2026, 3, 7))  # Saturday
    assert not DEFAULT.is_werkdag(D(2026, 3, 8))  # Sunday
    assert DEFAULT.is_werkdag(D(2026, 3, 9))  # Monday


def test_christmas_2026():
    # Thu 24 Dec -> Fri 25 (Eerste kerstdag), Sat 26, Sun 27 -> Mon 28
    assert DEFAULT.add_werkdagen(D(2026, 12, 24), 1) == D(2026, 12, 28)
    assert DEFAULT.holiday_name(D(2026, 12, 25)) == "Eerste kerstdag"
    assert DEFAULT.holiday_name(D(2026, 12, 26)) == "Tweede kerstdag"


def test_christmas_2025_both_days_on_weekdays():
    # Thu 25 and Fri 26 Dec 2025 are both off: Wed 24 -> Mon 29
    assert not DEFAULT.is_werkdag(D(2025, 12, 25))
    assert not DEFAULT.is_werkdag(D(2025, 12, 26))
    assert DEFAULT.add_werkdagen(D(2025, 12, 24), 1) == D(2025, 12, 29)


def test_new_year_crossing_years():
    # Thu 31 Dec 2026 -> Fri 1 Jan 2027 is Nieuwjaarsdag -> Mon 4 Jan 2027
    assert DEFAULT.next_werkdag(D(2026, 12, 31)) == D(2027, 1, 4)
    assert DEFAULT.holiday_name(D(2027, 1, 1)) == "Nieuwjaarsdag"


@pytest.mark.parametrize(
    "goede_vrijdag, expected_next",
    [(False, D(2026, 4, 3)), (True, D(2026, 4, 7))],
)
def test_easter_2026_goede_vrijdag_configurable(goede_vrijdag, expected_next):
    cal = WerkdagCalendar(goede_vrijdag=goede_vrijdag)
    # Easter Sunday 5 April 2026; Goede Vrijdag 3 April; Tweede paasdag Monday 6 April
    assert cal.is_werkdag(D(2026, 4, 3)) is (not goede_vrijdag)
    assert not cal.is_werkdag(D(2026, 4, 6))
    assert cal.add_werkdagen(D(2026, 4, 2), 1) == expected_next
    assert cal.holiday_name(D(2026, 4, 6)) == "Tweede paasdag"


def test_goede_vrijdag_name_only_when_configured():
    assert DEFAULT.holiday_name(D(2025, 4, 18)) is None
    assert WerkdagCalendar(goede_vrijdag=True).holiday_name(D(2025, 4, 18)) == "Goede Vrijdag"
    # 2024: Easter 31 March -> Goede Vrijdag 29 March
    assert not WerkdagCalendar(goede_vrijdag=True).is_werkdag(D(2024, 3, 29))
    assert DEFAULT.is_werkdag(D(2024, 3, 29))


def test_koningsdag_moves_to_saturday_when_27_april_is_sunday():
    # 27 April 2025 is a Sunday -> Koningsdag is Saturday 26 April
    assert DEFAULT.holiday_name(D(2025, 4, 26)) == "Koningsdag"
    assert DEFAULT.holiday_name(D(2025, 4, 27)) is None
    assert DEFAULT.is_werkdag(D(2025, 4, 28))
    # 2026: Monday 27 April
    assert DEFAULT.holiday_name(D(2026, 4, 27)) == "Koningsdag"
    assert DEFAULT.add_werkdagen(D(2026, 4, 24), 1) == D(2026, 4, 28)


@pytest.mark.parametrize(
    "policy, off_2025, off_2026",
    [("lustrum", True, False), ("every_year", True, True), ("never", False, False)],
)
def test_bevrijdingsdag_policies(policy, off_2025, off_2026):
    cal = WerkdagCalendar(bevrijdingsdag=policy)
    # 5 May 2025 is a Monday (lustrum year), 5 May 2026 a Tuesday
    assert cal.is_werkdag(D(2025, 5, 5)) is (not off_2025)
    assert cal.is_werkdag(D(2026, 5, 5)) is (not off_2026)
    if off_2026:
        assert cal.holiday_name(D(2026, 5, 5)) == "Bevrijdingsdag"
        assert cal.add_werkdagen(D(2026, 5, 4), 1) == D(2026, 5, 6)


def test_hemelvaart_and_pinksteren_2026():
    # Hemelvaart: Easter + 39 = Thursday 14 May; Pinksteren 24/25 May
    assert DEFAULT.holiday_name(D(2026, 5, 14)) == "Hemelvaartsdag"
    assert DEFAULT.holiday_name(D(2026, 5, 24)) == "Eerste pinksterdag"
    assert DEFAULT.holiday_name(D(2026, 5, 25)) == "Tweede pinksterdag"
    assert DEFAULT.add_werkdagen(D(2026, 5, 13), 1) == D(2026, 5, 15)
    assert DEFAULT.add_werkdagen(D(2026, 5, 22), 1) == D(2026, 5, 26)


def test_extra_closing_days():
    bridge = D(2026, 5, 15)  # Friday after Hemelvaart
    cal = WerkdagCalendar(extra_closing_days=frozenset({bridge}))
    assert not cal.is_werkdag(bridge)
    assert cal.holiday_name(bridge) == "Sluitingsdag"
    assert cal.add_werkdagen(D(2026, 5, 13), 1) == D(2026, 5, 18)
    assert DEFAULT.is_werkdag(bridge)


def test_add_werkdagen_does_not_count_start_and_n_zero_normalises():
    monday = D(2026, 3, 2)
    assert DEFAULT.add_werkdagen(monday, 1) == D(2026, 3, 3)
    assert DEFAULT.add_werkdagen(monday, 5) == D(2026, 3, 9)
    assert DEFAULT.add_werkdagen(monday, 0) == monday
    assert DEFAULT.add_werkdagen(D(2026, 3, 7), 0) == D(2026, 3, 9)  # Saturday -> Monday
    assert DEFAULT.add_werkdagen(D(2026, 12, 25), 0) == D(2026, 12, 28)  # holiday -> next
    with pytest.raises(ValidationFailed):
        DEFAULT.add_werkdagen(monday, -1)


def test_datetime_input_uses_amsterdam_date():
    # 23:30 UTC on Sunday 26 April 2026 is already Monday 27 April (Koningsdag) in Amsterdam
    late = datetime(2026, 4, 26, 23, 30, tzinfo=UTC)
    assert DEFAULT.holiday_name(late) == "Koningsdag"


def test_werkdagen_between_concrete_and_half_open():
    assert DEFAULT.werkdagen_between(D(2026, 12, 18), D(2027, 1, 12)) == 15
    assert DEFAULT.werkdagen_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert DEFAULT.werkdagen_between(D(2026, 3, 9), D(2026, 3, 2)) == 0
    # (Fri 24 Apr, Tue 28 Apr]: Mon 27 is Koningsdag -> only Tue 28
    assert DEFAULT.werkdagen_between(D(2026, 4, 24), D(2026, 4, 28)) == 1


@pytest.mark.parametrize("cal", [DEFAULT, WerkdagCalendar(bevrijdingsdag="every_year", goede_vrijdag=True)])
def test_between_and_add_agree_over_two_years(cal):
    """Two different algorithms (day walk vs. week arithmetic) must agree everywhere."""
    start = D(2025, 12, 1)
    for offset in range(0, 400, 3):
        a = start + timedelta(days=offset)
        for n in (1, 5, 15, 40):
            assert cal.werkdagen_between(a, cal.add_werkdagen(a, n)) == n


def test_from_settings_parses_and_validates():
    cal = WerkdagCalendar.from_settings("every_year", True, " 2026-05-15, 2026-12-24 ")
    assert cal.bevrijdingsdag == "every_year" and cal.goede_vrijdag is True
    assert cal.extra_closing_days == frozenset({D(2026, 5, 15), D(2026, 12, 24)})
    assert WerkdagCalendar.from_settings("LUSTRUM", False, "") == WerkdagCalendar()


@pytest.mark.parametrize(
    "policy, extra, field",
    [
        ("sometimes", "", "bevrijdingsdag"),
        ("lustrum", "2026-13-01", "extra_closing_days[0]"),
        ("lustrum", "2026-05-15,15-05-2026", "extra_closing_days[1]"),
        ("lustrum", "2026-02-30", "extra_closing_days[0]"),
        ("lustrum", "2026-05-15T00:00", "extra_closing_days[0]"),
    ],
)
def test_from_settings_rejects_bad_input(policy, extra, field):
    with pytest.raises(ValidationFailed) as exc:
        WerkdagCalendar.from_settings(policy, False, extra)
    assert field in [p.field for p in exc.value.problems]


def test_calendar_is_hashable_value_object():
    a = WerkdagCalendar(extra_closing_days=frozenset({D(2026, 1, 2)}))
    b = WerkdagCalendar(extra_closing_days=frozenset({D(2026, 1, 2)}))
    a.is_werkdag(D(2026, 1, 5))  # fills a's cache only
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    with pytest.raises(AttributeError):  # frozen: FrozenInstanceError
        a.goede_vrijdag = True  # type: ignore[misc]


def test_no_holiday_objects_built_after_warm_up(monkeypatch):
    cal = WerkdagCalendar(bevrijdingsdag="every_year")
    cal.add_werkdagen(D(2026, 12, 18), 15)  # warm-up: 2026 and 2027
    calls = []
    real = wmod.holidays.country_holidays
    monkeypatch.setattr(wmod.holidays, "country_holidays", lambda *a, **k: calls.append(a) or real(*a, **k))
    for i in range(200):
        cal.add_werkdagen(D(2026, 12, 18) + timedelta(days=i % 10), 15)
        cal.is_werkdag(D(2027, 1, 1))
    assert calls == []


def test_stdlib_calendar_not_shadowed():
    root = Path(__file__).resolve().parents[2]
    assert not (root / "calendar" / "__init__.py").exists()
    out = subprocess.run(
        [sys.executable, "-c", "import calendar; print(calendar.monthrange(2026, 2))"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(6, 28)"
