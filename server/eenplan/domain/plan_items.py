"""One goal, one action of a goal or one afspraak at a time (issue 13): add, change or remove it by its stable id,
and land a change made on an older version on the current one.

Goals and actions carry ids inside the plan's JSON (`validation.assign_item_ids`), afspraken too. An item
operation names its item by id, so it can be applied again to a newer version of the section: a change
made on version 5 while someone saved version 6 is applied on top of 6 when the other change touched other
items (both are kept), and is a conflict naming both versions of the item when the other change touched
the same item (nothing is lost silently). Pure: no I/O; the service reads the sections and writes the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .errors import Conflict, FieldProblem, NotFound, PreconditionFailed, ValidationFailed
from .sections import Actie, Afspraak, Doel

#: a goal's own fields (its actions are items of their own)
GOAL_FIELDS = ("titel", "status", "behaald_in_plaats")


class ItemKind(StrEnum):
    """What kind of item an operation is about."""

    DOEL = "doel"
    ACTIE = "actie"
    AFSPRAAK = "afspraak"


class Op(StrEnum):
    """What an operation does to its item."""

    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


_MODELS: dict[ItemKind, TypeAdapter[Any]] = {
    ItemKind.DOEL: TypeAdapter(Doel),
    ItemKind.ACTIE: TypeAdapter(Actie),
    ItemKind.AFSPRAAK: TypeAdapter(Afspraak),
}


@dataclass(frozen=True)
class ItemOp:
    """One operation: `kind`, `op`, the goal it is in or about (`doel_id`), the action or afspraak (`item_id`),
    and `fields`: the whole item for ADD, the fields to change for CHANGE, nothing for REMOVE."""

    kind: ItemKind
    op: Op
    doel_id: str | None = None
    item_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def section(self) -> str:
        """The plan section the item lives in."""
        return "afspraken" if self.kind is ItemKind.AFSPRAAK else "doelen"

    @property
    def target_id(self) -> str | None:
        """The id of the item itself (a goal's own id for a goal)."""
        return self.doel_id if self.kind is ItemKind.DOEL else self.item_id


class ItemChanged(PreconditionFailed):
    """The item this change is about was changed or removed by someone else since the version it was based on.

    `mine` is what the change would make of the item (None: removed), `theirs` the item as it is now (None:
    someone removed it), `current` the current version number."""

    kind = "item-changed"

    def __init__(self, op: ItemOp, mine: dict[str, Any] | None, theirs: dict[str, Any] | None, current: int) -> None:
        super().__init__(f"this {op.kind.value} was changed by someone else since the version the change is based on")
        self.op = op
        self.mine = mine
        self.theirs = theirs
        self.current = current
        self.extra = {"current_version": current, "current_item": theirs}


class ItemIdTaken(Conflict):
    """An add names an id (the client's, or the one the editor's form was given) that an item of the plan
    already has with other content: nothing is written; the problem names the field `id`, never the content."""

    kind = "item-id-taken"

    def __init__(self, op: ItemOp) -> None:
        problem = FieldProblem("id", "is already used by an item with other content")
        super().__init__(f"this {op.kind.value}'s id is already used by an item with other content")
        self.extra = {"errors": [problem.as_dict()]}
        self.op = op


@dataclass(frozen=True)
class Applied:
    """The result of one operation: the whole new section and the id of the item it was about."""

    section: list[dict[str, Any]]
    item_id: str


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _goal(section: list[dict[str, Any]], doel_id: str | None) -> dict[str, Any] | None:
    return next((g for g in section if g.get("id") == doel_id), None)


def find(section: list[dict[str, Any]], op: ItemOp) -> dict[str, Any] | None:
    """The item `op` is about in a section's content (None: not there)."""
    if op.kind is ItemKind.AFSPRAAK:
        return next((a for a in section if a.get("id") == op.item_id), None)
    goal = _goal(section, op.doel_id)
    if op.kind is ItemKind.DOEL or goal is None:
        return goal
    return next((a for a in goal.get("acties", []) if a.get("id") == op.item_id), None)


def _head(goal: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if goal is None else {k: goal.get(k) for k in ("id", *GOAL_FIELDS)}


def _what_it_depends_on(section: list[dict[str, Any]], op: ItemOp) -> Any:
    """The part of a section whose change since the base makes `op` a conflict."""
    if op.op is Op.ADD:
        # a new goal or afspraak depends on nothing; a new action on its goal still being there
        return None if op.kind is not ItemKind.ACTIE else _goal(section, op.doel_id) is not None
    item = find(section, op)
    if op.kind is ItemKind.DOEL and op.op is Op.CHANGE:
        return _head(item)  # someone else's work on its actions is no conflict with a new title
    return item


def validate_item(kind: ItemKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """An item checked by the section's own model (Doel, Actie, Afspraak), normalised to its stored JSON;
    ValidationFailed names the item's fields (an action ending before it starts names `einde`)."""
    adapter = _MODELS[kind]
    try:
        return dict(adapter.dump_python(adapter.validate_python(dict(data)), mode="json"))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(FieldProblem(loc or ("einde" if kind is ItemKind.ACTIE else "body"), message))
        raise ValidationFailed(problems) from None


def apply(section: list[dict[str, Any]], op: ItemOp, new_id: Callable[[], str]) -> Applied:
    """`op` applied to a section's content (not changed in place); NotFound when its item or goal is not there."""
    out: list[dict[str, Any]] = _copy(section or [])
    if op.op is Op.ADD:
        item = validate_item(op.kind, op.fields)
        item["id"] = item.get("id") or new_id()
        if op.kind is ItemKind.ACTIE:
            goal = _goal(out, op.doel_id)
            if goal is None:
                raise NotFound("the goal does not exist")
            goal.setdefault("acties", []).append(item)
        else:
            for actie in item.get("acties", []) if op.kind is ItemKind.DOEL else []:
                actie["id"] = actie.get("id") or new_id()
            out.append(item)
        return Applied(out, str(item["id"]))
    target = find(out, op)
    if target is None:
        raise NotFound(f"the {op.kind.value} does not exist")
    container = out if op.kind is not ItemKind.ACTIE else _goal(out, op.doel_id)["acties"]  # type: ignore[index]
    index = next(i for i, x in enumerate(container) if x is target)
    if op.op is Op.REMOVE:
        del container[index]
    else:
        changed = validate_item(op.kind, {**target, **op.fields})
        changed["id"] = target["id"]
        container[index] = changed
    return Applied(out, str(target["id"]))


def _by_id(section: list[dict[str, Any]], kind: ItemKind, item_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """The item of `kind` with this id anywhere in its section, and the goal it is in (an action's)."""
    if kind is not ItemKind.ACTIE:
        return next((x for x in section if x.get("id") == item_id), None), None
    for goal in section:
        found = next((a for a in goal.get("acties", []) if a.get("id") == item_id), None)
        if found is not None:
            return found, goal.get("id")
    return None, None


def _same(posted: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether an add's item is the stored one (a new goal's actions posted without ids match by order)."""
    mine, theirs = dict(posted), dict(stored)
    mine_acties, theirs_acties = mine.pop("acties", None), theirs.pop("acties", None)
    if mine != theirs:
        return False
    if mine_acties is None or theirs_acties is None:
        return bool(mine_acties == theirs_acties)
    return len(mine_acties) == len(theirs_acties) and all(
        {**a, "id": a.get("id") or b.get("id")} == b for a, b in zip(mine_acties, theirs_acties, strict=True)
    )


def added_before(section: list[dict[str, Any]], op: ItemOp) -> dict[str, Any] | None:
    """For an add that names its item's id: the item already in the section under that id with the same
    content — the add is a repeat (a double click, a form sent again, a client's retry) and must write
    nothing — or None when no item of its kind has that id. ItemIdTaken when one has it with other content
    (or, for an action, under another goal)."""
    if op.op is not Op.ADD or not op.fields.get("id"):
        return None
    found, goal_id = _by_id(section or [], op.kind, str(op.fields["id"]))
    if found is None:
        return None
    if op.kind is ItemKind.ACTIE and goal_id != op.doel_id:
        raise ItemIdTaken(op)
    if not _same(validate_item(op.kind, op.fields), found):
        raise ItemIdTaken(op)
    return found


def land(
    base: list[dict[str, Any]] | None,
    current: list[dict[str, Any]],
    op: ItemOp,
    current_version: int,
    new_id: Callable[[], str],
) -> Applied:
    """Apply `op`, made on the section as it was in its base version (`base`; None: the base is the current
    version), to the section as it is now. Different items changed since: applied on top (both kept). The
    same item changed or removed since: ItemChanged with both versions of it."""
    if base is not None and _what_it_depends_on(base, op) != _what_it_depends_on(current, op):
        theirs = find(current, op)
        mine: dict[str, Any] | None = None
        if op.op is not Op.REMOVE:
            before = find(base, op) or {}
            mine = validate_item(op.kind, {**(before if op.op is Op.CHANGE else {}), **op.fields})
        raise ItemChanged(op, mine, theirs, current_version)
    if base is not None and op.op is not Op.ADD and find(base, op) is None:
        raise NotFound(f"the {op.kind.value} does not exist")
    return apply(current, op, new_id)


def assign_afspraak_ids(afspraken: list[dict[str, Any]], new_id: Callable[[], str]) -> list[dict[str, Any]]:
    """Every afspraak with an id, so one can be changed or removed by it."""
    for item in afspraken:
        item["id"] = item.get("id") or new_id()
    return afspraken
