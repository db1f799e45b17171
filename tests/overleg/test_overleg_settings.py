"""Werkdag settings reach the overleg service through bootstrap (no database needed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from eenplan.bootstrap import build_services
from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed
from eenplan.domain.overleg import OverlegType


async def test_goede_vrijdag_and_extra_closing_days_shift_the_window(tmp_path: Path):
    env = {
        "EENPLAN_DATA_DIR": str(tmp_path),
        "EENPLAN_SECRET_KEY": "k" * 40,
        "EENPLAN_GOEDE_VRIJDAG": "true",
        "EENPLAN_EXTRA_CLOSING_DAYS": "2027-04-02",
        "EENPLAN_REMINDER_WERKDAGEN": "3",
    }
    svc = build_services(Settings.from_env(env))
    try:
        # initiated Mon 22-3-2027: 23 (1), 24 (2), 25 (3), Fri 26 Goede Vrijdag now closed, Mon 29 2e Paasdag,
        # Tue 30 (4), Wed 31 (5) = earliest; Thu 1-4 (6), Fri 2-4 extra closing day, Mon 5 (7) ... Thu 15-4 (15)
        assert svc.overleggen.window(OverlegType.STARTOVERLEG, date(2027, 3, 22)) == (
            date(2027, 3, 31),
            date(2027, 4, 15),
        )
        assert svc.overleggen.reminder_werkdagen == 3
    finally:
        await svc.close()


def test_bad_werkdag_settings_name_the_variable(tmp_path: Path):
    with pytest.raises(ValidationFailed) as err:
        Settings.from_env({"EENPLAN_GOEDE_VRIJDAG": "soms"})
    assert err.value.problems[0].field == "EENPLAN_GOEDE_VRIJDAG"
    with pytest.raises(ValidationFailed) as err:
        Settings.from_env({"EENPLAN_BEVRIJDINGSDAG": "altijd"})
    assert err.value.problems[0].field == "EENPLAN_BEVRIJDINGSDAG"
    with pytest.raises(ValidationFailed) as err:
        build_services(Settings(data_dir=tmp_path, secret_key="k" * 40, office_hours="17:00-09:00"))
    assert err.value.problems[0].field == "EENPLAN_OFFICE_HOURS"
