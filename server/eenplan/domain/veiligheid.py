"""Safety signals (meldcode) [004 §2, §Fase 6b.8] and the escalation grant's scope, as pure rules.

Any professional (or regisseur) may raise a signal of *onveiligheid* or
*onvoldoende basiszorg* in any phase. Resolving it records the meldcode's
five afwegingen and the decision: melden (report to Veilig Thuis), hulp
(offer/organise help) or beide. While a signal is open the trajectory cannot
be closed (phase 6; see `household.check_transition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from .access import Actor
from .betrokkene import Kind
from .errors import FieldProblem, Forbidden, ValidationFailed
from .sections import SECTION_KEYS


class Soort(StrEnum):
    """What a signal is about."""

    ONVEILIGHEID = "onveiligheid"
    ONVOLDOENDE_BASISZORG = "onvoldoende_basiszorg"


class SignaalStatus(StrEnum):
    """Open until resolved with the five afwegingen."""

    OPEN = "open"
    AFGEHANDELD = "afgehandeld"


class Besluit(StrEnum):
    """The meldcode's decision after weighing."""

    MELDEN = "melden"
    HULP = "hulp"
    BEIDE = "beide"


AFWEGINGEN = {
    "huiselijk_geweld": "Is er (een vermoeden van) huiselijk geweld of kindermishandeling?",
    "acute_onveiligheid": "Is er sprake van acute of structurele onveiligheid? (dan melden bij Veilig Thuis)",
    "hulp_mogelijk": "Ben ik in staat effectieve hulp te bieden of te organiseren?",
    "medewerking": "Werken de betrokkenen mee aan de hulp?",
    "duurzame_veiligheid": "Leidt de hulp tot duurzame veiligheid?",
}


@dataclass(frozen=True)
class Signaal:
    """One safety signal of a household."""

    id: str
    household_id: str
    soort: Soort
    toelichting: str
    phase: int
    raised_by: str
    raised_at: datetime
    status: SignaalStatus = SignaalStatus.OPEN
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    afwegingen: dict[str, str] | None = None
    besluit: Besluit | None = None

    def as_dict(self, *, with_content: bool) -> dict[str, Any]:
        """The signal as the API shows it; its toelichting and afwegingen only `with_content`."""
        out: dict[str, Any] = {
            "id": self.id,
            "soort": self.soort.value,
            "phase": self.phase,
            "raised_by": self.raised_by,
            "raised_at": self.raised_at.isoformat(),
            "status": self.status.value,
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "besluit": self.besluit.value if self.besluit else None,
        }
        if with_content:
            out.update(toelichting=self.toelichting, afwegingen=self.afwegingen)
        return out


def require_professional(actor: Actor, what: str) -> None:
    """Safety signals are raised and handled by professionals (and regisseurs)."""
    if actor.kind is not Kind.PROFESSIONAL and not actor.is_regisseur:
        raise Forbidden(f"only a professional may {what}")


def check_resolution(signaal: Signaal, actor: Actor, afwegingen: dict[str, str]) -> None:
    """The raiser or a regisseur resolves an open signal, answering all five afwegingen."""
    if signaal.status is not SignaalStatus.OPEN:
        raise ValidationFailed.one("status", "the signal is already resolved")
    if actor.betrokkene_id != signaal.raised_by and not actor.is_regisseur:
        raise Forbidden("only the professional who raised the signal or a regisseur may resolve it")
    problems = [
        FieldProblem(f"afwegingen.{k}", "must be answered")
        for k in AFWEGINGEN
        if len((afwegingen.get(k) or "").strip()) < 2
    ]
    problems += [
        FieldProblem(f"afwegingen.{k}", "is not one of the five afwegingen")
        for k in sorted(set(afwegingen) - set(AFWEGINGEN))
    ]
    if problems:
        raise ValidationFailed(problems)


def needs_signature(veiligheidsplan: dict[str, Any] | None, last_voortgangsoverleg: date | None) -> bool:
    """Whether the klant must (re-)sign: a plan without a signature, or signed before the last voortgangsoverleg."""
    if not veiligheidsplan:
        return False
    signed = veiligheidsplan.get("handtekening")
    if not signed:
        return True
    return last_voortgangsoverleg is not None and date.fromisoformat(signed["datum"]) < last_voortgangsoverleg


#: the aanspreekpunt needs contact and coordination data like every professional betrokkene; not excludable
NOT_EXCLUDABLE = frozenset({"algemeen"})


def check_exclusions(sections: list[str]) -> tuple[str, ...]:
    """Validate the klant's list of sections kept from the gemeentelijk aanspreekpunt."""
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        raise ValidationFailed.one("sections", f"unknown section(s): {', '.join(unknown)}")
    if NOT_EXCLUDABLE & set(sections):
        raise ValidationFailed.one(
            "sections",
            "algemeen (contact and coordination) is shared with every professional betrokkene and cannot be excluded",
        )
    return tuple(k for k in SECTION_KEYS if k in sections)


def escalation_sections(excluded: tuple[str, ...]) -> tuple[str, ...]:
    """What the escalation grant covers: every section except those the klant explicitly excluded."""
    return tuple(k for k in SECTION_KEYS if k not in excluded)


def guard_signature(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """Keep the klant's signature honest on an ordinary plan change.

    Nobody but the klant signs (through the signing endpoint): a change that sets or alters
    `handtekening` is refused. A change to any other part of the veiligheidsplan drops the
    signature, because the klant did not sign the new text.
    """
    if new is None:
        return None
    old_signature = (old or {}).get("handtekening")
    new_signature = new.get("handtekening")
    if new_signature is not None and new_signature != old_signature:
        raise ValidationFailed.one(
            "veiligheidsplan.handtekening", "only the klant signs, through POST …/veiligheidsplan/handtekening"
        )
    body = {k: v for k, v in new.items() if k != "handtekening"}
    old_body = {k: v for k, v in (old or {}).items() if k != "handtekening"}
    if new_signature is not None and body != old_body:
        return {**new, "handtekening": None}
    return new
