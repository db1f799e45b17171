"""A plan-aware diff: what changed between two versions, in the plan's own terms.

Not a text diff: inside `doelen` it reports goals added, removed or changed,
actions added or removed, and an action's owner (wie) or dates moving. Other
list sections report items added and removed; object sections report fields.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from .sections import SECTION_KEYS

Change = dict[str, Any]

_GOAL_FIELDS = ("titel", "status", "behaald_in_plaats")
_ACTION_FIELD_OPS = {
    "wie": "action_owner_changed",
    "start": "action_dates_changed",
    "einde": "action_dates_changed",
    "wat": "action_changed",
    "evaluatie": "action_changed",
}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _diff_fields(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[Change]:
    if old is None and new is None:
        return []
    if old is None:
        return [{"op": "section_created", "value": new}]
    if new is None:
        return [{"op": "section_removed", "value": old}]
    changes = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            changes.append({"op": "field_changed", "field": name, "from": old.get(name), "to": new.get(name)})
    return changes


def _diff_items(old: list[Any], new: list[Any]) -> list[Change]:
    old_count = Counter(_canonical(item) for item in old)
    new_count = Counter(_canonical(item) for item in new)
    changes: list[Change] = []
    for item in old:
        key = _canonical(item)
        if old_count[key] > new_count.get(key, 0):
            old_count[key] -= 1
            changes.append({"op": "item_removed", "item": item})
    old_count = Counter(_canonical(item) for item in old)
    for item in new:
        key = _canonical(item)
        if new_count[key] > old_count.get(key, 0):
            new_count[key] -= 1
            changes.append({"op": "item_added", "item": item})
    return changes


def _diff_actions(goal_id: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    old_by_id = {a["id"]: a for a in old}
    new_by_id = {a["id"]: a for a in new}
    changes: list[Change] = []
    for action_id, action in old_by_id.items():
        if action_id not in new_by_id:
            changes.append({"op": "action_removed", "goal_id": goal_id, "action_id": action_id, "action": action})
    for action_id, action in new_by_id.items():
        before = old_by_id.get(action_id)
        if before is None:
            changes.append({"op": "action_added", "goal_id": goal_id, "action_id": action_id, "action": action})
            continue
        for name, op in _ACTION_FIELD_OPS.items():
            if before.get(name) != action.get(name):
                changes.append(
                    {
                        "op": op,
                        "goal_id": goal_id,
                        "action_id": action_id,
                        "field": name,
                        "from": before.get(name),
                        "to": action.get(name),
                    }
                )
    return changes


def _diff_doelen(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    old_by_id = {g["id"]: g for g in old}
    new_by_id = {g["id"]: g for g in new}
    changes: list[Change] = []
    for goal_id, goal in old_by_id.items():
        if goal_id not in new_by_id:
            changes.append({"op": "goal_removed", "goal_id": goal_id, "titel": goal["titel"]})
    for goal_id, goal in new_by_id.items():
        before = old_by_id.get(goal_id)
        if before is None:
            changes.append({"op": "goal_added", "goal_id": goal_id, "goal": goal})
            continue
        for name in _GOAL_FIELDS:
            if before.get(name) != goal.get(name):
                changes.append(
                    {
                        "op": "goal_changed",
                        "goal_id": goal_id,
                        "field": name,
                        "from": before.get(name),
                        "to": goal.get(name),
                    }
                )
        changes.extend(_diff_actions(goal_id, before["acties"], goal["acties"]))
    return changes


def diff_section(key: str, old: Any, new: Any) -> list[Change]:
    """The changes to one section, in the plan's own terms (empty when equal)."""
    if old == new:
        return []
    if key == "doelen":
        return _diff_doelen(old or [], new or [])
    if isinstance(old, list) or isinstance(new, list):
        return _diff_items(old or [], new or [])
    return _diff_fields(old, new)


def diff_plans(
    old: Mapping[str, Any], new: Mapping[str, Any], sections: tuple[str, ...] = SECTION_KEYS
) -> dict[str, list[Change]]:
    """Per section key, the changes from `old` to `new`; unchanged sections are left out."""
    result: dict[str, list[Change]] = {}
    for key in sections:
        changes = diff_section(key, old.get(key), new.get(key))
        if changes:
            result[key] = changes
    return result


_OP_WORDS = {
    "goal_added": "doel toegevoegd",
    "goal_removed": "doel verwijderd",
    "goal_changed": "doel gewijzigd",
    "action_added": "actie toegevoegd",
    "action_removed": "actie verwijderd",
    "action_owner_changed": "actie naar ander persoon",
    "action_dates_changed": "data van actie gewijzigd",
    "action_changed": "actie gewijzigd",
    "item_added": "toegevoegd",
    "item_removed": "verwijderd",
    "field_changed": "gewijzigd",
    "section_created": "aangemaakt",
    "section_removed": "verwijderd",
}


def summarise(changes: Mapping[str, list[Change]]) -> str:
    """A short Dutch summary naming sections and kinds of change — never their content."""
    if not changes:
        return "Geen inhoudelijke wijziging"
    parts = []
    for key, items in changes.items():
        counts = Counter(_OP_WORDS[c["op"]] for c in items)
        parts.append(f"{key} (" + ", ".join(f"{n}× {word}" for word, n in counts.items()) + ")")
    return "Gewijzigd: " + "; ".join(parts)
