"""What each kind of record grants: the one rule both grant loaders and the domain records use.

A betrokkene's access beyond the role defaults comes from three kinds of record:
  toestemming  a granted consent until its last day: its sections at its level
  overmacht    a decision to share (DELEN) until its last day: read, flagged as emergency access
  escalatie    an escalation to the gemeentelijk aanspreekpunt (stagnatie step 4): read, until afschalen
Storage selects the records in force (`IN_FORCE` names the statuses that count) and hands
their columns to `grant_from`, so the hot read and the unit-of-work loader cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from .access import Grant, Level


class GrantKind(StrEnum):
    """The kinds of record that grant access."""

    TOESTEMMING = "toestemming"
    OVERMACHT = "overmacht"
    ESCALATIE = "escalatie"


#: the level each kind grants, when the record does not carry its own (consent does)
FIXED_LEVEL = {GrantKind.OVERMACHT: Level.READ, GrantKind.ESCALATIE: Level.READ}
#: the kinds whose every use is emergency access (flagged in the NEN 7513 log)
EMERGENCY = frozenset({GrantKind.OVERMACHT})


def grant_from(
    kind: GrantKind | str, record_id: str, sections: Iterable[str], level: Level | int | None, until: date | None
) -> Grant:
    """The grant a record in force gives: its sections, the kind's level (or the consent's own), its ground."""
    kind = GrantKind(kind)
    granted = FIXED_LEVEL.get(kind) or Level(level if level is not None else Level.NONE)
    return Grant(
        frozenset(s for s in sections if s), granted, f"{kind.value}:{record_id}", until, emergency=kind in EMERGENCY
    )
