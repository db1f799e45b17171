"""The plan editor's conflict page for one item (a goal, action or afspraak someone else changed or removed
meanwhile): both versions in words, "Mijn versie bewaren" and "De andere versie houden" (`editor_pages`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.plan_items import ItemChanged, ItemKind, Op
from ..keys import services
from . import guard
from .editor_forms import FIELDS, LABELS, STATUS_LABELS
from .i18n import _
from .plan_pages import day
from .render import page

KIND_WORDS: dict[ItemKind, str] = {
    ItemKind.DOEL: _("dit doel"),
    ItemKind.ACTIE: _("deze actie"),
    ItemKind.AFSPRAAK: _("deze afspraak"),
}


def _shown(kind: ItemKind, item: dict[str, Any] | None, names: Any) -> list[tuple[str, str]]:
    """An item as the conflict page shows it: (label, value in words)."""
    if item is None:
        return []
    rows = []
    for name in FIELDS[kind]:
        value = item.get(name)
        if name == "wie":
            value = names.get(value, _("niemand in het bijzonder")) if value else _("niemand in het bijzonder")
        elif name in ("start", "einde"):
            value = day(value)
        elif name == "status":
            value = STATUS_LABELS.get(str(value), str(value))
        rows.append((LABELS[name], str(value or "")))
    return rows


async def both_versions(
    request: web.Request, err: ItemChanged, base: str, action: str, remove_action: str
) -> web.Response:
    """Both versions of the item, and the two ways on (409); nothing is written until one is chosen."""
    household_id = request.match_info["id"]
    principal = await guard.household_principal(request, household_id)
    view = await services(request).plan_items.editor(principal, household_id)
    op = err.op
    keep_action = remove_action if err.mine is None else action
    if err.theirs is None and err.mine is not None:  # they removed it: keeping mine adds it back, with its id
        keep_action = action.rsplit("/", 1)[0] if op.op is Op.CHANGE else action
    can_keep = not (err.theirs is None and op.kind is ItemKind.ACTIE and op.op is not Op.REMOVE)
    hidden = {
        k: ("" if v is None else str(v)) for k, v in (err.mine or {}).items() if k in FIELDS[op.kind] or k == "id"
    }
    context = {
        "base": base,
        "what": KIND_WORDS[op.kind],
        "mine": _shown(op.kind, err.mine, view.names),
        "theirs": _shown(op.kind, err.theirs, view.names),
        "mine_removed": err.mine is None,
        "theirs_removed": err.theirs is None,
        "keep_action": keep_action,
        "can_keep": can_keep,
        "hidden": hidden,
        "version": err.current,
    }
    return page(request, "editor_conflict.html", context, status=409)
