"""Wie ziet wat (issue 12, items 3-4): the klant's matrix of who sees which section, and the answers to requests.

`ConsentMatrix.matrix` decides (a klant only; each cell is the one policy's answer) and says which requests
this klant may answer or revoke; this puts the views into words and posts the answers to `ConsentService`
and the exclusions to `ExclusionService`, each followed by a redirect back (PRG).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from ...domain.access import Level
from ...domain.errors import NotFound
from ...domain.veiligheid import NOT_EXCLUDABLE
from ...services.consent_matrix import ConsentItem, PersonRow, WhoSeesWhat
from ..keys import services
from . import forms, guard
from .ground_words import answer_sentences, day, grounds_text, names_list, role_word
from .i18n import _
from .keys import WHERE
from .log_pages import SECTION_NAMES
from .render import page, redirect

routes = web.RouteTableDef()

LEVEL_WORDS = {
    Level.NONE: _("Niets"),
    Level.OWN: _("Eigen deel"),
    Level.READ: _("Lezen"),
    Level.WRITE: _("Schrijven"),
}
STATUS_WORDS = {
    "aangevraagd": _("gevraagd"),
    "verleend": _("gegeven"),
    "geweigerd": _("geweigerd"),
    "ingetrokken": _("ingetrokken"),
    "verlopen": _("verlopen"),
}
#: what the page says after a form was handled (the query of the redirect)
DONE = {
    "ja": _("U heeft ja gezegd. Dank u wel."),
    "nee": _("U heeft nee gezegd. Er wordt niets gedeeld."),
    "ingetrokken": _("De toestemming is ingetrokken."),
    "bevestigd": _("U heeft uw toestemming schriftelijk bevestigd."),
    "uitsluitingen": _("Opgeslagen. Het gemeentelijk aanspreekpunt ziet deze delen niet."),
}


def _page_path(household_id: str) -> str:
    return f"/huishoudens/{household_id}/wie-ziet-wat"


def _row(row: PersonRow) -> dict[str, Any]:
    """One person's part of the matrix in words."""
    person = None if row.is_me else row.person.name
    cells = []
    for cell in row.cells:
        if cell.level is Level.NONE:
            why = [_("Hiervoor is toestemming nodig.")]
        else:
            why = grounds_text(cell.grounds, person=person, role=row.person.role.value)
        cells.append(
            {
                "section": SECTION_NAMES[cell.section],
                "level": LEVEL_WORDS[cell.level],
                "why": why,
                "emergency": cell.emergency,
            }
        )
    return {
        "id": row.person.id,
        "name": row.person.name,
        "role": role_word(row.person.role.value),
        "organisation": row.person.organisation,
        "is_me": row.is_me,
        "cells": cells,
    }


def _item(item: ConsentItem) -> dict[str, Any]:
    """One consent request in words."""
    c = item.consent
    return {
        "id": c.id,
        "requester": item.requester_name,
        "grantee": item.grantee_name,
        "purpose": c.purpose,
        "sections": [SECTION_NAMES[s] for s in c.sections],
        "write": c.level is Level.WRITE,
        "until": day(c.until),
        "about": item.about_name,
        "status": STATUS_WORDS.get(item.view.effective_status, item.view.effective_status),
        "waiting": names_list(item.waiting_names),
        "who_answers": names_list(([_("u")] if item.viewer_answers else []) + list(item.other_answerers)),
        "answers": [
            {
                "name": a.name,
                "approved": a.approved,
                "sentences": answer_sentences(
                    a.name,
                    a.approved,
                    oral=a.oral,
                    confirmation_due=a.confirmation_due,
                    recorded_by=a.recorded_by_name,
                    on=a.form_date,
                    reference=a.form_reference,
                ),
            }
            for a in item.answers
        ],
        "may_answer": item.may_answer,
        "may_revoke": item.may_revoke,
        "may_confirm": item.may_confirm,
        "not_with_this_sign_in": item.not_with_this_sign_in,
    }


