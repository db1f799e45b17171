"""Stagnatie en veiligheid voor de regisseur (issue 13, item 5): the ladder of every stagnation case (step, who
acts, the required outcome, deadlines, overdue), escalate, record outcomes and commitment; the safety signals with
the five afwegingen; the household's phase, moved with a reason.

The services decide: `StagnatieService.ladder` is the regisseur's only (403 for everyone else), signals come
cut by the policy, `HouseholdService.change_phase` refuses phase 6 while a signal is open and says so — the
phase form offers only the moves `domain.household.ALLOWED_TRANSITIONS` allows from the current phase, and shows
that refusal next to the field, with what was typed back in the form's fields. What only the case's
gemeentelijk aanspreekpunt may do is not offered here, the page only says so: afschalen
(`domain.stagnatie.check_afschalen`, on their own escalatie page: `aanspreekpunt_pages`, `afschalen_step`), and at
step 4 the actions, result and term and the new afspraken (`check_commitment`: `COMMITS_AT`); a post for one
anyway gets the refusal next to the case (403: told by the domain's `AanspreekpuntOnly`, not by its wording).
Reads are logged on channel web.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...domain.audit import Channel
from ...domain.betrokkene import Kind
from ...domain.errors import ValidationFailed
from ...domain.household import ALLOWED_TRANSITIONS, Phase
from ...domain.stagnatie import OUTCOME_OF_STEP, AanspreekpuntOnly, Outcome, Step
from ...domain.veiligheid import AFWEGINGEN, Besluit, Soort
from ..keys import services
from . import csrf
from .households import phase_label
from .i18n import _
from .keys import WHERE
from .regie_forms import day_of, principal_of, texts
from .regie_words import afweging_words, deadline_words, long_day, stagnatie_errors, step_outcome, step_who
from .render import page, redirect

routes = web.RouteTableDef()

BASE = "/huishoudens/{id}/regie/stagnatie"
CASE = BASE + "/zaken/{cid}"
SIGNAL = BASE + "/signalen/{sid}"

SOORTEN = {Soort.ONVEILIGHEID: _("Onveiligheid"), Soort.ONVOLDOENDE_BASISZORG: _("Onvoldoende basiszorg")}
BESLUITEN = {
    Besluit.MELDEN: _("Melden bij Veilig Thuis"),
    Besluit.HULP: _("Hulp bieden of organiseren"),
    Besluit.BEIDE: _("Melden en hulp bieden"),
}
OUTCOMES = {Outcome.INTERN_PLAN: _("Intern plan van aanpak gemaakt"), Outcome.GESPREK: _("Gesprek van de managers")}
#: the steps whose new afspraken (commitment) the regisseur records: step 4's are the case's gemeentelijk
#: aanspreekpunt's (`domain.stagnatie.check_commitment`), so the page offers her no form there, only says who does it
COMMITS_AT = frozenset(int(s) for s in Step if s is not Step.AANSPREEKPUNT)


def _questions() -> dict[str, str]:
    """The five afwegingen of the meldcode in the domain's order, in the reader's words."""
    words = afweging_words()
    return {k: words.get(k, v) for k, v in AFWEGINGEN.items()}


async def _render(
    request: web.Request,
    errors: dict[str, str] | None = None,
    status: int = 422,
    entered: dict[str, str] | None = None,
    key: str = "",
) -> web.Response:
    """The page; with `errors` (field id → text) the form `key` comes back with what was `entered` (`status`)."""
    household_id, principal = await principal_of(request)
    svc = services(request)
    cases = await svc.stagnatie.ladder(principal, household_id, channel=Channel.WEB)
    signals = await svc.veiligheid.signals(principal, household_id, channel=Channel.WEB)
    household = await svc.households.get(principal, household_id)
    goals = await svc.stagnatie.goals(principal, household_id, channel=Channel.WEB)
    members = await svc.betrokkenen.list(principal, household_id)
    people = {b.id: b.name for b in members}
    request[WHERE] = household.name
    return page(
        request,
        "regie_stagnatie.html",
        {
            "household_id": household_id,
            "household": household,
            "phase_label": phase_label,
            # only the moves the method allows from the current phase (`domain.household.ALLOWED_TRANSITIONS`):
            # the current phase itself, or a phase out of reach, could only be refused
            "phases": sorted(ALLOWED_TRANSITIONS[household.phase]),
            "cases": cases,
            "signals": signals,
            "people": people,
            "goals": goals,
            # a case names a goal (or action) of the current plan (`domain.stagnatie.find_goal`): without goals
            # the new case's form could only be refused, so the page says what to do first instead
            "opens_case": bool(goals),
            "professionals": [(b.id, b.name) for b in members if b.kind is Kind.PROFESSIONAL],
            "long": long_day,
            "step_who": step_who,
            "step_outcome": step_outcome,
            "deadline_words": deadline_words,
            "soorten": {k.value: v for k, v in SOORTEN.items()},
            "besluiten": {k.value: v for k, v in BESLUITEN.items()},
            "outcomes": {k.value: v for k, v in OUTCOMES.items()},
            "questions": _questions(),
            # the outcome the regisseur records per step (step 4's actions are the aanspreekpunt's), the last step
            "outcome_of": {int(k): v.value for k, v in OUTCOME_OF_STEP.items() if v in OUTCOMES},
            "last_step": int(max(Step)),
            "commits_at": COMMITS_AT,
            "errors": errors or {},
            "entered": entered or {},
            "form_key": key,
            "notice": request.query.get("gelukt", ""),
        },
        status=status if errors else 200,
    )


@routes.get(BASE)
async def overview(request: web.Request) -> web.Response:
    """The cases with their ladders, the signals, the phase."""
    return await _render(request)


async def _act(
    request: web.Request, action: Any, key: str, notice: str, form: dict[str, str] | None = None
) -> web.Response:
    """Run one use case of the page; a refusal is shown next to the form it came from (`key`), with what was
    typed there (`form`) back in its fields."""
    try:
        await action()
    except ValidationFailed as err:
        return await _render(request, stagnatie_errors(err, key), entered=form, key=key)
    except AanspreekpuntOnly:
        text = _("Dit doet het gemeentelijk aanspreekpunt, niet de regisseur.")
        return await _render(request, {f"{key}-status": text}, 403, entered=form, key=key)
    raise redirect(f"/huishoudens/{request.match_info['id']}/regie/stagnatie?gelukt={notice}#{key}")


@routes.post(BASE + "/fase")
async def change_phase(request: web.Request) -> web.Response:
    """Move the household to another phase, with a reason (the service says when the method does not allow it)."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)

    async def action() -> None:
        value = form.get("naar", "")
        if not value.isdigit() or int(value) not in {p.value for p in Phase}:
            raise ValidationFailed.one("to", "choose a phase")
        await services(request).households.change_phase(
            principal, household_id, Phase(int(value)), form.get("reden") or None
        )

    return await _act(request, action, "fase", "fase", form)


