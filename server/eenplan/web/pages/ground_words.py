"""The grounds of access in words (B1 Dutch): what `services.grounds` resolved, as a person reads it.

"Fatima heeft toestemming gegeven: 'hulp bij schulden', tot woensdag 31 maart 2027",
"Overmacht tot donderdag 10 december 2026 (besloten door Joost Willems)",
"Als hulpverlener mag u het algemene deel zien, en de doelen en afspraken die over u gaan."

Used by "Wie ziet wat" (each cell of the matrix) and "Wie heeft ons plan bekeken" (each log entry).
`person` is the name of the one who has the access; None speaks to the reader ("u").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from babel.dates import format_date

from ...domain.consent import ConsentMethod
from ...services.grounds import GivenBy, GroundKind, GroundView
from .i18n import SOURCE_LANGUAGE, _


def day(d: date) -> str:
    """A date as the pages write it: "maandag 7 december 2026"."""
    return format_date(d, "EEEE d MMMM y", locale=SOURCE_LANGUAGE)


def role_word(role: str | None) -> str:
    """A role in words ("hulpverlener", "gemeentelijk aanspreekpunt")."""
    words = {
        "ouder": _("ouder"),
        "jeugdige": _("jeugdige"),
        "gezinslid": _("gezinslid"),
        "netwerklid": _("netwerklid"),
        "mantelzorger": _("mantelzorger"),
        "hulpverlener": _("hulpverlener"),
        "procesregisseur": _("procesregisseur"),
        "casusregisseur": _("casusregisseur"),
        "manager": _("manager"),
        "aanspreekpunt": _("gemeentelijk aanspreekpunt"),
    }
    return words.get(role or "", role or _("betrokkene"))


def names_list(names: Sequence[str]) -> str:
    """Names joined the Dutch way: "Fatima", "Fatima en Youssef", "Fatima, Youssef en Khadija"."""
    shown = [n for n in names if n]
    if len(shown) <= 1:
        return "".join(shown)
    return _("{first} en {last}").format(first=", ".join(shown[:-1]), last=shown[-1])


def _how(given: GivenBy) -> str:
    """How one klant's consent was recorded, when not by the klant on the page: paper form or orally."""
    by = given.recorded_by_name or _("de regisseur")
    on = day(given.form_date) if given.form_date else "?"
    if given.method is ConsentMethod.ORAL_URGENT and given.confirmation_due:
        if given.recorded_by is not None:
            text = _("{name} gaf mondeling toestemming op {date}, omdat het dringend was; vastgelegd door {by}").format(
                name=given.name, date=on, by=by
            )
        else:
            text = _("{name} gaf mondeling toestemming, omdat het dringend was").format(name=given.name)
        return text + _(". De schriftelijke bevestiging moet nog komen")
    if given.recorded_by is not None:
        text = _("{name} tekende een formulier op {date}").format(name=given.name, date=on)
        if given.form_reference:
            text += _(" (nummer {reference})").format(reference=given.form_reference)
        return text + _(", vastgelegd door {by}").format(by=by)
    if given.method is ConsentMethod.ORAL_URGENT:
        return _("{name} gaf eerst mondeling toestemming en bevestigde dat later").format(name=given.name)
    return ""


