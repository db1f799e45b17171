"""The plan editor's forms: what each form posts, read into an item operation's fields, and the Dutch text
for a field the services refused (shown next to it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multidict import MultiDictProxy

from ...domain.errors import ValidationFailed
from ...domain.plan_items import ItemKind
from ..params import parse_int
from .i18n import _

#: the fields of each kind of item, in form order
FIELDS: dict[ItemKind, tuple[str, ...]] = {
    ItemKind.DOEL: ("titel", "status", "behaald_in_plaats"),
    ItemKind.ACTIE: ("wie", "wat", "start", "einde", "evaluatie"),
    ItemKind.AFSPRAAK: ("wat", "wie", "wanneer"),
}

#: the text sections the editor offers as textareas, with their fields
TEXT_SECTIONS: dict[str, tuple[str, ...]] = {
    "algemeen": ("huishouden", "adres", "coordinatie", "eerste_afspraken"),
    "analyse": ("analyse", "gewenst_perspectief"),
}

LABELS: dict[str, str] = {
    "titel": _("Doel"),
    "status": _("Status"),
    "behaald_in_plaats": _("Wat is er in plaats daarvan bereikt?"),
    "wie": _("Wie doet het?"),
    "wat": _("Wat"),
    "start": _("Begindatum"),
    "einde": _("Einddatum"),
    "evaluatie": _("Hoe en wanneer kijken we of het gelukt is?"),
    "wanneer": _("Wanneer"),
    "huishouden": _("Het huishouden"),
    "adres": _("Adres"),
    "coordinatie": _("Hoe de regie is geregeld"),
    "eerste_afspraken": _("Eerste afspraken (een per regel)"),
    "analyse": _("Analyse"),
    "gewenst_perspectief": _("Gewenst perspectief"),
}

#: shown when an add form was saved before with other content (ItemIdTaken), next to its main field
ALREADY_ADDED = _(
    "U had dit formulier al eens opgeslagen, met iets anders erin. Kijk in het plan of het klopt. "
    "Wilt u dit er ook bij? Klik dan nog een keer op de knop."
)

STATUS_LABELS: dict[str, str] = {"open": _("Open"), "behaald": _("Behaald"), "niet_behaald": _("Niet behaald")}


def base_version(form: Mapping[str, Any]) -> int:
    """The version the form was based on (its hidden field)."""
    return parse_int(form.get("versie"), "versie", default=0, minimum=0)


def item_fields(kind: ItemKind, form: MultiDictProxy[Any], *, whole: bool) -> dict[str, Any]:
    """The item's fields from its form (every field: the form shows the whole item); an afspraak without
    `wie` is for nobody in particular. `whole`: the form adds an item, and may keep an id (one's own
    version of an item someone else removed)."""
    fields: dict[str, Any] = {}
    for name in FIELDS[kind]:
        value = str(form.get(name, "")).strip()
        empty_is_none = name == "behaald_in_plaats" or (name == "wie" and kind is ItemKind.AFSPRAAK)
        fields[name] = (value or None) if empty_is_none else value
    if whole and str(form.get("id", "")).strip():
        fields["id"] = str(form["id"]).strip()
    return fields


def already_added(kind: ItemKind) -> dict[str, str]:
    """The error an add form shows when its id was saved before with other content: by its main field."""
    return {"titel" if kind is ItemKind.DOEL else "wat": ALREADY_ADDED}


def section_value(key: str, form: MultiDictProxy[Any]) -> dict[str, Any]:
    """A text section from its form (the first agreements one per line)."""
    value: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in TEXT_SECTIONS[key]}
    if key == "algemeen":
        value["eerste_afspraken"] = [line.strip() for line in value["eerste_afspraken"].splitlines() if line.strip()]
    return value


def field_text(field: str, problem: str) -> str:
    """The Dutch text for one refused field (the services' own message is English, for developers)."""
    problem = problem.lower()
    if field == "einde" and "before start" in problem:
        return _("De einddatum ligt voor de begindatum. Kies een latere einddatum.")
    if field in ("start", "einde"):
        return _("Vul een datum in, bijvoorbeeld 7 december 2026.")
    if field == "wie":
        return _("Kies iemand uit de lijst.")
    if field == "status":
        return _("Kies een status uit de lijst.")
    if field in ("wat", "titel") and ("at least" in problem or "missing" in problem or "required" in problem):
        return _("Vul dit in.")
    if "at most" in problem or "too long" in problem or "should have at most" in problem:
        return _("Deze tekst is te lang. Maak hem korter.")
    return _("Dit is niet goed ingevuld.")


def field_errors(err: ValidationFailed, known: tuple[str, ...]) -> dict[str, str]:
    """Field → Dutch text, for the fields of this form (a problem deeper in the section names its last field)."""
    errors: dict[str, str] = {}
    for p in err.problems:
        name = p.field.rsplit(".", 1)[-1].split("[", 1)[0]
        name = name if name in known else known[0]
        errors.setdefault(name, field_text(name, p.problem))
    return errors
