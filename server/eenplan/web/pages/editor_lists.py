"""The plan editor's forms for the sections made of rows: krachten en zorgen, gevraagde voorzieningen and the
veiligheidsplan (its lines, its schaalscores). Each is one form that replaces its whole section through the
same service path as the text sections (`PlanItemService.change_section`: the base version, a conflict shows
both versions).

A form has one fieldset per row (`<field>-<n>`) and one empty row to add; a row left wholly empty is dropped,
so clearing a row removes it. Lists of texts are one per line. The values go to the service as typed: the
section's schema decides (a missing leefgebied, a score that is no number), and its refusal is put next to
the row's field (`row_errors`). The klant's signature under the veiligheidsplan is sent back as it is (only she
signs); `domain.veiligheid.guard_signature` drops it when the text changed, and the form says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from multidict import MultiDictProxy

from ...domain.errors import ValidationFailed
from ..params import parse_int
from .i18n import _
from .plan_pages import LEEFGEBIEDEN, STATUS_WORDS

#: the sections with a row form, in plan order, and their headings
LIST_SECTIONS: dict[str, str] = {
    "krachten_zorgen": _("Krachten en zorgen"),
    "voorzieningen": _("Gevraagde voorzieningen"),
    "veiligheidsplan": _("Veiligheidsplan"),
}
#: each row's fields (for the veiligheidsplan: a schaalscore's)
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "krachten_zorgen": ("leefgebied", "betrokkene_id", "krachten", "zorgen"),
    "voorzieningen": ("voorziening", "toelichting", "status"),
    "veiligheidsplan": ("betrokkene_id", "score", "datum"),
}
#: fields that hold a list of texts, one per line
LINE_FIELDS = frozenset({"krachten", "zorgen", "complicerende_factoren", "veiligheidsafspraken"})
#: the veiligheidsplan's own fields (besides its schaalscores)
PLAN_FIELDS: tuple[str, ...] = ("krachten", "zorgen", "complicerende_factoren", "veiligheidsafspraken", "doelencheck")
#: more rows than a section may hold are never read (the schema allows 100)
MAX_ROWS = 101

LIST_LABELS: dict[str, str] = {
    "leefgebied": _("Leefgebied"),
    "betrokkene_id": _("Over wie"),
    "krachten": _("Wat gaat goed (een per regel)"),
    "zorgen": _("Waar zijn zorgen over (een per regel)"),
    "voorziening": _("Voorziening"),
    "toelichting": _("Toelichting"),
    "status": _("Stand"),
    "complicerende_factoren": _("Wat het moeilijker maakt (een per regel)"),
    "veiligheidsafspraken": _("Afspraken over veiligheid (een per regel)"),
    "doelencheck": _("Passen de doelen bij de veiligheid?"),
    "score": _("Score (0 is acuut gevaar, 10 is veilig)"),
    "datum": _("Datum"),
}
LEEFGEBIED_OPTIONS = list(LEEFGEBIEDEN.items())
VOORZIENING_OPTIONS = [(k, STATUS_WORDS[k]) for k in ("gevraagd", "toegekend", "afgewezen")]


def label_of(key: str, field: str) -> str:
    """A field's label in the form of section `key` (a schaalscore's person is who gave it)."""
    if key == "veiligheidsplan" and field == "betrokkene_id":
        return _("Wie gaf de score")
    return LIST_LABELS[field]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _joined(value: Any) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)


def rows_of(key: str, section: Any) -> dict[str, Any]:
    """The form's values for a section as stored: its rows (texts as typed, lists one per line) and one
    empty row to add; for the veiligheidsplan also its own fields."""
    items = (section or {}).get("schaalscores", []) if key == "veiligheidsplan" else section or []
    rows = [{f: _joined(item.get(f)) for f in ROW_FIELDS[key]} for item in items]
    rows.append(dict.fromkeys(ROW_FIELDS[key], ""))
    out: dict[str, Any] = {"rows": rows}
    if key == "veiligheidsplan":
        out.update({f: _joined((section or {}).get(f)) for f in PLAN_FIELDS})
    return out


def entered_rows(key: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """What the form posted, as `rows_of` shows it (every row, also the empty ones: errors name their row)."""
    count = parse_int(form.get("rijen"), "rijen", default=1, minimum=0, maximum=MAX_ROWS)
    rows = [{f: str(form.get(f"{f}-{i}", "")).strip() for f in ROW_FIELDS[key]} for i in range(count)]
    out: dict[str, Any] = {"rows": rows}
    if key == "veiligheidsplan":
        out.update({f: str(form.get(f, "")).strip() for f in PLAN_FIELDS})
    return out


def _item(key: str, row: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for f in ROW_FIELDS[key]:
        value = row[f]
        if f in LINE_FIELDS:
            item[f] = _lines(value)
        elif f == "betrokkene_id" and key == "krachten_zorgen":
            item[f] = value or None  # the household as a whole
        else:
            item[f] = value
    return item


def section_of(key: str, entered: Mapping[str, Any], current: Any) -> tuple[Any, list[int]]:
    """The section to save from the entered rows (wholly empty rows dropped), and for each saved row the
    form row it came from. The veiligheidsplan carries the klant's signature from `current`; left wholly
    empty and unsigned it is no veiligheidsplan at all (None)."""
    kept = [i for i, row in enumerate(entered["rows"]) if any(row.values())]
    items = [_item(key, entered["rows"][i]) for i in kept]
    if key != "veiligheidsplan":
        return items, kept
    signature = (current or {}).get("handtekening")
    plan: dict[str, Any] = {f: _lines(entered[f]) if f in LINE_FIELDS else entered[f] for f in PLAN_FIELDS}
    plan["schaalscores"] = items
    plan["handtekening"] = signature
    if not signature and not items and not any(entered[f] for f in PLAN_FIELDS):
        return None, kept
    return plan, kept


_PATH = re.compile(r"^\w+(?:\.schaalscores)?\[(\d+)\]\.(\w+)")


def _text(field: str, problem: str) -> str:
    problem = problem.lower()
    if field in ("leefgebied", "status"):
        return _("Kies er een uit de lijst.")
    if field == "betrokkene_id":
        return _("Kies iemand uit de lijst.")
    if field == "score":
        return _("Vul een getal van 0 tot en met 10 in.")
    if field == "datum":
        return _("Vul een datum in, bijvoorbeeld 7 december 2026.")
    if "at least 1" in problem:
        return _("Vul dit in.")
    if "at most" in problem or "too long" in problem:
        return _("Deze tekst is te lang. Maak hem korter.")
    return _("Dit is niet goed ingevuld.")


def row_errors(key: str, err: ValidationFailed, kept: list[int]) -> dict[str, str]:
    """The service's refusal as form field → Dutch text: a row's field is `<field>-<form row>`, the
    veiligheidsplan's own fields their name; a problem with the whole section goes to its first field."""
    first = "krachten" if key == "veiligheidsplan" else f"{ROW_FIELDS[key][0]}-0"
    out: dict[str, str] = {}
    for p in err.problems:
        found = _PATH.match(p.field)
        if found and int(found.group(1)) < len(kept) and found.group(2) in ROW_FIELDS[key]:
            name = f"{found.group(2)}-{kept[int(found.group(1))]}"
            out.setdefault(name, _text(found.group(2), p.problem))
            continue
        own = p.field.removeprefix(f"{key}.").split("[", 1)[0]
        name = own if key == "veiligheidsplan" and own in PLAN_FIELDS else first
        out.setdefault(name, _text(own, p.problem))
    return out


