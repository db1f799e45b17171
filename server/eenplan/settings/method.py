"""The method's local choices: which days are werkdagen, office hours, reminders, who consents for a minor."""

from __future__ import annotations

from dataclasses import dataclass

from . import setting


@dataclass(frozen=True)
class MethodSettings:
    """Werkdagen, office hours and the consent policy of this municipality."""

    bevrijdingsdag: str = setting(
        "lustrum",
        "Is Bevrijdingsdag (5 May) a day off for werkdagen: 'lustrum' (every "
        "fifth year, most CAOs), 'every_year' or 'never'.",
        "EENPLAN_BEVRIJDINGSDAG",
    )
    goede_vrijdag: bool = setting(False, "Count Goede Vrijdag as a day off (true/false).", "EENPLAN_GOEDE_VRIJDAG")
    extra_closing_days: str = setting(
        "",
        "Extra local closing days, comma-separated YYYY-MM-DD (e.g. a bridge day); they are no werkdagen.",
        "EENPLAN_EXTRA_CLOSING_DAYS",
    )
    reminder_werkdagen: int = setting(
        2, "Werkdagen before each voortgangsoverleg the reminder invitation goes out.", "EENPLAN_REMINDER_WERKDAGEN"
    )
    office_hours: str = setting(
        "09:00-17:00",
        "Office hours (Europe/Amsterdam) within which overleg slots are proposed, HH:MM-HH:MM.",
        "EENPLAN_OFFICE_HOURS",
    )
    consent_policy: str = setting(
        "methode",
        "Who must consent for a minor: 'methode' (under 12 the parents; "
        "12–16 parents and youth; 16+ the youth alone) or 'twaalf_zelf' (12+ the youth "
        "alone).",
        "EENPLAN_CONSENT_POLICY",
    )