def _context(
    view: WhoSeesWhat, exclusions: dict[str, list[str]], done: str | None, revoked: str | None = None
) -> dict[str, Any]:
    mine = set(exclusions.get("mine", []))
    return {
        "household_id": view.me.household_id,
        "rows": [_row(r) for r in view.rows],
        "pending": [_item(i) for i in view.pending],
        "in_force": [_item(i) for i in view.in_force],
        "ended": [_item(i) for i in view.ended],
        "excludable": [
            {"key": k, "name": SECTION_NAMES[k], "checked": k in mine} for k in view.sections if k not in NOT_EXCLUDABLE
        ],
        "excluded": [SECTION_NAMES[k] for k in exclusions.get("applies", [])],
        "notice": _revoked_notice(view, revoked) if done == "ingetrokken" and revoked else DONE.get(done or ""),
    }


def _revoked_notice(view: WhoSeesWhat, consent_id: str) -> str:
    """After a revocation: say whose access ended, by name (the consent is among the ended ones)."""
    item = next((i for i in view.ended if i.consent.id == consent_id), None)
    if item is None or not item.grantee_name:
        return DONE["ingetrokken"]
    return _("De toestemming is ingetrokken. Vanaf nu ziet {grantee} dit niet meer.").format(grantee=item.grantee_name)


@routes.get("/huishoudens/{id}/wie-ziet-wat")
async def who_sees_what(request: web.Request) -> web.StreamResponse:
    """The klant's matrix, the requests waiting for an answer, the consents in force and the exclusions."""
    household_id, principal = await guard.household(request)
    view = await services(request).consent_matrix.matrix(principal, household_id)
    exclusions = await services(request).exclusions.exclusions(principal, household_id)
    request[WHERE] = view.household_name
    context = _context(view, exclusions, request.query.get("gedaan"), request.query.get("toestemming"))
    return page(request, "wie_ziet_wat.html", context)


@routes.post("/huishoudens/{id}/wie-ziet-wat/{cid}/antwoord")
async def answer(request: web.Request) -> web.StreamResponse:
    """Ja or Nee to a request (a klant whose answer it needs; the service decides)."""
    post = await forms.posted(request)
    besluit = post.raw.get("besluit")
    await services(request).consent.answer_word(post.principal, post.household_id, request.match_info["cid"], besluit)
    raise redirect(f"{_page_path(post.household_id)}?gedaan={'ja' if besluit == 'ja' else 'nee'}")


@routes.get("/huishoudens/{id}/wie-ziet-wat/{cid}/intrekken")
async def revoke_step(request: web.Request) -> web.StreamResponse:
    """The confirmation step before a revocation: who loses access, and a button to really do it."""
    household_id, principal = await guard.household(request)
    view = await services(request).consent_matrix.matrix(principal, household_id)
    cid = request.match_info["cid"]
    item = next((i for i in view.pending + view.in_force if i.consent.id == cid and i.may_revoke), None)
    if item is None:
        raise NotFound("toestemming not found")
    request[WHERE] = view.household_name
    return page(request, "toestemming_intrekken.html", {"household_id": household_id, "c": _item(item)})


@routes.post("/huishoudens/{id}/wie-ziet-wat/{cid}/intrekken")
async def revoke(request: web.Request) -> web.StreamResponse:
    """Withdraw a consent (or a request not yet decided) once the klant confirmed it on the step before;
    access ends with the next request. Without that confirmation nothing changes: back to the step."""
    post = await forms.posted(request)
    cid = quote(request.match_info["cid"], safe="")
    if post.text("zeker") != "ja":  # the step again (its lookup answers a stranger like a missing household)
        return await revoke_step(request)
    await services(request).consent.revoke(post.principal, post.household_id, cid)
    raise redirect(f"{_page_path(post.household_id)}?gedaan=ingetrokken&toestemming={cid}")


@routes.post("/huishoudens/{id}/wie-ziet-wat/{cid}/bevestigen")
async def confirm(request: web.Request) -> web.StreamResponse:
    """Confirm in writing one's own oral consent given in urgency."""
    post = await forms.posted(request)
    await services(request).consent.confirm(post.principal, post.household_id, request.match_info["cid"])
    raise redirect(f"{_page_path(post.household_id)}?gedaan=bevestigd")


@routes.post("/huishoudens/{id}/wie-ziet-wat/uitsluitingen")
async def exclusions(request: web.Request) -> web.StreamResponse:
    """The klant's own list of sections kept from the gemeentelijk aanspreekpunt."""
    post = await forms.posted(request)
    sections = post.form.getall("deel", [])
    await services(request).exclusions.set_exclusions(post.principal, post.household_id, sections)
    raise redirect(f"{_page_path(post.household_id)}?gedaan=uitsluitingen")
