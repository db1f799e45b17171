"""The plan's sections and the structure each one must have.

The seven section keys are fixed: other parts of eenplan and its clients rely
on them. Each section is validated by a strict schema (unknown fields are
errors, so a typo never silently drops text) and stored in normalised JSON.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

SECTION_KEYS: tuple[str, ...] = (
    "algemeen",
    "krachten_zorgen",
    "analyse",
    "doelen",
    "voorzieningen",
    "veiligheidsplan",
    "afspraken",
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
RefId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leefgebied(StrEnum):
    """The life areas of the method [004 §Fase 2]."""

    WERK = "werk"
    INKOMEN_FINANCIEN = "inkomen_financien"
    SOCIALE_STEUN = "sociale_steun"
    WONEN = "wonen"
    ONDERWIJS = "onderwijs"
    JEUGDZORG_ZORG = "jeugdzorg_zorg"
    VEILIGHEID = "veiligheid"
    GEZONDHEID = "gezondheid"
    OVERIG = "overig"


class Algemeen(_Strict):
    """Tabblad 1: the household, how coordination is arranged, first agreements."""

    huishouden: Text = ""
    adres: Text = ""
    coordinatie: Text = ""
    eerste_afspraken: list[Line] = Field(default_factory=list, max_length=100)


class KrachtZorg(_Strict):
    """Strengths and concerns of one member (or the household) in one life area."""

    leefgebied: Leefgebied
    betrokkene_id: RefId | None = None
    krachten: list[Text] = Field(default_factory=list, max_length=50)
    zorgen: list[Text] = Field(default_factory=list, max_length=50)


class Analyse(_Strict):
    """Integral analysis and the desired perspective."""

    analyse: Text = ""
    gewenst_perspectief: Text = ""


class DoelStatus(StrEnum):
    """Where a goal stands."""

    OPEN = "open"
    BEHAALD = "behaald"
    NIET_BEHAALD = "niet_behaald"


class Actie(_Strict):
    """One action of a goal: who does what, from when to when, and how it is evaluated."""

    id: ItemId | None = None
    wie: RefId
    wat: Line
    start: date
    einde: date
    evaluatie: Text = ""

    @model_validator(mode="after")
    def _einde_after_start(self) -> Actie:
        if self.einde < self.start:
            raise ValueError("einde is before start")
        return self


class Doel(_Strict):
    """A goal, positively phrased, with its actions and status."""

    id: ItemId | None = None
    titel: Line
    status: DoelStatus = DoelStatus.OPEN
    behaald_in_plaats: Text | None = None
    acties: list[Actie] = Field(default_factory=list, max_length=50)


class VoorzieningStatus(StrEnum):
    """Where a requested service stands."""

    GEVRAAGD = "gevraagd"
    TOEGEKEND = "toegekend"
    AFGEWEZEN = "afgewezen"


class Voorziening(_Strict):
    """Tabblad 3: a requested service, the basis for a municipal decision."""

    voorziening: Line
    toelichting: Text = ""
    status: VoorzieningStatus = VoorzieningStatus.GEVRAAGD


class Schaalscore(_Strict):
    """A veiligheidsschaal score (0 = acute danger, 10 = safe) given by one betrokkene."""

    betrokkene_id: RefId
    score: int = Field(ge=0, le=10)
    datum: date


class Handtekening(_Strict):
    """The klant's signature under the veiligheidsplan."""

    betrokkene_id: RefId
    datum: date


class Veiligheidsplan(_Strict):
    """The safety plan, only when there are safety concerns [004 §Fase 3b.5]."""

    krachten: list[Text] = Field(default_factory=list, max_length=50)
    zorgen: list[Text] = Field(default_factory=list, max_length=50)
    complicerende_factoren: list[Text] = Field(default_factory=list, max_length=50)
    schaalscores: list[Schaalscore] = Field(default_factory=list, max_length=100)
    veiligheidsafspraken: list[Text] = Field(default_factory=list, max_length=50)
    doelencheck: Text = ""
    handtekening: Handtekening | None = None


class Afspraak(_Strict):
    """A working agreement between betrokkenen (not tied to one goal); `id` is stable, like a goal's."""

    id: ItemId | None = None
    wat: Line
    wie: RefId | None = None
    wanneer: Text = ""


SECTION_SCHEMAS: dict[str, TypeAdapter[Any]] = {
    "algemeen": TypeAdapter(Algemeen),
    "krachten_zorgen": TypeAdapter(Annotated[list[KrachtZorg], Field(max_length=100)]),
    "analyse": TypeAdapter(Analyse),
    "doelen": TypeAdapter(Annotated[list[Doel], Field(max_length=50)]),
    "voorzieningen": TypeAdapter(Annotated[list[Voorziening], Field(max_length=100)]),
    "veiligheidsplan": TypeAdapter(Veiligheidsplan | None),
    "afspraken": TypeAdapter(Annotated[list[Afspraak], Field(max_length=100)]),
}


def empty_section(key: str) -> Any:
    """The content of a section nobody has written yet."""
    value = SECTION_SCHEMAS[key].validate_python(
        {} if key in ("algemeen", "analyse") else None if key == "veiligheidsplan" else []
    )
    return SECTION_SCHEMAS[key].dump_python(value, mode="json")


def empty_plan() -> dict[str, Any]:
    """A plan with every section empty."""
    return {key: empty_section(key) for key in SECTION_KEYS}
