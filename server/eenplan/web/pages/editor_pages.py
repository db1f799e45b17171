"""The plan editor (issue 13 item 2): the regisseur changes one goal, action or afspraak at a time, and the
text sections, and adopts (vaststellen) the current version.

Every form carries the version it was based on; an add form also the id its item gets, made by the
service when the page is rendered, so the same form sent twice (a double click, a resubmit) adds its item
once. The service lands a change on a newer version when the other change touched other items (the page
says so) and answers `ItemChanged` when it touched the same one: the page then shows both versions, with
"Mijn versie bewaren" (the same change again, now based on the current version) and "De andere versie
houden" (back to the editor, nothing written). Who may edit is the service's rule (a regisseur; anyone
else gets the 403 page); handlers only call services and render.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ...domain.audit import Channel
from ...domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ...domain.plan_items import ItemChanged, ItemIdTaken, ItemKind, ItemOp, Op
from ..keys import services
from ..plan_item_schemas import item_id
from . import forms, guard
from .editor_conflict import both_versions, section_versions
from .editor_forms import (
    FIELDS,
    LABELS,
    STATUS_LABELS,
    TEXT_SECTIONS,
    already_added,
    base_version,
    field_errors,
    item_fields,
    section_value,
)
from .editor_lists import (
    LEEFGEBIED_OPTIONS,
    LIST_SECTIONS,
    ROW_FIELDS,
    VOORZIENING_OPTIONS,
    entered_rows,
    in_words,
    label_of,
    posted_fields,
    row_errors,
    rows_of,
    section_of,
)
from .i18n import _
from .plan_pages import day
from .regie_termijnen_pages import ADOPT_TEXTS, NO_OVERLEG, adopt_errors, adoption_options
from .render import page, redirect

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/plan/bewerken"

DONE_TEXTS: dict[str, str] = {
    "opgeslagen": _("Uw wijziging is opgeslagen."),
    "samengevoegd": _(
        "Iemand anders had het plan intussen ook veranderd, aan iets anders. Beide wijzigingen staan nu in het plan."
    ),
    "verwijderd": _("Het is uit het plan gehaald."),
    "vastgesteld": _("Deze versie van het plan is vastgesteld."),
}


def _base(request: web.Request) -> str:
    return BASE.format(id=request.match_info["id"])


async def _render(
    request: web.Request,
    form_id: str = "",
    errors: dict[str, str] | None = None,
    entered: Any = None,
    status: int | None = None,
) -> web.Response:
    """The editor; with `errors` for the form `form_id` (refilled from `entered`) it answers 422 (or `status`)."""
    household_id, principal = await guard.household(request)
    svc = services(request)
    view = await svc.plan_items.editor(principal, household_id)
    household = await guard.named_household(request, principal, household_id)
    context = {
        "household": household,
        "base": _base(request),
        "view": view,
        "info": view.snapshot.info,
        "sections": view.sections,
        "people": [(b.id, b.name) for b in view.people],
        "names": view.names,
        "labels": LABELS,
        "status_labels": STATUS_LABELS,
        "text_sections": TEXT_SECTIONS,
        "list_sections": LIST_SECTIONS,
        "list_forms": {
            k: entered if form_id == f"deel-{k}" else rows_of(k, view.sections.get(k)) for k in LIST_SECTIONS
        },
        "list_label": label_of,
        "leefgebied_options": LEEFGEBIED_OPTIONS,
        "voorziening_options": VOORZIENING_OPTIONS,
        "form_id": form_id,
        "errors": errors or {},
        "entered": entered or {},
        "notice": DONE_TEXTS.get(request.query.get("gelukt", ""), ""),
        "day": day,
        "adopt_at": adoption_options(await svc.plan_deadlines.adoption_choices(principal, household_id)),
        "no_overleg": NO_OVERLEG,
    }
    return page(request, "editor.html", context, status=status or (422 if errors else 200))


async def _item(request: web.Request, kind: ItemKind, op: Op, form_id: str) -> web.StreamResponse:
    """One item form: apply it (the service decides), then back to the editor, or its errors, or the conflict."""
    post = await forms.posted(request)
    household_id, principal, form = post.household_id, post.principal, post.raw
    gid = item_id(request.match_info["gid"]) if "gid" in request.match_info else None
    aid = item_id(request.match_info["aid"]) if "aid" in request.match_info else None
    if kind is ItemKind.DOEL:
        gid, aid = gid, None
    fields = {} if op is Op.REMOVE else item_fields(kind, form, whole=op is Op.ADD)
    item = ItemOp(kind, op, gid, aid, fields)
    action = request.path.removesuffix("/verwijderen")
    try:
        result = await services(request).plan_items.apply(
            principal, household_id, base_version(form), item, channel=Channel.WEB, editor=True
        )
    except ValidationFailed as err:
        return await _render(request, form_id, field_errors(err, FIELDS[kind]), fields)
    except ItemChanged as err:
        return await both_versions(request, err, _base(request), action, f"{action}/verwijderen")
    except ItemIdTaken:  # this form was saved before with other content: refilled, with a fresh id to add it anew
        return await _render(request, form_id, already_added(kind), fields, status=409)
    done = "samengevoegd" if result.merged else "verwijderd" if op is Op.REMOVE else "opgeslagen"
    anchor = f"#{kind.value}-{result.item_id}" if op is not Op.REMOVE else ""
    raise redirect(f"{_base(request)}?gelukt={done}{anchor}")


@routes.get(BASE)
async def editor_page(request: web.Request) -> web.StreamResponse:
    """The plan as its forms, for a regisseur."""
    return await _render(request)


@routes.post(BASE + "/doelen")
async def add_doel(request: web.Request) -> web.StreamResponse:
    """Nieuw doel."""
    return await _item(request, ItemKind.DOEL, Op.ADD, "nieuw-doel")


@routes.post(BASE + "/doelen/{gid}")
async def change_doel(request: web.Request) -> web.StreamResponse:
    """Wijzigen: a goal's own fields."""
    return await _item(request, ItemKind.DOEL, Op.CHANGE, f"doel-{request.match_info['gid']}")


