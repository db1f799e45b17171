"""How stagnation cases look in the API, and the neutral texts of stagnatie notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.access import CASE_TEXT_SECTIONS, Access, may_read_case_text
from ..domain.audit import AccessEvent, Channel, Event
from ..domain.betrokkene import Betrokkene, Role, is_regisseur
from ..domain.ports import Werkdagen
from ..domain.stagnatie import RULES, Case, Step, case_deadlines
from .plan import PlanService

#: the free text of a case and of each of its steps (about goals and agreements: care content)
CASE_TEXT = ("toelichting",)
STEP_TEXT = ("acties", "resultaat", "afspraken")

#: neutral, content-free notices (no names, no plan content); the recipient logs in to see what they may
NOTICES = {
    "start": "Het gemeentelijk aanspreekpunt is ingeschakeld in de samenwerking rond een huishouden\n"
    "waar u bij betrokken bent.",
    "voortgang": "Er is voortgang vastgelegd in de samenwerking rond een huishouden waar u bij betrokken bent.",
    "einde": "Het gemeentelijk aanspreekpunt heeft de regie teruggegeven aan de regisseur (afgeschaald).",
    "termijn": "Een termijn in de samenwerking rond een huishouden waar u bij betrokken bent is verstreken.",
}
NOTICE_FOOTER = "\n\nDe inhoud staat niet in dit bericht. Log in om te zien wat u mag zien.\n"


def case_dict(case: Case, cal: Werkdagen, today: date) -> dict[str, Any]:
    """A case as the API shows it: every step with who acts, the required outcome, deadlines and overdue flags."""
    deadlines = case_deadlines(case, cal, today)
    steps = []
    for r in case.steps:
        rule = RULES[r.step]
        steps.append(
            {
                "step": int(r.step),
                "who": rule.who,
                "required_outcome": rule.outcome,
                "started_on": r.started_on.isoformat(),
                "ended_on": _iso(r.ended_on),
                "ended_by": r.ended_by.value if r.ended_by else None,
                "intern_plan_on": _iso(r.intern_plan_on),
                "gesprek_on": _iso(r.gesprek_on),
                "acties": r.acties,
                "resultaat": r.resultaat,
                "termijn": _iso(r.termijn),
                "acties_on": _iso(r.acties_on),
                "commitment_on": _iso(r.commitment_on),
                "afspraken": r.afspraken,
                "plan_version": r.plan_version,
                "deadlines": [d.as_dict() for d in deadlines[r.step]],
                "overdue": any(d.overdue for d in deadlines[r.step]),
            }
        )
    return {
        "id": case.id,
        "household_id": case.household_id,
        "doel_id": case.doel_id,
        "actie_id": case.actie_id,
        "betrokkene_id": case.betrokkene_id,
        "organisatie": case.organisatie,
        "toelichting": case.toelichting,
        "step": int(case.step),
        "status": case.status.value,
        "opened_by": case.opened_by,
        "opened_on": case.opened_on.isoformat(),
        "solved_on": _iso(case.solved_on),
        "solved_step": int(case.solved_step) if case.solved_step else None,
        "aanspreekpunt_id": case.aanspreekpunt_id,
        "afgeschaald": case.afgeschaald_at is not None,
        "overdue": any(s["overdue"] for s in steps),
        "steps": steps,
    }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def shown_cases(
    plan: PlanService, access: Access, cases: list[dict[str, Any]], channel: Channel = Channel.API
) -> tuple[list[dict[str, Any]], list[AccessEvent]]:
    """Cases cut to the caller by the policy (`may_read_case_text`), and the access-log entry of exactly
    what they show: `doelen` and `afspraken` only when some free text was shown, none when redacted."""
    if not cases:
        return cases, []
    if not may_read_case_text(access):
        for case in cases:
            case.update(dict.fromkeys(CASE_TEXT))
            for step in case["steps"]:
                step.update(dict.fromkeys(STEP_TEXT))
    with_text = sum(
        1 for c in cases if any(c[k] for k in CASE_TEXT) or any(st[k] for st in c["steps"] for k in STEP_TEXT)
    )
    sections = CASE_TEXT_SECTIONS if with_text else ()
    detail = (
        f"stagnatie: {len(cases)} zaak/zaken, {with_text} met toelichting"
        if len(cases) > 1
        else f"stagnatie {cases[0]['id']}: {'met' if with_text else 'zonder'} toelichting"
    )
    return cases, [plan.access_event(access, Event.READ, sections, channel, detail)]


def responsible(case: Case, members: list[Betrokkene]) -> set[str]:
    """Who is told of an overdue deadline: the regisseurs and whoever acts in the running step."""
    ids = {b.id for b in members if is_regisseur(b.role)}
    if case.step is Step.BILATERAAL and case.betrokkene_id:
        ids.add(case.betrokkene_id)
    if case.step in (Step.INTERN, Step.MANAGERS):
        ids |= {b.id for b in members if b.role is Role.MANAGER}
    if case.step is Step.AANSPREEKPUNT and case.aanspreekpunt_id:
        ids.add(case.aanspreekpunt_id)
    return ids & {b.id for b in members}
