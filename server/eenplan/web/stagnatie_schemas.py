"""Request bodies of stagnatie, safety signals and the veiligheidsplan signature (non-table SQLModel models)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from ..domain.stagnatie import Outcome
from ..domain.veiligheid import Besluit, Soort
from .schemas import _Body

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
ItemRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class CaseOpen(_Body):
    """Open a stagnation case: the goal (and action) not kept, and the professional or organisation."""

    model_config = {  # noqa: RUF012 - the pydantic config, as in _Body
        "extra": "forbid",
        # the service needs one of the two (StagnatieService.open): say so, so a generated client sends it
        "json_schema_extra": {
            "anyOf": [
                {"required": ["betrokkene_id"], "properties": {"betrokkene_id": {"type": "string"}}},
                {"required": ["organisatie"], "properties": {"organisatie": {"type": "string", "pattern": "\\S"}}},
            ]
        },
    }

    doel_id: ItemRef
    actie_id: ItemRef | None = None
    betrokkene_id: ItemRef | None = None
    organisatie: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    toelichting: Text = ""


class CaseOutcome(_Body):
    """An outcome of the running step: intern_plan (2), gesprek (3), acties with resultaat and termijn (4)."""

    soort: Outcome
    datum: date | None = None
    acties: Text | None = None
    resultaat: Text | None = None
    termijn: date | None = None


class CaseCommitment(_Body):
    """Commitment: the new agreements and the plan version that records them."""

    afspraken: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    plan_version: int = Field(ge=1)


class Exclusions(_Body):
    """Sections the klant keeps from the gemeentelijk aanspreekpunt (algemeen cannot be excluded)."""

    sections: list[str] = Field(default_factory=list, max_length=7)


class SignalRaise(_Body):
    """A safety signal: onveiligheid or onvoldoende_basiszorg, with the facts seen or heard."""

    soort: Soort
    toelichting: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]


class SignalResolve(_Body):
    """The meldcode's five afwegingen and the decision."""

    afwegingen: dict[str, Annotated[str, StringConstraints(max_length=5_000)]]
    besluit: Besluit
