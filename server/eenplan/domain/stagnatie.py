"""Stagnatie: the four-step escalation ladder of 1G1P1R Zuid-Limburg [001 Deel II], as pure rules.

When a professional does not keep an agreement from the plan, the regisseur
opens a case naming the goal (and action) not kept and the professional or
organisation concerned. Each step has who acts, the outcome it must reach and
its deadlines; it ends with **commitment** (new agreements, linked to a plan
version) or **escalation** to the next step.

Deadlines (every werkdag sum goes through the `Werkdagen` port):

- step 1 and 2: the source names no term; eenplan uses 5 werkdagen (the term
  the source uses for commitment in steps 3 and 4), so that nothing stalls
  unseen. A local choice, documented in the README.
- step 3: the managers meet "binnen maximaal twee weken" → 14 calendar days
  after the step started; commitment "binnen vijf werkdagen" → 5 werkdagen
  after the meeting (until it is recorded: after the meeting's deadline).
- step 4: commitment within 5 werkdagen after the escalation; the
  aanspreekpunt records actions, result and term "binnen 1 week" → 7
  calendar days.

A term in calendar days that ends on a Saturday, Sunday or holiday moves to the
next werkdag (Algemene termijnenwet, art. 1), via ``add_werkdagen(d, 0)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any, Protocol

from .errors import FieldProblem, Forbidden, ValidationFailed


class Werkdagen(Protocol):
    """The calendar module's werkdag arithmetic (structurally the same as ports.Werkdagen)."""

    def add_werkdagen(self, start: date, n: int) -> date: ...
    def werkdagen_between(self, a: date, b: date) -> int: ...


class Step(IntEnum):
    """The four steps of the ladder."""

    BILATERAAL = 1
    INTERN = 2
    MANAGERS = 3
    AANSPREEKPUNT = 4


class CaseStatus(StrEnum):
    """Where a case stands."""

    OPEN = "open"  # a step is running
    OPGELOST = "opgelost"  # commitment reached (at step 4: and handed back)


class StepEnd(StrEnum):
    """How a step ended."""

    COMMITMENT = "commitment"
    ESCALATIE = "escalatie"


class Outcome(StrEnum):
    """Intermediate outcomes a step records before commitment or escalation."""

    INTERN_PLAN = "intern_plan"  # step 2: the regisseur's manager made an internal plan
    GESPREK = "gesprek"  # step 3: the managers met
    ACTIES = "acties"  # step 4: the aanspreekpunt recorded actions, result and term


@dataclass(frozen=True)
class DeadlineRule:
    """One deadline of a step: `werkdagen` or `kalenderdagen` after the step start (or after `after`)."""

    key: str
    label: str
    werkdagen: int | None = None
    kalenderdagen: int | None = None
    after: str | None = None  # an outcome whose date, once recorded, is the base instead


@dataclass(frozen=True)
class StepRule:
    """Who acts in a step, what it must produce, and by when."""

    step: Step
    who: str
    outcome: str
    deadlines: tuple[DeadlineRule, ...]


RULES: dict[Step, StepRule] = {
    Step.BILATERAAL: StepRule(
        Step.BILATERAAL,
        "casusregisseur en de betrokken professional (bilateraal)",
        "nieuwe afspraken",
        (DeadlineRule("commitment", "nieuwe afspraken", werkdagen=5),),
    ),
    Step.INTERN: StepRule(
        Step.INTERN,
        "casusregisseur met de eigen manager/coördinator",
        "intern plan van aanpak",
        (DeadlineRule("intern_plan", "intern plan", werkdagen=5),),
    ),
    Step.MANAGERS: StepRule(
        Step.MANAGERS,
        "manager van de regisseur met de manager van de andere professional",
        "gesprek binnen twee weken, daarna binnen vijf werkdagen nieuwe afspraken",
        (
            DeadlineRule("gesprek", "gesprek managers", kalenderdagen=14),
            DeadlineRule("commitment", "nieuwe afspraken", werkdagen=5, after="gesprek"),
        ),
    ),
    Step.AANSPREEKPUNT: StepRule(
        Step.AANSPREEKPUNT,
        "gemeentelijk aanspreekpunt (doorzettingsmacht)",
        "binnen één week acties, resultaat en termijn; binnen vijf werkdagen nieuwe afspraken",
        (
            DeadlineRule("acties", "acties, resultaat en termijn vastgelegd", kalenderdagen=7),
            DeadlineRule("commitment", "nieuwe afspraken", werkdagen=5),
        ),
    ),
}

#: which outcome each step may record (besides commitment and escalation)
OUTCOME_OF_STEP = {Step.INTERN: Outcome.INTERN_PLAN, Step.MANAGERS: Outcome.GESPREK, Step.AANSPREEKPUNT: Outcome.ACTIES}