@routes.post(BASE + "/zaken")
async def open_case(request: web.Request) -> web.Response:
    """Open a case at step 1: the goal or action not kept, and with whom (a professional or an organisation)."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)

    async def action() -> None:
        doel, _sep, actie = form.get("doel", "").partition("|")
        await services(request).stagnatie.open(
            principal,
            household_id,
            doel_id=doel,
            actie_id=actie or None,
            betrokkene_id=form.get("met") or None,
            organisatie=form.get("organisatie", ""),
            toelichting=form.get("toelichting", ""),
        )

    return await _act(request, action, "zaak-nieuw", "geopend", form)


@routes.post(CASE + "/escaleren")
async def escalate(request: web.Request) -> web.Response:
    """End the running step without commitment; the next step starts."""
    await csrf.checked_form(request)
    household_id, principal = await principal_of(request)
    cid = request.match_info["cid"]

    async def action() -> None:
        await services(request).stagnatie.escalate(principal, household_id, cid)

    return await _act(request, action, f"zaak-{cid}", "geescaleerd")


@routes.post(CASE + "/uitkomst")
async def outcome(request: web.Request) -> web.Response:
    """Record the running step's outcome (intern plan, managers' meeting) on a date."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)
    cid = request.match_info["cid"]

    async def action() -> None:
        soort = form.get("soort", "")
        if soort not in {o.value for o in OUTCOMES}:
            raise ValidationFailed.one("soort", "choose an outcome")
        await services(request).stagnatie.record_outcome(
            principal,
            household_id,
            cid,
            Outcome(soort),
            datum=day_of(form.get("datum"), "datum"),
            acties=None,
            resultaat=None,
            termijn=None,
        )

    return await _act(request, action, f"zaak-{cid}", "uitkomst", form)


@routes.post(CASE + "/commitment")
async def commitment(request: web.Request) -> web.Response:
    """Record commitment: the new agreements and the plan version that holds them."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)
    cid = request.match_info["cid"]

    async def action() -> None:
        version = form.get("versie", "").strip()
        if not version.isdigit():
            raise ValidationFailed.one("plan_version", "is not a number")
        await services(request).stagnatie.commit(principal, household_id, cid, form.get("afspraken", ""), int(version))

    return await _act(request, action, f"zaak-{cid}", "commitment", form)


@routes.post(BASE + "/signalen")
async def raise_signal(request: web.Request) -> web.Response:
    """Raise a signal of onveiligheid or onvoldoende basiszorg."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)

    async def action() -> None:
        soort = form.get("soort", "")
        if soort not in {s.value for s in Soort}:
            raise ValidationFailed.one("soort", "choose a kind")
        await services(request).veiligheid.raise_signal(
            principal, household_id, Soort(soort), form.get("toelichting", "")
        )

    return await _act(request, action, "nieuw-signaal", "signaal", form)


@routes.post(SIGNAL + "/afhandelen")
async def resolve(request: web.Request) -> web.Response:
    """Resolve a signal with the five afwegingen and the decision."""
    form = dict(texts(await csrf.checked_form(request)))
    household_id, principal = await principal_of(request)
    sid = request.match_info["sid"]

    async def action() -> None:
        besluit = form.get("besluit", "")
        if besluit not in {b.value for b in Besluit}:
            raise ValidationFailed.one("besluit", "choose a decision")
        answers = {k: form.get(k, "") for k in AFWEGINGEN}
        await services(request).veiligheid.resolve(principal, household_id, sid, answers, Besluit(besluit))

    return await _act(request, action, f"signaal-{sid}", "afgehandeld", form)
