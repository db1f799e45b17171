"""The plan editor's conflict pages (`editor_pages`): for one item (a goal, action or afspraak someone else
changed or removed meanwhile) both versions in words, "Mijn versie bewaren" and "De andere versie houden"; for a
text section also "Samenvoegen": both changes merged into one text (`domain.merge_text`) to check and save."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ...domain.access import Principal
from ...domain.audit import Channel
from ...domain.errors import Conflict
from ...domain.merge_text import Overlap, OverlapKind, merge, mergeable
from ...domain.plan_items import ItemChanged, ItemKind, Op
from ..keys import services
from . import guard
from .editor_forms import FIELDS, LABELS, STATUS_LABELS, TEXT_SECTIONS
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


@dataclass(frozen=True)
class MergedField:
    """One field of a text section merged: its form name and label, the merged text, and what overlapped (in
    words, by line; never quoting the text)."""

    name: str
    label: str
    text: str
    overlaps: tuple[str, ...]


def lines_of(value: Any, sep: str = "; ") -> str:
    """A field's value as text: a list (the first agreements) one item per `sep`."""
    return sep.join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def _where(first: int, count: int) -> str:
    """Lines of the merged text in words ("regel 3", "regel 3 tot en met 5")."""
    if count == 1:
        return _("regel %(n)s") % {"n": first}
    return _("regel %(van)s tot en met %(tot)s") % {"van": first, "tot": first + count - 1}


def overlap_words(overlap: Overlap) -> str:
    """What overlapped, in plain Dutch: which lines are whose, and what to do."""
    theirs, mine = _where(overlap.first_line, overlap.theirs_lines), _where(overlap.mine_first, overlap.mine_lines)
    if overlap.kind is OverlapKind.THEY_REMOVED:
        return _(
            "De ander haalde een stuk weg dat u veranderde. Uw tekst staat er nog (%(mine)s). "
            "Haal die weg als hij niet moet blijven."
        ) % {"mine": mine}
    if overlap.kind is OverlapKind.I_REMOVED:
        return _(
            "U haalde een stuk weg dat de ander veranderde. De tekst van de ander staat er nog (%(theirs)s). "
            "Haal die weg als hij niet moet blijven."
        ) % {"theirs": theirs}
    return _(
        "U en de ander veranderden hetzelfde stuk. Daarom staan beide teksten er: eerst die van de ander "
        "(%(theirs)s), dan die van u (%(mine)s). Haal weg wat niet moet blijven."
    ) % {"theirs": theirs, "mine": mine}


async def merged_section(
    request: web.Request,
    principal: Principal,
    household_id: str,
    key: str,
    base: int,
    mine: dict[str, Any],
    theirs: dict[str, Any] | None,
    current: int,
) -> list[MergedField] | None:
    """The text section merged from the version the form was based on (read through `PlanService.version`:
    authorised, cut to the person's scope and logged), their current text and what was posted. None when there is
    nothing to merge from: no readable base, a form naming no version before the current one, or texts too long
    to merge (`merge_text.MAX_PARTS`)."""
    if theirs is None or not 0 < base < current:
        return None
    was = (await services(request).plan.version(principal, household_id, base, channel=Channel.WEB)).sections.get(key)
    if was is None:
        return None
    started = json.loads(was) or {}
    texts = {
        name: (lines_of(started.get(name), "\n"), lines_of(mine.get(name), "\n"), lines_of(theirs.get(name), "\n"))
        for name in TEXT_SECTIONS[key]
    }
    if not all(mergeable(*three) for three in texts.values()):
        return None  # too long to merge on the event loop: keep mine / keep theirs only
    fields = []
    for name in TEXT_SECTIONS[key]:
        merged = merge(*texts[name])
        fields.append(MergedField(name, LABELS[name], merged.text, tuple(overlap_words(o) for o in merged.overlaps)))
    return fields


async def section_versions(
    request: web.Request, principal: Principal, base: int, key: str, mine: dict[str, Any], err: Conflict, editor: str
) -> web.Response:
    """A text section someone else changed meanwhile (409): both versions, the merge of both to check and save
    (as a change of *their* version, on the section form's own path), or one of the two; nothing written yet."""
    household_id = request.match_info["id"]
    theirs = err.extra.get("current")
    current = int(err.extra.get("current_version", 0))
    merged = await merged_section(request, principal, household_id, key, base, mine, theirs, current)
    rows = [(LABELS[n], lines_of(mine.get(n)), lines_of((theirs or {}).get(n))) for n in TEXT_SECTIONS[key]]
    context = {
        "base": editor,
        "rows": rows,
        "keep_action": request.path,
        "hidden": {n: lines_of(mine.get(n), "\n") for n in TEXT_SECTIONS[key]},
        "version": current,
        "merged": merged,
        "overlapped": bool(merged and any(f.overlaps for f in merged)),
    }
    return page(request, "editor_conflict_section.html", context, status=409)
