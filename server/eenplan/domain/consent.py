"""Toestemming: the klant's consent to share sections with a betrokkene, and who must give it.

Consent is never general: it names the purpose, the sections, with whom, and
until when [001 §6.1]. Who must consent follows an age policy, because the
sources differ:

- ``methode`` (default, 1G1P1R Zuid-Limburg): under 12 the parents decide;
  from 12 to 16 the parents *and* the youth; from 16 the youth alone.
- ``twaalf_zelf``: from 12 the youth decides alone.

Adults consent for themselves. A birthday changes the rule that very day
(ages are computed on the Europe/Amsterdam date).

Who must consent is fixed when the request is made (`Consent.required`). A
change to the people that matters for it — a required klant's kind, role or
birth date, a removal, or anything that changes who the rule now names —
re-opens a pending or granted request (`needs_reopening`): its answers are
cleared and the set recomputed, so nobody can consent "without the parent"
by briefly recording the parent as someone else. Removing a person the request
needs, or is about, ends it (`ends_on_removal`: 'ingetrokken'); a new request
is made for whoever is recorded next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .access import Grant, Level
from .betrokkene import Betrokkene, Kind, Role
from .errors import ValidationFailed
from .grants import GrantKind, grant_from

CONSENT_POLICIES = ("methode", "twaalf_zelf")
ADULT = 18


class ConsentStatus(StrEnum):
    """Where a consent request stands."""

    REQUESTED = "aangevraagd"
    GRANTED = "verleend"
    DECLINED = "geweigerd"
    REVOKED = "ingetrokken"


class ConsentMethod(StrEnum):
    """How consent was given: in writing, or orally in urgency (written confirmation due)."""

    WRITTEN = "schriftelijk"
    ORAL_URGENT = "mondeling_urgent"


@dataclass(frozen=True)
class Approval:
    """One klant's answer to a request."""

    betrokkene_id: str
    approved: bool
    method: ConsentMethod | None
    at: datetime
    confirmed_at: datetime | None = None
    #: a signed paper form recorded on the klant's behalf: the regisseur who recorded it, the form's date and
    #: reference (tabblad 5 of the method); None when the klant answered themself
    recorded_by: str | None = None
    form_date: date | None = None
    form_reference: str | None = None

    @property
    def confirmation_due(self) -> bool:
        """An oral consent in urgency stays listed until it is confirmed in writing."""
        return self.approved and self.method is ConsentMethod.ORAL_URGENT and self.confirmed_at is None


@dataclass(frozen=True)
class Consent:
    """A request to share sections with one betrokkene, for one purpose, until a date."""

    id: str
    household_id: str
    requested_by: str
    grantee_id: str
    sections: tuple[str, ...]
    level: Level
    purpose: str
    until: date
    about_id: str | None
    status: ConsentStatus
    created_at: datetime
    decided_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    approvals: tuple[Approval, ...] = field(default_factory=tuple)
    #: the klanten whose answer this request needs, fixed when it was made (None: stored before that was kept)
    required: frozenset[str] | None = None

    def in_force(self, today: date) -> bool:
        """Granted, not revoked, and not past its last day."""
        return self.status is ConsentStatus.GRANTED and today <= self.until

    def as_grant(self) -> Grant:
        """The access this consent gives its grantee."""
        return grant_from(GrantKind.TOESTEMMING, self.id, self.sections, self.level, self.until)


def _age(person: Betrokkene, today: date) -> int | None:
    return person.age_on(today)


def _deciders_for(person: Betrokkene, parents: list[Betrokkene], today: date, policy: str) -> set[str]:
    age = _age(person, today)
    if age is None or age >= ADULT:
        return {person.id}
    alone_from = 12 if policy == "twaalf_zelf" else 16
    parent_ids = {p.id for p in parents if p.id != person.id}
    if age < 12:
        return parent_ids
    if age < alone_from:
        return parent_ids | {person.id}
    return {person.id}


