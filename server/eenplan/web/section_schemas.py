"""JSON schemas of the plan's sections and of the plan routes' answers, for the OpenAPI document.

Built from the same pydantic schemas the server validates sections with (`domain.sections.SECTION_SCHEMAS`),
so the document and the validator cannot drift: a generated client writes goals and actions in the shape the
server accepts, and reads the plan in the shape the server answers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..domain.sections import SECTION_KEYS, SECTION_SCHEMAS

#: where shared definitions live: the document's components (same as registry.REF_TEMPLATE)
_REF = "#/components/schemas/{model}"


@cache
def _sections() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each section key's schema and the definitions they share (Doel, Actie, Leefgebied, …)."""
    defs: dict[str, Any] = {}
    out: dict[str, dict[str, Any]] = {}
    for key in SECTION_KEYS:
        schema = dict(SECTION_SCHEMAS[key].json_schema(ref_template=_REF))
        defs.update(schema.pop("$defs", {}))
        out[key] = schema
    return out, defs


def plan_change_schema() -> dict[str, Any]:
    """The PATCH /plan body: one or more section keys, each with that section's whole new content."""
    sections, defs = _sections()
    return {
        "title": "PlanChange",
        "description": "Section key → the new content of that section (only the sections to replace; at least one).",
        "type": "object",
        "properties": dict(sections),
        "additionalProperties": False,
        "minProperties": 1,
        "$defs": dict(defs),
    }


VERSION_INFO: dict[str, Any] = {
    "type": "object",
    "required": ["version", "author_id", "created_at", "changed_sections", "vastgesteld"],
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "author_id": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "summary": {"type": ["string", "null"]},
        "changed_sections": {"type": "array", "items": {"type": "string", "enum": list(SECTION_KEYS)}},
        "base_version": {"type": ["integer", "null"]},
        "vastgesteld": {"type": "boolean"},
        "vastgesteld_at": {"type": ["string", "null"], "format": "date-time"},
        "vastgesteld_by": {"type": ["string", "null"]},
        "vastgesteld_overleg": {"type": ["string", "null"]},
    },
}


def plan_schema() -> dict[str, Any]:
    """A plan version as GET /plan answers it: the version's facts and the sections the caller may read."""
    sections, defs = _sections()
    return {
        "title": "Plan",
        "type": "object",
        "required": [*VERSION_INFO["required"], "household_id", "sections"],
        "properties": {
            "household_id": {"type": "string"},
            **VERSION_INFO["properties"],
            "sections": {
                "type": "object",
                "description": "Only the sections the caller may read are present.",
                "properties": dict(sections),
                "additionalProperties": False,
            },
        },
        "$defs": dict(defs),
    }


VERSIONS_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["current_version", "versions", "next_before"],
    "properties": {
        "current_version": {"type": ["integer", "null"]},
        "versions": {"type": "array", "items": VERSION_INFO},
        "next_before": {"type": ["integer", "null"], "description": "pass as `before` for the next page"},
    },
}


def _change(op: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["op", *properties],
        "properties": {"op": {"const": op}, **properties},
    }


_ANY: dict[str, Any] = {}
_ID: dict[str, Any] = {"type": "string"}


def diff_schema() -> dict[str, Any]:
    """GET /plan/diff: per section the caller may read, its changes in the plan's own terms (`domain.diff`):
    goals and actions by id, other list sections' items added or removed, object sections' fields."""
    _, defs = _sections()
    doel, actie = {"$ref": _REF.format(model="Doel")}, {"$ref": _REF.format(model="Actie")}
    field = {"type": "string"}
    action_field = {"goal_id": _ID, "action_id": _ID, "field": field, "from": _ANY, "to": _ANY}
    change = {
        "oneOf": [
            _change("goal_added", goal_id=_ID, goal=doel),
            _change("goal_removed", goal_id=_ID, titel={"type": "string"}),
            _change("goal_changed", goal_id=_ID, field=field, **{"from": _ANY, "to": _ANY}),
            _change("action_added", goal_id=_ID, action_id=_ID, action=actie),
            _change("action_removed", goal_id=_ID, action_id=_ID, action=actie),
            _change("action_owner_changed", **action_field),
            _change("action_dates_changed", **action_field),
            _change("action_changed", **action_field),
            _change("item_added", item=_ANY),
            _change("item_removed", item=_ANY),
            _change("field_changed", field=field, **{"from": _ANY, "to": _ANY}),
            _change("section_created", value=_ANY),
            _change("section_removed", value=_ANY),
        ]
    }
    return {
        "title": "PlanDiff",
        "type": "object",
        "required": ["from", "to", "sections"],
        "properties": {
            "from": {"type": "integer"},
            "to": {"type": "integer"},
            "sections": {
                "type": "object",
                "description": "Only sections that changed in what the caller may read of both versions.",
                "properties": {k: {"type": "array", "items": change} for k in SECTION_KEYS},
                "additionalProperties": False,
            },
        },
        "$defs": dict(defs),
    }