def in_words(key: str, section: Any, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """A section as the conflict view shows it: (label, value in words) per row and field."""
    if not section:
        return [(LIST_SECTIONS[key], _("(leeg)"))]
    rows: list[tuple[str, str]] = []
    items = section.get("schaalscores", []) if key == "veiligheidsplan" else section
    if key == "veiligheidsplan":
        rows += [(LIST_LABELS[f], "; ".join(section[f]) if f in LINE_FIELDS else section[f]) for f in PLAN_FIELDS]
    for n, item in enumerate(items, 1):
        for f in ROW_FIELDS[key]:
            value = item.get(f)
            if f == "betrokkene_id":
                value = names.get(str(value), _("het hele huishouden")) if value else _("het hele huishouden")
            elif f == "leefgebied":
                value = LEEFGEBIEDEN.get(str(value), str(value))
            elif f == "status":
                value = STATUS_WORDS.get(str(value), str(value))
            elif isinstance(value, list):
                value = "; ".join(value)
            rows.append((f"{n}. {label_of(key, f)}", str(value if value is not None else "")))
    return rows


def posted_fields(form: MultiDictProxy[Any]) -> dict[str, str]:
    """The form's own fields, to post again from the conflict view ("Mijn versie bewaren")."""
    return {k: str(v) for k, v in form.items() if k not in ("csrf", "versie") and isinstance(v, str)}
