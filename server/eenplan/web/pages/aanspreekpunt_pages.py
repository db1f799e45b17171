"""Escalatie: the page of the gemeentelijk aanspreekpunt (issue 13 item 5, domain §"Stagnation and escalation").

At step 4 the aanspreekpunt becomes a betrokkene of the household (`StagnatieService._involve_aanspreekpunt`) and
signs in like everyone else, with the mail link (and a second factor, as a professional). This page shows the
cases `StagnatieService.list` gives them — only those `may_see_case` allows; a case they may not see answers
404, like a missing one — with the step, the deadlines and what they must record, and the copy of the plan in
their scope (`PlanPageService.plan`: the one policy, logged on channel web with the sections shown). The forms
record actions, result and term, the new afspraken (the method's commitment), and hand the case back
(afschalen) over the same service — after a step that says their access then ends (`afschalen_step`). A refused
form comes back with what was typed in its fields (422).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.audit import Channel
from ...domain.caseload import StartPage
from ...domain.errors import ValidationFailed
from ...domain.stagnatie import Outcome
from ..keys import services
from . import csrf, guard
from .afschalen_step import is_sure, step_page
from .i18n import _
from .keys import WHERE
from .plan_pages import sections_html
from .regie_forms import day_of, principal_of, texts
from .regie_words import deadline_words, long_day, stagnatie_errors, step_outcome
from .render import page, redirect

routes = web.RouteTableDef()

START = StartPage.ESCALATIES.value
BASE = "/huishoudens/{id}/escalatie"
CASE = BASE + "/zaken/{cid}"

NOTICES = {
    "acties": _("Opgeslagen: de acties, het resultaat en de termijn."),
    "commitment": _("Opgeslagen: de nieuwe afspraken."),
}
#: the step-4 fields a refusal may name, with their text next to the field
ACTIES_TEXTS = {
    "acties": _("Schrijf op welke acties de gemeente neemt."),
    "resultaat": _("Schrijf op welk resultaat er moet komen."),
    "termijn": _("Kies de datum waarop het resultaat er moet zijn."),
}


def _acties_errors(err: ValidationFailed, key: str, form: dict[str, str]) -> dict[str, str]:
    """The service's refusal of step 4's outcome, next to the fields left empty (it names only `acties`)."""
    out: dict[str, str] = {}
    for p in err.problems:
        if p.field in ACTIES_TEXTS and "required" in p.problem:
            empty = [f for f in ACTIES_TEXTS if not form.get(f, "").strip()] or ["acties"]
            out.update({f"{key}-{f}": ACTIES_TEXTS[f] for f in empty})
        elif p.field == "termijn":
            out[f"{key}-termijn"] = ACTIES_TEXTS["termijn"]
        else:
            for field, text in stagnatie_errors(ValidationFailed([p]), key).items():
                out.setdefault(field, text)
    return out


async def _render(
    request: web.Request, errors: dict[str, str] | None = None, entered: dict[str, str] | None = None, key: str = ""
) -> web.Response:
    """The cases and the plan; with `errors` (field id → text) the form of case `key` is shown again with what
    was `entered` (422)."""
    household_id, principal = await principal_of(request)
    svc = services(request)
    # the cases first: anyone but the aanspreekpunt gets a 404 before the plan is read
    cases = await svc.stagnatie.escalated(principal, household_id, channel=Channel.WEB)
    view = await svc.plan_pages.plan(principal, household_id)
    request[WHERE] = view.household_name
    return page(
        request,
        "escalatie.html",
        {
            "household_id": household_id,
            "view": view,
            "cases": cases,
            "names": view.names,
            "long": long_day,
            "step_outcome": step_outcome,
            "deadline_words": deadline_words,
            "sections_html": sections_html(request, view),
            "errors": errors or {},
            # a refusal of the whole case (status: handing back too early) has no field to point to
            "field_errors": any(not k.endswith("-status") for k in errors or {}),
            "entered": entered or {},
            "form_key": key,
            "notice": NOTICES.get(request.query.get("gelukt", ""), ""),
        },
        status=422 if errors else 200,
    )


@routes.get(START)
async def escalaties(request: web.Request) -> web.StreamResponse:
    """The aanspreekpunt's start page: the households whose cases are escalated to them (one: its escalatie
    page at once; none any more: their households)."""
    await guard.signed_in(request)
    entries = await services(request).people.escalations(guard.token_or_401(request))
    if not entries:
        raise redirect("/huishoudens")
    if len(entries) == 1:
        raise redirect(BASE.format(id=entries[0].household_id))
    return page(request, "escalaties.html", {"entries": entries})


@routes.get(BASE, allow_head=False)  # a HEAD would be logged as a read
async def escalatie(request: web.Request) -> web.Response:
    """The aanspreekpunt's escalated cases, what to record, and their copy of the plan."""
    return await _render(request)


