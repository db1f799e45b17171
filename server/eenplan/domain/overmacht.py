"""Overmacht: sharing without consent, only after answering the method's five questions [001 §6.2].

Both the decision to share and the decision not to share are recorded. A
decision to share grants read access to the narrowest scope named in
question 5, for a limited time; every use is flagged as emergency access in
the access log, and the klant can see the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .access import Actor, Grant
from .betrokkene import Kind
from .errors import FieldProblem, Forbidden, ValidationFailed
from .grants import GrantKind, grant_from

MAX_DAYS = 14

QUESTIONS = {
    "doel": "Welk doel dient het delen?",
    "zonder_delen": "Kan dat doel ook zonder delen worden bereikt?",
    "toestemming_vragen": "Is toestemming vragen mogelijk en verantwoord, en is alles gedaan om die te krijgen?",
    "afweging": "Weegt het gevaar of ernstige nadeel zwaarder dan het belang van geheimhouding?",
    "welke_informatie": "Welke informatie heeft de ander echt nodig?",
}


class Besluit(StrEnum):
    """The professional's decision."""

    DELEN = "delen"
    NIET_DELEN = "niet_delen"


@dataclass(frozen=True)
class Overmacht:
    """A recorded decision to share (or not) without consent."""

    id: str
    household_id: str
    professional_id: str
    recipient_id: str
    answers: dict[str, str]
    besluit: Besluit
    sections: tuple[str, ...]
    until: date
    created_at: datetime

    def as_grant(self) -> Grant | None:
        """Read access to the named sections for the recipient, flagged as emergency; None if not shared."""
        if self.besluit is not Besluit.DELEN:
            return None
        return grant_from(GrantKind.OVERMACHT, self.id, self.sections, None, self.until)


def check_overmacht(
    actor: Actor, answers: dict[str, str], besluit: Besluit, sections: list[str], until: date | None, today: date
) -> date:
    """Validate a record: a professional, all five answers, a scope when sharing; returns the last day."""
    if actor.kind is not Kind.PROFESSIONAL:
        raise Forbidden("only a professional may record an overmacht decision")
    problems = [
        FieldProblem(f"vragen.{key}", "must be answered")
        for key in QUESTIONS
        if len((answers.get(key) or "").strip()) < 3
    ]
    unknown = sorted(set(answers) - set(QUESTIONS))
    problems += [FieldProblem(f"vragen.{key}", "is not one of the five questions") for key in unknown]
    if besluit is Besluit.DELEN and not sections:
        problems.append(FieldProblem("sections", "must name the narrowest scope (question 5)"))
    last = until or today + timedelta(days=7)
    if last < today or (last - today).days > MAX_DAYS:
        problems.append(FieldProblem("until", f"must be within {MAX_DAYS} days from today"))
    if problems:
        raise ValidationFailed(problems)
    return last
