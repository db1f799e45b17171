"""Households and the six phases of the method, with their allowed transitions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from .errors import ValidationFailed


class Phase(IntEnum):
    """The six phases of 1Gezin1Plan1Regisseur [004 §1]."""

    AANMELDING = 1
    INTAKE = 2
    STARTOVERLEG = 3
    VOORTGANG = 4
    VOORTGANGSOVERLEG = 5
    AFSLUITEN = 6

    @property
    def label(self) -> str:
        """The Dutch name of the phase, as users know it."""
        return self.name.lower()


#: Which phase may follow which. Voortgang and voortgangsoverleg alternate;
#: closing is possible from voortgang or a voortgangsoverleg; a closed
#: trajectory can be reopened into voortgang (a new signal) but not skipped.
ALLOWED_TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.AANMELDING: frozenset({Phase.INTAKE, Phase.AFSLUITEN}),
    Phase.INTAKE: frozenset({Phase.STARTOVERLEG, Phase.AFSLUITEN}),
    Phase.STARTOVERLEG: frozenset({Phase.VOORTGANG, Phase.AFSLUITEN}),
    Phase.VOORTGANG: frozenset({Phase.VOORTGANGSOVERLEG, Phase.AFSLUITEN}),
    Phase.VOORTGANGSOVERLEG: frozenset({Phase.VOORTGANG, Phase.AFSLUITEN}),
    Phase.AFSLUITEN: frozenset({Phase.VOORTGANG}),
}

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")


def check_transition(current: Phase, target: Phase, open_signals: int = 0) -> None:
    """Refuse a phase change the method does not allow, naming both phases.

    A trajectory with open signals of (acute) unsafety or insufficient basic care
    must not be closed [004 §Fase 6b.8]: with `open_signals` > 0, phase 6 is refused.
    """
    if target is Phase.AFSLUITEN and open_signals > 0 and target in ALLOWED_TRANSITIONS[current]:
        raise ValidationFailed.one(
            "to",
            f"phase 6 (afsluiten) is not possible while {open_signals} safety signal(s) are open;"
            " resolve them first (meldcode: the five afwegingen and a decision)",
        )
    if target not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(f"{p.value} ({p.label})" for p in sorted(ALLOWED_TRANSITIONS[current]))
        raise ValidationFailed.one(
            "to",
            f"phase {current.value} ({current.label}) cannot move to {target.value} ({target.label});"
            f" allowed: {allowed}",
        )


def check_code(code: str) -> str:
    """Validate a household code: upper-case letters, digits and dashes, 3–32 long."""
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.one("code", "must be 3–32 upper-case letters, digits or dashes")
    return code


@dataclass(frozen=True)
class PhaseChange:
    """One recorded move from one phase to the next."""

    from_phase: Phase | None
    to_phase: Phase
    at: datetime
    by_betrokkene_id: str | None
    reason: str | None


@dataclass(frozen=True)
class Household:
    """A household (huishouden) working with one plan and one regisseur."""

    id: str
    code: str
    name: str
    gemeente: str
    phase: Phase
    current_version: int
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The household as the API shows it."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "gemeente": self.gemeente,
            "phase": int(self.phase),
            "phase_name": self.phase.label,
            "current_version": self.current_version,
            "created_at": self.created_at.isoformat(),
        }