async def _act(request: web.Request, action: Any, key: str, notice: str, form: dict[str, str]) -> web.Response:
    """Run one use case; a refusal is shown next to the form's fields (`key`), success goes back to the page."""
    try:
        await action()
    except ValidationFailed as err:
        errors = _acties_errors(err, key, form) if notice == "acties" else stagnatie_errors(err, key)
        return await _render(request, errors, form, key)
    if notice == "afgeschaald":  # handed back: this household is no longer theirs to see
        raise redirect(START)
    raise redirect(f"/huishoudens/{request.match_info['id']}/escalatie?gelukt={notice}#{key}")


@routes.post(CASE + "/acties")
async def record_acties(request: web.Request) -> web.Response:
    """Record which actions the gemeente takes, the result and its term (step 4's outcome)."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)
    await services(request).stagnatie.escalation_page(principal, household_id)  # theirs alone, like the page
    cid = request.match_info["cid"]

    async def action() -> None:
        await services(request).stagnatie.record_outcome(
            principal,
            household_id,
            cid,
            Outcome.ACTIES,
            datum=None,
            acties=form.get("acties", ""),
            resultaat=form.get("resultaat", ""),
            termijn=day_of(form.get("termijn"), "termijn"),
        )

    return await _act(request, action, f"zaak-{cid}", "acties", form)


@routes.post(CASE + "/commitment")
async def commitment(request: web.Request) -> web.Response:
    """Record the commitment: the new agreements and the plan version that holds them."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)
    await services(request).stagnatie.escalation_page(principal, household_id)  # theirs alone, like the page
    cid = request.match_info["cid"]

    async def action() -> None:
        version = form.get("versie", "").strip()
        if not version.isdigit():
            raise ValidationFailed.one("plan_version", "is not a number")
        await services(request).stagnatie.commit(principal, household_id, cid, form.get("afspraken", ""), int(version))

    return await _act(request, action, f"zaak-{cid}", "commitment", form)


@routes.get(CASE + "/afschalen", allow_head=False)  # a HEAD would be logged as a read
async def afschalen_step(request: web.Request) -> web.Response:
    """The step before handing back: that they will not see this household any more, and a button to do it."""
    return await _step(request)


async def _step(request: web.Request) -> web.Response:
    """The step, for its GET and for a post without the confirmation."""
    household_id, principal = await principal_of(request)
    # theirs alone, like the page: anyone else gets its 404 before a case is read
    cases = await services(request).stagnatie.escalated(principal, household_id, channel=Channel.WEB)
    back = f"/huishoudens/{household_id}/escalatie#zaak-{request.match_info['cid']}"
    return await step_page(request, principal, household_id, cases, back=back)


@routes.post(CASE + "/afschalen")
async def afschalen(request: web.Request) -> web.Response:
    """Hand the case back to the regisseur once confirmed on the step before; the aanspreekpunt's access ends at
    once. Without that confirmation nothing changes: the step again."""
    form = texts(await csrf.checked_form(request))
    if not is_sure(form):
        return await _step(request)
    household_id, principal = await principal_of(request)
    await services(request).stagnatie.escalation_page(principal, household_id)  # theirs alone, like the page
    cid = request.match_info["cid"]

    async def action() -> None:
        await services(request).stagnatie.afschalen(principal, household_id, cid)

    return await _act(request, action, f"zaak-{cid}", "afgeschaald", {})
