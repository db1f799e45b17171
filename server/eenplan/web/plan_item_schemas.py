"""Request bodies of the item-level plan routes: a whole goal, action or afspraak (the sections' own models,
domain/sections.py) to add one, and the fields of one to change (each field left out stays as it is)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain.errors import FieldProblem, NotFound, ValidationFailed
from ..domain.plan_items import ItemKind, validate_item
from ..domain.sections import Actie, Afspraak, Doel, DoelStatus, ItemId, Line, RefId, Text
from .params import MAX_DATE, MIN_DATE

#: the model that documents the body adding one item of each kind (validation is the domain's, by the same model)
ADD_BODIES: dict[ItemKind, type[BaseModel]] = {ItemKind.DOEL: Doel, ItemKind.ACTIE: Actie, ItemKind.AFSPRAAK: Afspraak}
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DoelPatch(_Patch):
    """Change a goal's own fields; its actions are changed one at a time under …/acties."""

    titel: Line | None = None
    status: DoelStatus | None = None
    behaald_in_plaats: Text | None = None


class ActiePatch(_Patch):
    """Change some fields of one action (wie is a betrokkene's id; einde not before start)."""

    wie: RefId | None = None
    wat: Line | None = None
    start: date | None = None
    einde: date | None = None
    evaluatie: Text | None = None


class AfspraakPatch(_Patch):
    """Change some fields of one afspraak (wie: a betrokkene's id, or null for nobody in particular)."""

    wat: Line | None = None
    wie: RefId | None = None
    wanneer: Text | None = None


PATCH_BODIES: dict[ItemKind, type[_Patch]] = {
    ItemKind.DOEL: DoelPatch,
    ItemKind.ACTIE: ActiePatch,
    ItemKind.AFSPRAAK: AfspraakPatch,
}


class ItemAnswer(BaseModel):
    """What an item operation answers: the item now (null after removing it), the new version (also the
    ETag) and whether the change was merged on top of someone else's newer version."""

    item: dict[str, Any] | None
    item_id: str = Field(pattern=ITEM_ID.pattern)
    version: int
    merged: bool


def item_id(value: str) -> str:
    """An item id from the path; anything that cannot be an id is simply not found."""
    if not ITEM_ID.match(value):
        raise NotFound("no such item")
    return value


def _far(path: str, value: Any) -> list[FieldProblem]:
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return []
        if not MIN_DATE <= day <= MAX_DATE:
            return [FieldProblem(path, f"must be from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}")]
    return []


def _bounded(kind: ItemKind, fields: dict[str, Any]) -> dict[str, Any]:
    """Dates inside the range the calendar code counts in (as every body's, web/schemas.py)."""
    problems = [p for name in ("start", "einde") for p in _far(name, fields.get(name))]
    if kind is ItemKind.DOEL:
        for i, actie in enumerate(fields.get("acties") or []):
            if isinstance(actie, dict):
                problems += [p for name in ("start", "einde") for p in _far(f"acties[{i}].{name}", actie.get(name))]
    if problems:
        raise ValidationFailed(problems)
    return fields


def new_item(kind: ItemKind, data: Any) -> dict[str, Any]:
    """A body adding one item, checked by the section's model (fields named as in the item)."""
    if not isinstance(data, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    return _bounded(kind, validate_item(kind, data))


def item_patch(kind: ItemKind, data: Any) -> dict[str, Any]:
    """A body changing one item: only the fields it names (a goal's actions are not among them)."""
    if not isinstance(data, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    try:
        parsed = PATCH_BODIES[kind].model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldProblem(".".join(str(p) for p in e["loc"]) or "body", str(e["msg"]).removeprefix("Value error, "))
                for e in exc.errors(include_url=False, include_input=False)
            ]
        ) from None
    fields = parsed.model_dump(mode="json", exclude_unset=True)
    if not fields:
        raise ValidationFailed.one("body", "names no field to change")
    return _bounded(kind, fields)


__all__ = ["ADD_BODIES", "PATCH_BODIES", "ActiePatch", "AfspraakPatch", "DoelPatch", "ItemAnswer", "ItemId"]