def answer_sentences(
    name: str,
    approved: bool,
    *,
    oral: bool,
    confirmation_due: bool,
    recorded_by: str | None,
    on: date | None,
    reference: str | None,
) -> list[str]:
    """One klant's answer to a consent request in short sentences (B1), worded by how it was given: on the
    page, on a signed form a regisseur put in, or orally in urgency (and whether its written confirmation came)."""
    said = _("{name} zei ja.") if approved else _("{name} zei nee.")
    sentences = [said.format(name=name)]
    when = day(on) if on else "?"
    if oral:
        if recorded_by is not None:
            sentences.append(
                _("{name} gaf mondeling toestemming op {date}, omdat het dringend was.").format(name=name, date=when)
            )
        else:
            sentences.append(_("{name} gaf mondeling toestemming, omdat het dringend was.").format(name=name))
        if confirmation_due:
            if recorded_by is not None:
                sentences.append(_("{by} schreef dit op.").format(by=recorded_by))
                if reference:
                    sentences.append(_("Notitie: {note}.").format(note=reference.rstrip(".")))
            sentences.append(_("De schriftelijke bevestiging moet nog komen."))
        else:
            sentences.append(_("Later kwam de schriftelijke bevestiging."))
        return sentences
    if recorded_by is not None:
        signed = _("{name} tekende een formulier op {date}.").format(name=name, date=when)
        if reference:
            signed = _("{name} tekende een formulier op {date} (nummer {reference}).").format(
                name=name, date=when, reference=reference
            )
        sentences.append(signed)
        sentences.append(_("{by} zette het in eenplan.").format(by=recorded_by))
    return sentences


def consent_words(view: GroundView) -> str:
    """A consent in words: who gave it, for what, until when, and how it was recorded."""
    names = [g.name for g in view.given_by]
    until = day(view.until) if view.until else "?"
    if not names:
        text = _("Er is toestemming gegeven: '{purpose}', tot {until}").format(purpose=view.purpose, until=until)
    elif len(names) == 1:
        text = _("{names} heeft toestemming gegeven: '{purpose}', tot {until}").format(
            names=names[0], purpose=view.purpose, until=until
        )
    else:
        text = _("{names} hebben toestemming gegeven: '{purpose}', tot {until}").format(
            names=names_list(names), purpose=view.purpose, until=until
        )
    how = [h for h in (_how(g) for g in view.given_by) if h]
    return text + (" (" + "; ".join(how) + ")" if how else "")


def ground_text(view: GroundView, *, person: str | None = None, role: str | None = None) -> str:
    """One ground in words; `person` has the access (None: the reader, "u"), `role` is their role's value."""
    if view.kind is GroundKind.TOESTEMMING:
        return consent_words(view)
    if view.kind is GroundKind.OVERMACHT:
        until = day(view.until) if view.until else "?"
        if view.decided_by:
            return _("Overmacht tot {until} (besloten door {name})").format(until=until, name=view.decided_by)
        return _("Overmacht tot {until}").format(until=until)
    if view.kind is GroundKind.ESCALATIE:
        return _("Het gemeentelijk aanspreekpunt helpt omdat de hulp vastliep (stap {step})").format(
            step=view.step or 4
        )
    if view.kind is GroundKind.KLANT:
        if person is None:
            return _("Het plan gaat over u. U mag het hele plan zien.")
        return _("Het plan gaat over {name}. {name} mag het hele plan zien.").format(name=person)
    if view.kind is GroundKind.ROL:
        if person is None:
            return _("Als {role} mag u het hele plan lezen en aanpassen.").format(role=role_word(view.role))
        return _("Als {role} mag {name} het hele plan lezen en aanpassen.").format(
            role=role_word(view.role), name=person
        )
    if view.kind is GroundKind.STANDAARD:
        if person is None:
            return _(
                "Als {role} mag u het algemene deel zien. Bij de doelen en afspraken ziet u alleen wat u zelf doet."
            ).format(role=role_word(role))
        return _(
            "Als {role} mag {name} het algemene deel zien. Bij de doelen en afspraken ziet {name} alleen wat {name}"
            " zelf doet."
        ).format(role=role_word(role), name=person)
    if view.kind is GroundKind.GEEN:
        return nothing_shown()
    return _("Een toestemming of besluit dat niet meer bestaat.")


def nothing_shown() -> str:
    """The words for the ground 'geen': nothing of the plan was reached."""
    return _("Er is niets uit het plan getoond.")


def grounds_text(views: Iterable[GroundView], *, person: str | None = None, role: str | None = None) -> list[str]:
    """Every ground of one cell or log entry in words (['Er is niets uit het plan getoond.'] for none)."""
    texts = [ground_text(v, person=person, role=role) for v in views]
    return texts or [nothing_shown()]