@dataclass(frozen=True)
class StepRecord:
    """What happened in one step of one case."""

    step: Step
    started_on: date
    started_by: str
    ended_on: date | None = None
    ended_by: StepEnd | None = None
    intern_plan_on: date | None = None
    gesprek_on: date | None = None
    acties: str | None = None
    resultaat: str | None = None
    termijn: date | None = None
    acties_on: date | None = None
    commitment_on: date | None = None
    afspraken: str | None = None
    plan_version: int | None = None

    def done_on(self, key: str) -> date | None:
        """When the deadline `key` was met (None: not yet)."""
        return {
            "commitment": self.commitment_on,
            "intern_plan": self.intern_plan_on,
            "gesprek": self.gesprek_on,
            "acties": self.acties_on,
        }[key]


@dataclass(frozen=True)
class Deadline:
    """One computed deadline of a step."""

    step: Step
    key: str
    label: str
    due: date
    done_on: date | None
    overdue: bool

    def as_dict(self) -> dict[str, Any]:
        """The deadline as the API shows it."""
        return {
            "key": self.key,
            "label": self.label,
            "due": self.due.isoformat(),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class Case:
    """A stagnation case of one household."""

    id: str
    household_id: str
    doel_id: str
    actie_id: str | None
    betrokkene_id: str | None
    organisatie: str
    toelichting: str
    step: Step
    status: CaseStatus
    opened_by: str
    opened_at: datetime
    opened_on: date
    steps: tuple[StepRecord, ...] = field(default_factory=tuple)
    solved_on: date | None = None
    solved_step: Step | None = None
    aanspreekpunt_id: str | None = None
    afgeschaald_at: datetime | None = None

    @property
    def current(self) -> StepRecord:
        """The record of the step the case is at."""
        return next(s for s in self.steps if s.step == self.step)


def _due(cal: Werkdagen, base: date, rule: DeadlineRule) -> date:
    if rule.werkdagen is not None:
        return cal.add_werkdagen(base, rule.werkdagen)
    return cal.add_werkdagen(base + timedelta(days=rule.kalenderdagen or 0), 0)  # Algemene termijnenwet


def step_deadlines(record: StepRecord, cal: Werkdagen, today: date, *, running: bool) -> list[Deadline]:
    """The deadlines of one step; a deadline is overdue when its step runs, it is not met and today is past it."""
    out: list[Deadline] = []
    due_of: dict[str, date] = {}
    for rule in RULES[record.step].deadlines:
        base = record.started_on
        if rule.after is not None:
            base = record.done_on(rule.after) or due_of[rule.after]
        due = _due(cal, base, rule)
        due_of[rule.key] = due
        done = record.done_on(rule.key)
        out.append(
            Deadline(record.step, rule.key, rule.label, due, done, overdue=running and done is None and today > due)
        )
    return out


def case_deadlines(case: Case, cal: Werkdagen, today: date) -> dict[Step, list[Deadline]]:
    """Every step's deadlines; only the running step of an open case can be overdue."""
    return {
        r.step: step_deadlines(
            r, cal, today, running=case.status is CaseStatus.OPEN and r.step == case.step and r.ended_on is None
        )
        for r in case.steps
    }


#: What a step produces before the ladder goes on [001 Deel II]: step 2 the internal plan (the casusregisseur's
#: manager then goes to the other manager with it), step 3 the managers' conversation (no commitment after it:
#: the gemeente). Step 1 goes on whenever the bilateral talk brings no new agreements.
ESCALATION_NEEDS: dict[Step, Outcome] = {Step.INTERN: Outcome.INTERN_PLAN, Step.MANAGERS: Outcome.GESPREK}


def check_escalation(case: Case, cal: Werkdagen, today: date) -> Step:
    """The step an escalation moves to, or a 422 naming why it cannot: the case is solved, at the last step, or
    the running step's outcome (ESCALATION_NEEDS) is neither recorded nor overdue — a step that stalled past
    its deadline may go on without it, one still within its term may not be skipped."""
    if case.status is not CaseStatus.OPEN:
        raise ValidationFailed.one("status", "the case is solved; open a new case for new stagnation")
    if case.step is Step.AANSPREEKPUNT:
        raise ValidationFailed.one("step", "step 4 is the last step: the aanspreekpunt hands back (afschalen)")
    needed = ESCALATION_NEEDS.get(case.step)
    if needed is not None:
        record = case.current
        (deadline,) = [d for d in step_deadlines(record, cal, today, running=True) if d.key == needed.value]
        if deadline.done_on is None and not deadline.overdue:
            raise ValidationFailed.one(
                needed.value,
                f"record the outcome '{needed.value}' of step {int(case.step)} before escalating, "
                f"or escalate after its deadline ({deadline.due.isoformat()}) has passed",
            )
    return Step(case.step + 1)


def check_outcome(case: Case, outcome: Outcome) -> None:
    """Refuse an outcome that does not belong to the running step."""
    if case.status is not CaseStatus.OPEN:
        raise ValidationFailed.one("status", "the case is solved")
    if OUTCOME_OF_STEP.get(case.step) is not outcome:
        raise ValidationFailed.one("soort", f"step {int(case.step)} records no '{outcome.value}'")


def check_commitment(case: Case, plan_version: int, current_version: int, *, by: str) -> None:
    """Commitment needs a running step and a plan version that exists (the new agreements' plan change).

    At step 4 it is the gemeente's act: only the case's aanspreekpunt (`by` is the caller's betrokkene id)
    records it, not a regisseur in the gemeente's place [001 Deel II]."""
    if case.step is Step.AANSPREEKPUNT and case.status is CaseStatus.OPEN:
        require_aanspreekpunt(case, by, "record the commitment of step 4")
    if case.status is not CaseStatus.OPEN or case.current.commitment_on is not None:
        raise ValidationFailed.one("status", "this step already ended")
    if not 1 <= plan_version <= current_version:
        raise ValidationFailed.one("plan_version", f"must be an existing plan version (1–{current_version})")


class AanspreekpuntOnly(Forbidden):
    """An act only the case's gemeentelijk aanspreekpunt may do (step 4, afschalen): a page can say who does it
    by this type, not by the wording of the message (an API answer is the plain 403 `forbidden`)."""


def require_aanspreekpunt(case: Case, by: str, what: str) -> None:
    """Step 4 is the gemeentelijk aanspreekpunt's (doorzettingsmacht): `AanspreekpuntOnly` for anyone else."""
    if case.aanspreekpunt_id is None or by != case.aanspreekpunt_id:
        raise AanspreekpuntOnly(f"only the gemeentelijk aanspreekpunt of this case may {what}")


#: the step-4 outcome the aanspreekpunt records before handing back: each field as a user reads it
STEP4_OUTCOME = {"acties": "its actions", "resultaat": "the result", "termijn": "the term (termijn)"}


def check_afschalen(case: Case, *, by: str) -> None:
    """Afschalen is the end of step 4, by the case's aanspreekpunt (`by`: the caller's betrokkene id):
    after it recorded actions, result and term and the commitment, while it is still involved."""
    if case.step is not Step.AANSPREEKPUNT or case.afgeschaald_at is not None:
        raise ValidationFailed.one("step", "only a case at step 4 that was not yet handed back can be afgeschaald")
    require_aanspreekpunt(case, by, "hand the case back (afschalen)")
    record = case.current
    missing = [f for f in STEP4_OUTCOME if not getattr(record, f)]
    if missing:
        raise ValidationFailed(
            [
                FieldProblem(
                    f,
                    f"the gemeentelijk aanspreekpunt records {STEP4_OUTCOME[f]} (uitkomst 'acties') "
                    "before handing the case back",
                )
                for f in missing
            ]
        )
    if record.commitment_on is None:
        raise ValidationFailed.one("commitment", "record the commitment (new agreements) before handing back")


def find_goal(doelen: list[dict[str, Any]], doel_id: str, actie_id: str | None) -> None:
    """Refuse a case that names no goal (or action) of the current plan."""
    goal = next((g for g in doelen or [] if g.get("id") == doel_id), None)
    if goal is None:
        raise ValidationFailed.one("doel_id", "is not a goal of the current plan")
    if actie_id is not None and not any(a.get("id") == actie_id for a in goal.get("acties", [])):
        raise ValidationFailed.one("actie_id", "is not an action of that goal")


@dataclass(frozen=True)
class Aanspreekpunt:
    """The gemeentelijk aanspreekpunt of one gemeente, with its pinned OpenPGP key."""

    gemeente: str
    name: str
    email: str
    fingerprint: str
    algorithm: str
    expires_at: datetime | None
    created_at: datetime

    @property
    def key(self) -> str:
        """The registry key of its gemeente."""
        return gemeente_key(self.gemeente)

    def as_dict(self) -> dict[str, Any]:
        """The registry entry as the API shows it (public contact data of an official role)."""
        return {
            "gemeente": self.gemeente,
            "name": self.name,
            "email": self.email,
            "fingerprint": self.fingerprint,
            "algorithm": self.algorithm,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def gemeente_key(gemeente: str) -> str:
    """A gemeente's name as the registry matches it: trimmed, case-insensitive, single spaces."""
    key = " ".join(gemeente.split()).casefold()
    if not key or len(key) > 100:
        raise ValidationFailed.one("gemeente", "must be 1–100 characters")
    return key