@routes.post(BASE + "/doelen/{gid}/verwijderen")
async def remove_doel(request: web.Request) -> web.StreamResponse:
    """Verwijderen: a goal with its actions."""
    return await _item(request, ItemKind.DOEL, Op.REMOVE, f"doel-{request.match_info['gid']}")


@routes.post(BASE + "/doelen/{gid}/acties")
async def add_actie(request: web.Request) -> web.StreamResponse:
    """Nieuwe actie for one goal."""
    return await _item(request, ItemKind.ACTIE, Op.ADD, f"nieuwe-actie-{request.match_info['gid']}")


@routes.post(BASE + "/doelen/{gid}/acties/{aid}")
async def change_actie(request: web.Request) -> web.StreamResponse:
    """Wijzigen: one action."""
    return await _item(request, ItemKind.ACTIE, Op.CHANGE, f"actie-{request.match_info['aid']}")


@routes.post(BASE + "/doelen/{gid}/acties/{aid}/verwijderen")
async def remove_actie(request: web.Request) -> web.StreamResponse:
    """Verwijderen: one action."""
    return await _item(request, ItemKind.ACTIE, Op.REMOVE, f"actie-{request.match_info['aid']}")


@routes.post(BASE + "/afspraken")
async def add_afspraak(request: web.Request) -> web.StreamResponse:
    """Nieuwe afspraak."""
    return await _item(request, ItemKind.AFSPRAAK, Op.ADD, "nieuwe-afspraak")


@routes.post(BASE + "/afspraken/{aid}")
async def change_afspraak(request: web.Request) -> web.StreamResponse:
    """Wijzigen: one afspraak."""
    return await _item(request, ItemKind.AFSPRAAK, Op.CHANGE, f"afspraak-{request.match_info['aid']}")


@routes.post(BASE + "/afspraken/{aid}/verwijderen")
async def remove_afspraak(request: web.Request) -> web.StreamResponse:
    """Verwijderen: one afspraak."""
    return await _item(request, ItemKind.AFSPRAAK, Op.REMOVE, f"afspraak-{request.match_info['aid']}")