def required_consenters(
    klanten: Iterable[Betrokkene], about: Betrokkene | None, today: date, policy: str
) -> frozenset[str]:
    """The klanten whose consent is needed: for information about one member, or the whole household."""
    if policy not in CONSENT_POLICIES:
        raise ValidationFailed.one("EENPLAN_CONSENT_POLICY", f"must be one of {', '.join(CONSENT_POLICIES)}")
    members = [k for k in klanten if k.kind is Kind.KLANT and k.active]
    parents = [k for k in members if k.role is Role.OUDER]
    subjects = [about] if about is not None else members
    needed: set[str] = set()
    for person in subjects:
        needed |= _deciders_for(person, parents, today, policy)
    if not needed:
        raise ValidationFailed.one("about", "no klant of this household can give this consent")
    return frozenset(needed)


def outcome(approvals: Iterable[Approval], required: frozenset[str]) -> ConsentStatus:
    """Granted when every required klant approved; declined as soon as one of them declines."""
    answers = {a.betrokkene_id: a for a in approvals if a.betrokkene_id in required}
    if any(not a.approved for a in answers.values()):
        return ConsentStatus.DECLINED
    if required <= set(answers):
        return ConsentStatus.GRANTED
    return ConsentStatus.REQUESTED


def check_request(sections: Iterable[str], level: Level, until: date, today: date, purpose: str) -> None:
    """Refuse a request that is general, open-ended or already expired."""
    if level not in (Level.READ, Level.WRITE):
        raise ValidationFailed.one("level", "must be read or write")
    if not list(sections):
        raise ValidationFailed.one("sections", "must name at least one section")
    if until < today:
        raise ValidationFailed.one("until", "is in the past")
    if (until - today).days > 366:
        raise ValidationFailed.one("until", "consent is never open-ended: at most one year ahead")
    if len(purpose.strip()) < 5:
        raise ValidationFailed.one("purpose", "must state the purpose of sharing")


def consent_relevant(before: Betrokkene, after: Betrokkene | None) -> bool:
    """Whether a change to a person can change who must consent: kind, role, birth date, or removal."""
    return (
        after is None
        or not after.active
        or before.kind != after.kind
        or before.role != after.role
        or before.birth_date != after.birth_date
    )


def needs_reopening(
    consent: Consent, stored: frozenset[str], now_required: frozenset[str], changed_id: str | None, today: date
) -> bool:
    """A pending or granted (not yet expired) request is re-opened when the changed person was required,
    or when the rule now names other klanten than those fixed with the request (a klant added, say)."""
    open_ = consent.status is ConsentStatus.REQUESTED or (
        consent.status is ConsentStatus.GRANTED and today <= consent.until
    )
    return open_ and (changed_id in stored or now_required != stored)


def ends_on_removal(consent: Consent, stored: frozenset[str], removed_id: str) -> bool:
    """Whether removing `removed_id` ends a request instead of re-opening it: they had to consent, or it is
    about them. Re-asking those who remain would let a person recorded in their place (say a "mother" with
    someone else's address) finish a request the real one never answered; a new request is made instead."""
    return removed_id in stored or consent.about_id == removed_id


def dropped_consenters(stored: frozenset[str], now_required: frozenset[str]) -> frozenset[str]:
    """The klanten a re-opened request no longer asks: they lost their say and are told (content-free), so
    nobody is cut out of a decision about their family silently (a birth date changed, say)."""
    return stored - now_required


#: the longest reference of a paper consent form (consent_approval.form_reference)
FORM_REFERENCE_MAX = 100
#: the shortest note of an oral urgent consent: who was spoken to and when ("telefoon 1-12 met Fatima")
ORAL_NOTE_MIN = 5
#: an oral urgent consent recorded on a klant's behalf grants at most this many days until it is confirmed in writing
ORAL_GRACE_DAYS = 14
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def oral_note(note: str | None, told_how: str | None) -> str | None:
    """The stored note of an oral record (kept in form_reference: there is no column of its own): who was spoken
    to and when, and — for a klant who cannot be told by mail — how they were told."""
    text = (note or "").strip()
    told = (told_how or "").strip()
    if not told:
        return text or None
    return f"{text}; verteld: {told}"


