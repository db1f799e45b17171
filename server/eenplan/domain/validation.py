"""Validating a plan change: structure of each section, identities, references."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from .errors import FieldProblem, ValidationFailed
from .sections import SECTION_KEYS, SECTION_SCHEMAS


def _path(section: str, loc: tuple[Any, ...]) -> str:
    out = section
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate_sections(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check a section-key → content mapping; return it normalised, or raise naming every bad field."""
    if not isinstance(changes, Mapping):
        raise ValidationFailed.one("body", "must be a JSON object whose keys are plan section keys")
    if not changes:
        raise ValidationFailed.one("body", "names no section to change")
    problems: list[FieldProblem] = []
    normalised: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in SECTION_SCHEMAS:
            problems.append(FieldProblem(str(key)[:64], f"unknown section; known: {', '.join(SECTION_KEYS)}"))
            continue
        adapter = SECTION_SCHEMAS[key]
        try:
            normalised[key] = adapter.dump_python(adapter.validate_python(value), mode="json")
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(FieldProblem(_path(key, tuple(err["loc"])), message))
    if problems:
        raise ValidationFailed(problems)
    return normalised


def assign_item_ids(sections: dict[str, Any], new_id: Callable[[], str]) -> dict[str, Any]:
    """Give every goal, action and afspraak without an id a fresh one, so diffs and item edits can follow them."""
    for afspraak in sections.get("afspraken") or []:
        afspraak["id"] = afspraak.get("id") or new_id()
    doelen = sections.get("doelen")
    if not doelen:
        return sections
    for doel in doelen:
        doel["id"] = doel.get("id") or new_id()
        for actie in doel["acties"]:
            actie["id"] = actie.get("id") or new_id()
    return sections


def check_identities_and_references(sections: Mapping[str, Any], betrokkene_ids: Iterable[str]) -> None:
    """Refuse duplicate goal/action ids and references to people who are not betrokkenen."""
    known = set(betrokkene_ids)
    problems: list[FieldProblem] = []

    def ref(path: str, value: str | None) -> None:
        if value is not None and value not in known:
            problems.append(FieldProblem(path, "is not a betrokkene of this household"))

    seen_goals: set[str] = set()
    seen_actions: set[str] = set()
    for gi, doel in enumerate(sections.get("doelen") or []):
        if doel.get("id") in seen_goals:
            problems.append(FieldProblem(f"doelen[{gi}].id", "is used by another goal"))
        seen_goals.add(doel.get("id"))
        for ai, actie in enumerate(doel["acties"]):
            if actie.get("id") in seen_actions:
                problems.append(FieldProblem(f"doelen[{gi}].acties[{ai}].id", "is used by another action"))
            seen_actions.add(actie.get("id"))
            ref(f"doelen[{gi}].acties[{ai}].wie", actie["wie"])
    for i, item in enumerate(sections.get("krachten_zorgen") or []):
        ref(f"krachten_zorgen[{i}].betrokkene_id", item.get("betrokkene_id"))
    seen_afspraken: set[str] = set()
    for i, item in enumerate(sections.get("afspraken") or []):
        if item.get("id") is not None and item["id"] in seen_afspraken:
            problems.append(FieldProblem(f"afspraken[{i}].id", "is used by another afspraak"))
        seen_afspraken.add(item.get("id"))
        ref(f"afspraken[{i}].wie", item.get("wie"))
    veiligheid = sections.get("veiligheidsplan")
    if veiligheid:
        for i, score in enumerate(veiligheid["schaalscores"]):
            ref(f"veiligheidsplan.schaalscores[{i}].betrokkene_id", score["betrokkene_id"])
        if veiligheid.get("handtekening"):
            ref("veiligheidsplan.handtekening.betrokkene_id", veiligheid["handtekening"]["betrokkene_id"])
    if problems:
        raise ValidationFailed(problems)
