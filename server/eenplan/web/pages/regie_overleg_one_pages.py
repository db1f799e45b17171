"""One overleg of the regisseur (issue 13, item 4): who answered what, by page or by mail, the times people
proposed, and the forms to reschedule, cancel and close it with the next overleg.

The services decide (`OverlegService.get/change/cancel/close`, `InboundService.answers`: the regisseur's only);
every form goes through the same use cases as the API. This module reads forms, words dates and errors, and
renders.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.audit import Channel
from ...domain.errors import ValidationFailed
from ...domain.overleg import Invitee, OverlegStatus, OverlegType
from ...services.overleg_close import CloseRequest
from ...services.overleg_views import invitees_by_name
from ...services.overleggen import OverlegDraft
from ..keys import services
from . import forms, guard
from .forms import Posted
from .i18n import _
from .overleg_pages import answer_label, status_label, type_label, when
from .regie_forms import ZONE, day_of, form_times, moment_of, names_of
from .regie_overleg_pages import ONE
from .regie_words import overleg_errors
from .render import page

routes = web.RouteTableDef()


def _back(request: web.Request, what: str) -> str:
    """Back to the overleg's page, with what was done."""
    return f"/huishoudens/{request.match_info['id']}/regie/overleggen/{request.match_info['oid']}?gelukt={what}"


async def _one(request: web.Request, errors: dict[str, str] | None = None) -> web.Response:
    household_id, principal = await guard.household(request)
    svc = services(request)
    oid = request.match_info["oid"]
    answers, proposals = await svc.inbound.answers(principal, household_id, oid)
    view = await svc.overleggen.get(principal, household_id, oid, channel=Channel.WEB)
    people = await names_of(request, principal, household_id)
    by_mail = {a.betrokkene_id: a for a in answers}
    await guard.named_household(request, principal, household_id)
    return page(
        request,
        "regie_overleg.html",
        {
            "household_id": household_id,
            "view": view,
            "kind": type_label(view.type),
            "when": when(view.start, view.end),
            "status": status_label(view.status),
            "planned": view.status is OverlegStatus.PLANNED,
            "rows": [
                (
                    people.get(i.betrokkene_id, _("(niet meer betrokken)")),
                    i,
                    answer_label(i.partstat),
                    by_mail.get(i.betrokkene_id),
                )
                for i in invitees_by_name(view.invitees, people)
            ],
            "proposals": [
                (people.get(p.betrokkene_id, ""), when(p.start, p.end), p, *form_times(p.start, p.end))
                for p in proposals
            ],
            "people": people,
            "local": view.start.astimezone(ZONE),
            "local_end": view.end.astimezone(ZONE),
            "errors": errors or {},
            "notice": request.query.get("gelukt", ""),
        },
        status=422 if errors else 200,
    )


@routes.get(ONE)
async def one(request: web.Request) -> web.Response:
    """One overleg: who answered what (by page or by mail), proposed times, and the forms."""
    return await _one(request)


async def _one_again(post: Posted, err: ValidationFailed) -> web.Response:
    return await _one(post.request, overleg_errors(err))


@routes.post(ONE + "/verplaatsen")
async def reschedule(request: web.Request) -> web.StreamResponse:
    """Give the overleg another day and time: everyone is invited again."""
    oid = request.match_info["oid"]

    async def act(post: Posted) -> str:
        day = day_of(post.form.get("datum"), "start")
        if day is None:
            raise ValidationFailed.one("start", "give a date")
        changes: dict[str, Any] = {
            "start": moment_of(day, post.form.get("van"), "start"),
            "end": moment_of(day, post.form.get("tot"), "end"),
        }
        if post.text("reden").strip():
            changes["reason"] = post.form["reden"]
        await services(request).overleggen.change(post.principal, post.household_id, oid, changes)
        return _back(request, "verplaatst")

    async def refused(post: Posted, err: ValidationFailed) -> web.Response:
        return await _one(request, overleg_errors(err, one=True))

    return await forms.handle(request, act, refused)


@routes.post(ONE + "/afzeggen")
async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel the overleg: every invitee gets a cancellation."""
    oid = request.match_info["oid"]

    async def act(post: Posted) -> str:
        await services(request).overleggen.cancel(post.principal, post.household_id, oid)
        return _back(request, "afgezegd")

    return await forms.handle(request, act, _one_again)


@routes.post(ONE + "/afsluiten")
async def close(request: web.Request) -> web.StreamResponse:
    """Close a held overleg: decisions, the vastgestelde version, and the next overleg (or why there is none)."""
    oid = request.match_info["oid"]

    async def act(post: Posted) -> str:
        principal, household_id, form = post.principal, post.household_id, post.form
        version = (form.get("versie") or "").strip()
        if version and not version.isdigit():
            raise ValidationFailed.one("adopted_version", "is not a number")
        nxt = None
        day = day_of(form.get("volgende_datum"), "next.start")
        if day is not None:
            current = await services(request).overleggen.get(principal, household_id, oid, content=False)
            nxt = OverlegDraft(
                type=OverlegType.VOORTGANGSOVERLEG,
                start=moment_of(day, form.get("volgende_van"), "next.start"),
                end=moment_of(day, form.get("volgende_tot"), "next.end"),
                invitees=tuple(Invitee(i.betrokkene_id, i.must_attend) for i in current.invitees),
                location=current.location,
            )
        await services(request).overleggen.close(
            principal,
            household_id,
            oid,
            CloseRequest(
                decisions=(form.get("besluiten") or "").strip() or None,
                adopted_version=int(version) if version else None,
                next_draft=nxt,
                no_next_reason=form.get("geen_volgende") or None,
            ),
        )
        return _back(request, "afgesloten")

    return await forms.handle(request, act, _one_again)
