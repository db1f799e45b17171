"""Words for the regisseur's pages: a calendar day explained, the steps of the stagnation ladder, and the services'
refusals as Dutch texts next to the field a form shows them at (the services' own messages are English and for
developers; the domain names steps and deadlines by code, the pages give the words)."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from ...domain.errors import ValidationFailed
from ...domain.household import Phase
from ...domain.stagnatie import Step
from ...services.overleg_window import DayKind, WindowDay
from .households import phase_label
from .i18n import SOURCE_LANGUAGE, _


def day_words(day: WindowDay) -> str:
    """Why a day of the window counts or not, in words (shown in the cell and read by screen readers)."""
    if day.kind is DayKind.FEESTDAG:
        name = day.holiday or ""
        if name == "Sluitingsdag":
            return _("Sluitingsdag: geen werkdag")
        return _("Feestdag (%(name)s): geen werkdag") % {"name": name}
    if day.kind is DayKind.WEEKEND:
        return _("Weekend")
    if day.in_window:
        return _("Werkdag in het venster")
    return _("Werkdag")


def long_day(iso: str | None) -> str:
    """An ISO date (a day the service's view gives, never a moment) in words ("maandag 7 december 2026")."""
    if not iso:
        return ""
    return format_date(date.fromisoformat(iso), "EEEE d MMMM y", locale=SOURCE_LANGUAGE)


def step_who(step: int) -> str:
    """Who acts in a step of the stagnation ladder, in words (the ladder's "Wie" column)."""
    words = {
        Step.BILATERAAL: _("casusregisseur en de betrokken professional (bilateraal)"),
        Step.INTERN: _("casusregisseur met de eigen manager/coördinator"),
        Step.MANAGERS: _("manager van de regisseur met de manager van de andere professional"),
        Step.AANSPREEKPUNT: _("gemeentelijk aanspreekpunt (doorzettingsmacht)"),
    }
    return words[Step(step)]


def step_outcome(step: int) -> str:
    """What a step of the ladder must bring, in words (the ladder's "Wat er moet komen")."""
    words = {
        Step.BILATERAAL: _("nieuwe afspraken"),
        Step.INTERN: _("intern plan van aanpak"),
        Step.MANAGERS: _("gesprek binnen twee weken, daarna binnen vijf werkdagen nieuwe afspraken"),
        Step.AANSPREEKPUNT: _("binnen één week acties, resultaat en termijn; binnen vijf werkdagen nieuwe afspraken"),
    }
    return words[Step(step)]


def deadline_words(key: str) -> str:
    """A deadline of the ladder (by the domain's key: commitment, intern_plan, gesprek, acties), in words."""
    words = {
        "commitment": _("nieuwe afspraken"),
        "intern_plan": _("intern plan"),
        "gesprek": _("gesprek managers"),
        "acties": _("acties, resultaat en termijn vastgelegd"),
    }
    return words.get(key, _("termijn"))


def afweging_words() -> dict[str, str]:
    """The five afwegingen of the meldcode as questions, by the domain's keys (in its order)."""
    return {
        "huiselijk_geweld": _("Is er (een vermoeden van) huiselijk geweld of kindermishandeling?"),
        "acute_onveiligheid": _("Is er sprake van acute of structurele onveiligheid? (dan melden bij Veilig Thuis)"),
        "hulp_mogelijk": _("Ben ik in staat effectieve hulp te bieden of te organiseren?"),
        "medewerking": _("Werken de betrokkenen mee aan de hulp?"),
        "duurzame_veiligheid": _("Leidt de hulp tot duurzame veiligheid?"),
    }


def _overleg_text(field: str, problem: str, one: bool) -> tuple[str, str]:
    """The form field and the Dutch text for one problem the overleg services named."""
    head = field.split(".")[0].split("[")[0]
    if head == "next" or field == "next_overleg":
        if "window" in problem:
            return "volgende", _("Deze tijd ligt buiten het venster. Kies een andere tijd.")
        if "future" in problem or "after start" in problem or "time" in problem or "date" in problem:
            return "volgende", _("Vul een datum en tijden in de toekomst in. Het einde komt na het begin.")
        return "volgende", _("Plan het volgende overleg. Of schrijf op waarom er geen volgend overleg komt.")
    if head in ("options", "start", "end"):
        if "window" in problem:
            return "optie", _(
                "Deze tijd ligt buiten het venster van 5 tot 15 werkdagen. Kies een tijd in het venster. "
                "Of schrijf op waarom het eerder of later moet."
            )
        if "future" in problem:
            return "optie", _("Deze tijd is al voorbij. Kies een tijd in de toekomst.")
        if "after start" in problem or "hours" in problem or "time" in problem or "date" in problem:
            return "optie", _("Vul een datum en tijden in. Het einde komt na het begin, binnen 8 uur.")
        if one:
            return "optie", _("Kies één tijd.")
        return "optie", _("Kies een of meer tijden (hoogstens 20).")
    if head == "initiated" or field == "gestart":
        if "future" in problem:
            return "gestart", _("De startdatum ligt in de toekomst. Vul de dag in waarop het huishouden startte.")
        return "gestart", _("Vul de startdatum in.")
    if head == "invitees":
        return "moet", _("Kies wie erbij moet zijn.")
    if head == "adopted_version":
        return "versie", _("Deze versie bestaat niet, of is al vastgesteld.")
    if head == "status":
        if "started" in problem:
            return "status", _("U kunt een overleg pas afsluiten als het begonnen is.")
        return "status", _("Dit overleg is al geweest of gaat niet door. U kunt het niet meer veranderen.")
    if head == "reason":
        return "reden", _("Schrijf de reden korter op.")
    return "status", _("Dit lukte niet. Kijk de gegevens na.")


def overleg_errors(err: ValidationFailed, *, one: bool = False) -> dict[str, str]:
    """The refusal of an overleg or poll use case as form field → Dutch text (the first problem per field)."""
    out: dict[str, str] = {}
    for p in err.problems:
        field, text = _overleg_text(p.field, p.problem.lower(), one)
        out.setdefault(field, text)
    return out


def _phase_text(problem: str) -> str:
    """The refusal of a phase move in words: an open signal, or which phases may follow."""
    if "safety signal" in problem:
        return _(
            "Afsluiten kan nu niet: er staat nog een veiligheidssignaal open. "
            "Handel het signaal eerst af: de vijf afwegingen en een besluit."
        )
    if "allowed:" in problem:
        allowed = [int(n) for n in re.findall(r"(\d) \(", problem.split("allowed:", 1)[1])]
        names = ", ".join(phase_label(Phase(n)) for n in allowed)
        return _("Die fase kan nu niet. Vanuit de fase van nu kan het huishouden naar: %(names)s.") % {"names": names}
    return _("Kies een fase.")


def _stagnatie_text(field: str, problem: str) -> tuple[str, str]:
    """The form field (suffix) and the Dutch text for one problem the stagnatie or veiligheid service named."""
    if field == "to":
        return "naar", _phase_text(problem)
    if field.startswith("afwegingen."):
        return field.split(".", 1)[1], _("Beantwoord deze vraag.")
    texts = {
        "soort": _("Kies wat er gebeurd is. Bij deze stap hoort een andere uitkomst."),
        "datum": _("Kies een datum tussen de start van de stap en vandaag."),
        "afspraken": _("Schrijf de nieuwe afspraken op."),
        "plan_version": _("Kies een versie van het plan die bestaat."),
        "besluit": _("Kies een besluit."),
    }
    if field in texts:
        return ("versie" if field == "plan_version" else field), texts[field]
    if field == "intern_plan":  # escalating from step 2 before its outcome (or its deadline): next to that form
        return "soort", _(
            "Leg eerst vast wanneer het interne plan van aanpak klaar was. Escaleren kan ook als de termijn voorbij is."
        )
    if field == "gesprek":
        return "soort", _(
            "Leg eerst vast wanneer de managers met elkaar spraken. Escaleren kan ook als de termijn voorbij is."
        )
    if field in ("doel_id", "actie_id"):
        return "doel", _("Kies een doel of actie uit het plan van nu.")
    if field == "betrokkene_id":
        return "met", _("Kies de professional. Of vul de organisatie in.")
    if field in ("acties", "resultaat", "termijn"):
        return "status", _("Het gemeentelijk aanspreekpunt legt eerst acties, resultaat en termijn vast.")
    if field == "step" and "afgeschaald" in problem:
        return "status", _("Afschalen kan alleen bij stap 4, door het gemeentelijk aanspreekpunt.")
    if field == "step":
        return "status", _("Dit is de laatste stap. Het gemeentelijk aanspreekpunt geeft de zaak terug (afschalen).")
    if field == "status" and "solved" in problem:
        return "status", _("Deze zaak is al opgelost. Is er weer stagnatie? Open dan een nieuwe zaak.")
    if field == "status":
        return "status", _("Deze stap is al klaar.")
    return "status", _("Dit lukte niet. Kijk de gegevens na.")


def stagnatie_errors(err: ValidationFailed, key: str) -> dict[str, str]:
    """A refusal of the stagnatie, veiligheid or phase use cases as `<key>-<field>` → Dutch text (first per field);
    `key` names the form on the page (a case, a signal, the phase)."""
    out: dict[str, str] = {}
    for p in err.problems:
        field, text = _stagnatie_text(p.field, p.problem.lower())
        out.setdefault(f"{key}-{field}", text)
    return out