@routes.post(BASE + "/delen/{key}")
async def change_section(request: web.Request) -> web.StreamResponse:
    """A text section's form; a concurrent change of the same section shows both versions."""
    post = await forms.posted(request)
    household_id, principal, form, key = post.household_id, post.principal, post.raw, request.match_info["key"]
    if key in LIST_SECTIONS:
        return await _change_list_section(request, form, key)
    if key not in TEXT_SECTIONS:
        raise NotFound("no such section form")
    value = section_value(key, form)
    try:
        await services(request).plan_items.change_section(principal, household_id, base_version(form), key, value)
    except ValidationFailed as err:
        return await _render(request, f"deel-{key}", field_errors(err, TEXT_SECTIONS[key]), value)
    except Conflict as err:
        return await section_versions(request, principal, base_version(form), key, value, err, _base(request))
    except PreconditionFailed:  # the form names a version the plan does not have (an old or altered page)
        return await _render(request, f"deel-{key}", {TEXT_SECTIONS[key][0]: _unknown_version()}, value)
    raise redirect(f"{_base(request)}?gelukt=opgeslagen#deel-{key}")


def _unknown_version() -> str:
    """A form naming a version the plan does not have (versie 0, or past the current one: an old or altered page)."""
    return _("Deze pagina hoort bij een versie van het plan die er niet is. Open de pagina opnieuw.")


async def _change_list_section(request: web.Request, form: Any, key: str) -> web.StreamResponse:
    """A section of rows (krachten en zorgen, voorzieningen, veiligheidsplan): its form replaces the whole
    section on the same path as a text section; refusals next to the row's field, a conflict both versions."""
    household_id = request.match_info["id"]
    principal = await guard.household_principal(request, household_id)
    svc = services(request)
    entered = entered_rows(key, form)
    current = None
    if key == "veiligheidsplan":  # the klant's signature stays as it is (read as the veiligheid service does)
        _number, text = await svc.plan.section(
            principal, household_id, key, "bewerken: handtekening", channel=Channel.WEB
        )
        current = json.loads(text) if text else None
    value, kept = section_of(key, entered, current)
    try:
        await svc.plan_items.change_section(principal, household_id, base_version(form), key, value)
    except ValidationFailed as err:
        return await _render(request, f"deel-{key}", row_errors(key, err, kept), entered)
    except PreconditionFailed:
        first = "krachten" if key == "veiligheidsplan" else f"{ROW_FIELDS[key][0]}-0"
        return await _render(request, f"deel-{key}", {first: _unknown_version()}, entered)
    except Conflict as err:
        view = await svc.plan_items.editor(principal, household_id)
        mine, theirs = in_words(key, value, view.names), in_words(key, err.extra.get("current"), view.names)
        width = max(len(mine), len(theirs))
        mine += [("", "")] * (width - len(mine))
        theirs += [("", "")] * (width - len(theirs))
        context = {
            "base": _base(request),
            "rows": [(m[0] or t[0], m[1], t[1]) for m, t in zip(mine, theirs, strict=True)],
            "keep_action": request.path,
            "hidden": posted_fields(form),
            "version": err.extra.get("current_version", 0),
        }
        return page(request, "editor_conflict_section.html", context, status=409)
    raise redirect(f"{_base(request)}?gelukt=opgeslagen#deel-{key}")


@routes.post(BASE + "/vaststellen")
async def adopt(request: web.Request) -> web.StreamResponse:
    """Vaststellen: adopt the version the form shows, at the overleg chosen (held or today's; the service checks
    that, the role and the version)."""
    post = await forms.posted(request)
    household_id, principal = post.household_id, post.principal
    picked = post.text("overleg").strip()
    if not picked:  # no default: the regisseur says at which overleg, or that it was at none
        return await _render(request, "vaststellen", {"overleg": ADOPT_TEXTS["kiezen"]}, {"overleg": ""})
    overleg = None if picked == NO_OVERLEG else picked
    try:
        await services(request).plan_deadlines.adopt_at(principal, household_id, base_version(post.form), overleg)
    except ValidationFailed as err:
        return await _render(request, "vaststellen", adopt_errors(err), {"overleg": picked})
    raise redirect(f"{_base(request)}?gelukt=vastgesteld#vaststellen")