def granted_until(until: date, approvals: Iterable[Approval]) -> date:
    """The last day a consent may grant: its own `until`, but at most ORAL_GRACE_DAYS from the day an oral urgent
    answer was recorded on a klant's behalf while it waits for its written confirmation, so a regisseur alone
    cannot open a klant's plan for a year on a conversation nobody confirms."""
    last = until
    for a in approvals:
        if a.recorded_by is not None and a.confirmation_due:
            last = min(last, a.at.astimezone(_AMSTERDAM).date() + timedelta(days=ORAL_GRACE_DAYS))
    return last


def check_confirmable(consent: Consent, today: date) -> None:
    """Refuse a written confirmation of a consent the klanten no longer give: only a request that is open, or a
    consent granted and in force, can be confirmed (not one revoked, declined or past its last day)."""
    if consent.status is ConsentStatus.REQUESTED or consent.in_force(today):
        return
    state = "verlopen" if consent.status is ConsentStatus.GRANTED else consent.status.value
    raise ValidationFailed.one("status", f"this consent is {state}: it cannot be confirmed")


def check_recorded_answer(
    consent: Consent,
    required: frozenset[str],
    klant_id: str,
    approved: bool,
    method: ConsentMethod,
    form_date: date,
    form_reference: str | None,
    today: date,
    requested_on: date,
    *,
    reachable: bool = True,
    told_how: str | None = None,
) -> Approval | None:
    """Refuse a regisseur's record of a klant's answer (a signed paper form, or an oral urgent consent) that
    the klant could not have given: not a klant this request needs, an answer already there, a form dated in
    the future or before the request, an oral consent without a note of who was spoken to and when, or one for
    a klant who cannot be told by mail (`reachable` False) without a note of how they were told. Returns the
    klant's oral urgent approval this written form confirms, if that is what it is (None: a new answer)."""
    if klant_id not in required:
        raise ValidationFailed.one("klant_id", "is not a klant whose consent this request needs")
    if form_date > today:
        raise ValidationFailed.one("form_date", "is in the future")
    if form_date < requested_on:
        raise ValidationFailed.one("form_date", "is before the request was made")
    reference = (form_reference or "").strip()
    if method is ConsentMethod.WRITTEN and not reference:
        raise ValidationFailed.one("form_reference", "name the form's reference (the number on the paper)")
    if len(reference) > FORM_REFERENCE_MAX:
        raise ValidationFailed.one("form_reference", f"at most {FORM_REFERENCE_MAX} characters")
    earlier = next((a for a in consent.approvals if a.betrokkene_id == klant_id), None)
    if earlier is not None:
        if approved and method is ConsentMethod.WRITTEN and earlier.confirmation_due:
            check_confirmable(consent, today)
            return earlier  # the written confirmation of an oral urgent consent
        raise ValidationFailed.one("klant_id", "this klant has already answered this request")
    if consent.status is not ConsentStatus.REQUESTED:
        raise ValidationFailed.one("status", f"this request is already {consent.status.value}")
    if method is ConsentMethod.ORAL_URGENT and approved:
        if len(reference) < ORAL_NOTE_MIN:
            raise ValidationFailed.one("form_reference", "note who was spoken to and when (telefoon 1-12 met Fatima)")
        told = (told_how or "").strip()
        if not reachable and not told:
            raise ValidationFailed.one("told_how", "this klant gets no mail: note how they were told of this record")
        if len(oral_note(reference, told) or "") > FORM_REFERENCE_MAX:
            raise ValidationFailed.one("told_how", f"the notes together: at most {FORM_REFERENCE_MAX} characters")
    return None
