"""The plan as a readable Dutch PDF, with fpdf2 (pure pip, no system fonts).

fpdf2's built-in fonts only encode Latin-1 and no pip package ships a
suitable Unicode TTF, so text is made Latin-1 safe: Dutch accents (é, ë, ï)
are Latin-1 already; dashes, curly quotes, the euro sign and ligatures are
replaced by their plain equivalents; other characters fall back to their
unaccented base letter or '?'. The renderer receives only the sections the
reader may see; it never fetches anything itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from babel.dates import format_date
from fpdf import FPDF
from pydantic import BaseModel

from ..domain.mailgroup import SECTION_TITLES
from ..domain.plan_words import GOAL_STATUS_NAMES, LEEFGEBIED_NAMES, SERVICE_STATUS_NAMES, as_day
from ..domain.sections import (
    Actie,
    Afspraak,
    Algemeen,
    Analyse,
    Doel,
    Handtekening,
    KrachtZorg,
    Schaalscore,
    Veiligheidsplan,
    Voorziening,
)

_REPLACE = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2022": "-",
    "\u00a0": " ",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\u2192": "->",
    "\u0153": "oe",
    "\u0152": "OE",
}
_FIELD_LABELS = {
    "huishouden": "Huishouden",
    "adres": "Adres",
    "coordinatie": "Coördinatie",
    "eerste_afspraken": "Eerste afspraken",
    "leefgebied": "Leefgebied",
    "betrokkene_id": "Betreft",
    "krachten": "Krachten",
    "zorgen": "Zorgen",
    "analyse": "Analyse",
    "gewenst_perspectief": "Gewenst perspectief",
    "titel": "Doel",
    "status": "Stand",  # as the plan page says it
    "acties": "Acties",
    "wie": "Wie",
    "wat": "Wat",
    "start": "Start",
    "einde": "Einde",
    "evaluatie": "Evaluatie",
    "behaald_in_plaats": "Wat werd in plaats daarvan bereikt",
    "voorziening": "Voorziening",
    "toelichting": "Toelichting",
    "wanneer": "Wanneer",
}
_HIDDEN = {"id"}
#: the model of each section's content (of each item, for list sections): its fields give the order
_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "algemeen": Algemeen,
    "krachten_zorgen": KrachtZorg,
    "analyse": Analyse,
    "doelen": Doel,
    "voorzieningen": Voorziening,
    "veiligheidsplan": Veiligheidsplan,
    "afspraken": Afspraak,
}
#: the model of a nested field's content (of its items, for lists)
_NESTED_MODELS: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (Doel, "acties"): Actie,
    (Veiligheidsplan, "schaalscores"): Schaalscore,
    (Veiligheidsplan, "handtekening"): Handtekening,
}
_DATE_FIELDS = {"start", "einde", "datum"}


def ordered(value: dict[str, Any], model: type[BaseModel] | None) -> list[tuple[str, Any]]:
    """A stored object's fields in its schema's order (stored JSON is sorted by key: einde before start);
    unknown fields last, alphabetically."""
    order = list(model.model_fields) if model is not None else []
    rank = {name: i for i, name in enumerate(order)}
    return sorted(value.items(), key=lambda kv: (rank.get(kv[0], len(order)), kv[0]))


def latin1(text: str) -> str:
    """Text that fpdf2's core fonts can encode, keeping Dutch letters and meaning."""
    out = []
    for ch in str(text):
        ch = _REPLACE.get(ch, ch)
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def _label(key: str) -> str:
    return _FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def _value(key: str, value: Any, names: Mapping[str, str]) -> str:
    if key in ("wie", "betrokkene_id") and isinstance(value, str):
        return names.get(value, value)
    if key == "leefgebied":
        return LEEFGEBIED_NAMES.get(str(value), str(value))
    if key == "status":
        return GOAL_STATUS_NAMES.get(str(value)) or SERVICE_STATUS_NAMES.get(str(value), str(value))
    day = as_day(value) if key in _DATE_FIELDS else None
    if day is not None:
        return format_date(day, "EEEE d MMMM y", locale="nl")
    return str(value)


def plan_lines(sections: Mapping[str, Any], names: Mapping[str, str]) -> list[tuple[int, str]]:
    """(indent level, text) lines of the plan, in section order; level 0 is a section heading."""
    lines: list[tuple[int, str]] = []

    def walk(value: Any, level: int, key: str | None = None, model: type[BaseModel] | None = None) -> None:
        if isinstance(value, dict):
            for k, v in ordered(value, model):
                if k in _HIDDEN or v in (None, "", []):
                    continue
                inner = _NESTED_MODELS.get((model, k)) if model is not None else None
                if isinstance(v, (dict, list)):
                    lines.append((level, f"{_label(k)}:"))
                    walk(v, level + 1, k, inner)
                else:
                    lines.append((level, f"{_label(k)}: {_value(k, v, names)}"))
        elif isinstance(value, list):
            for n, item in enumerate(value, 1):
                if isinstance(item, (dict, list)):
                    lines.append((level, f"{n}."))
                    walk(item, level + 1, key, model)
                else:
                    lines.append((level, f"- {_value(key or '', item, names)}"))
        elif value not in (None, ""):
            lines.append((level, str(value)))

    for key, title in SECTION_TITLES.items():
        if key not in sections:
            continue
        lines.append((0, title))
        content = sections[key]
        if content in (None, "", [], {}):
            lines.append((1, "(leeg)"))
        else:
            walk(content, 1, key, _SECTION_MODELS.get(key))
    return lines


class PlanPdfRenderer:
    """Renders a scoped plan to PDF bytes (satisfies eenplan.domain.mailgroup_ports.PdfRenderer)."""

    def render(self, *, title: str, subtitle: str, sections: Mapping[str, Any], names: Mapping[str, str]) -> bytes:
        """A4 PDF: title, subtitle, then each readable section with its fields; blocking (use a thread)."""
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(latin1(title))
        pdf.set_creator("eenplan")
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
        for level, text in plan_lines(sections, names):
            if level == 0:
                pdf.ln(3)
                pdf.set_font("Helvetica", "B", 13)
                pdf.multi_cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")
                pdf.set_font("Helvetica", "", 10)
            else:
                pdf.set_x(pdf.l_margin + 5 * (level - 1))
                pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(
            0,
            4,
            "Vertrouwelijk: alleen bestemd voor de ontvanger. Dit overzicht bevat alleen de "
            "delen van het plan die de ontvanger mag zien.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return bytes(pdf.output())
