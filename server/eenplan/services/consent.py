"""Toestemming and overmacht use cases: request, answer, confirm, revoke; record a decision to share."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from ..domain.access import Actor, Level, Principal, decide, unshareable_sections
from ..domain.audit import AccessEvent, Channel, Event, actor_fields
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.consent import (
    Approval,
    Consent,
    ConsentMethod,
    ConsentStatus,
    check_request,
    consent_relevant,
    dropped_consenters,
    ends_on_removal,
    needs_reopening,
    outcome,
    required_consenters,
)
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.overmacht import Besluit, Overmacht, check_overmacht
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from .common import Need, authorised

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class ConsentersChanged:
    """What a change to the people did to consent: requests re-opened or ended, and the klanten who no longer
    must consent to one of them (the caller tells those, content-free, in the same transaction)."""

    reopened: int = 0
    ended: int = 0
    dropped: tuple[Betrokkene, ...] = ()


@dataclass(frozen=True)
class ConsentView:
    """A consent with who must still answer, as shown to the household."""

    consent: Consent
    required: frozenset[str]
    today: date

    @property
    def waiting_for(self) -> list[str]:
        """Required klanten who have not answered yet."""
        answered = {a.betrokkene_id for a in self.consent.approvals}
        return sorted(self.required - answered) if self.consent.status is ConsentStatus.REQUESTED else []

    @property
    def effective_status(self) -> str:
        """The status, with 'verlopen' for granted consent past its last day."""
        if self.consent.status is ConsentStatus.GRANTED and self.today > self.consent.until:
            return "verlopen"
        return self.consent.status.value


class ConsentService:
    """The klant's control over who sees what, and the professional's overmacht record."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, new_id: IdFactory, policy: str = "methode") -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        self._policy = policy

    def _today(self) -> date:
        return self._clock().astimezone(AMSTERDAM).date()

    async def _required(self, uow: UnitOfWork, consent: Consent) -> frozenset[str]:
        """Who must consent: fixed with the request (computed now only for rows stored before that was kept)."""
        if consent.required is not None:
            return consent.required
        return self._rule(await uow.betrokkenen.list(consent.household_id), consent.about_id)

    def _rule(
        self, people: list[Betrokkene], about_id: str | None, removed: Betrokkene | None = None
    ) -> frozenset[str]:
        """Who the age policy names today; nobody when no klant of the household can give it."""
        about = next((p for p in people if p.id == about_id), None)
        if about_id is not None and about is None:
            about = removed if removed is not None and removed.id == about_id else None
            if about is None:
                return frozenset()
        try:
            return required_consenters(people, about, self._today(), self._policy)
        except ValidationFailed:
            return frozenset()

    async def reopen_after_change(
        self,
        uow: UnitOfWork,
        before: Betrokkene | None,
        after: Betrokkene | None,
        actor: Actor,
        channel: Channel = Channel.API,
    ) -> ConsentersChanged:
        """Inside the caller's transaction: a person added (before=None), changed in kind, role or birth date,
        or removed (after=None) re-opens the pending and granted requests it matters for; a klant's change
        is access-logged.

        Re-opened means back to 'aangevraagd' with every answer cleared and who must consent recomputed, so
        access given by the request ends until it is answered again. A removal of someone whose consent the
        request needs (or whom it is about) instead ends it ('ingetrokken', by the remover): a new request must
        be made, so a person recorded in their place never joins one under way. Returns how many were
        re-opened or ended, and the klanten a re-opened request no longer asks (`dropped_consenters`): the
        caller tells them, so nobody loses their say silently."""
        person = before or after
        if person is None:
            return ConsentersChanged()
        actor_id, on_behalf_of = actor_fields(actor)
        if before is None and (after is None or after.kind != Kind.KLANT):
            return ConsentersChanged()  # a new netwerk member or professional never changes who must consent
        if before is not None and not consent_relevant(before, after):
            return ConsentersChanged()
        listed = [p for p in await uow.betrokkenen.list(person.household_id) if p.id != person.id]
        old_people = [*listed, before] if before is not None else listed
        new_people = [*listed, after] if after is not None and after.active else listed
        removed = before is not None and (after is None or not after.active)
        reopened = ended = 0
        dropped: set[str] = set()
        for consent in await uow.consents.list(person.household_id, lock=True):
            stored = consent.required if consent.required is not None else self._rule(old_people, consent.about_id)
            now_required = self._rule(new_people, consent.about_id, removed=before)
            if not needs_reopening(consent, stored, now_required, before.id if before else None, self._today()):
                continue
            if removed and ends_on_removal(consent, stored, person.id):
                await uow.consents.set_status(consent.id, ConsentStatus.REVOKED, self._clock(), actor_id)
                ended += 1
            else:
                await uow.consents.reopen(consent.id, now_required)
                reopened += 1
                dropped |= dropped_consenters(stored, now_required)
        # a klant's change is logged; a klant added only when it re-opened a request (not every household setup)
        told = tuple(p for p in new_people if p.id in dropped)  # a removed person is told of the removal
        if Kind.KLANT in {p.kind for p in (before, after) if p is not None} and (before is not None or reopened):
            await uow.access_log.append(
                [
                    AccessEvent(
                        Event.CHANGE,
                        person.household_id,
                        actor_id,
                        (),
                        channel,
                        "betrokkene gewijzigd",
                        self._clock(),
                        on_behalf_of=on_behalf_of,
                        detail=_change_detail(before, after, reopened, ended, len(dropped)),
                    )
                ]
            )
        return ConsentersChanged(reopened, ended, told)

    async def _one(self, uow: UnitOfWork, household_id: str, consent_id: str, *, lock: bool = False) -> Consent:
        found = await uow.consents.list(household_id, consent_id=consent_id, lock=lock)
        if not found:
            raise NotFound("toestemming not found")
        return found[0]

    async def request(
        self,
        principal: Principal,
        household_id: str,
        *,
        grantee_id: str,
        sections: list[str],
        level: Level,
        purpose: str,
        until: date,
        about_id: str | None,
    ) -> ConsentView:
        """Ask the klant to share sections with one betrokkene, for a purpose, until a date."""
        unknown = [s for s in sections if s not in SECTION_KEYS]
        if unknown:
            raise ValidationFailed.one("sections", f"unknown section(s): {', '.join(unknown)}")
        check_request(sections, level, until, self._today(), purpose)
        async with authorised(self._uow, principal, household_id, write=True) as caller:
            uow, actor = caller.uow, caller.actor
            people = {p.id: p for p in await uow.betrokkenen.list(household_id)}
            if grantee_id not in people:
                raise ValidationFailed.one("grantee_id", "is not a betrokkene of this household")
            if about_id is not None and (about_id not in people or people[about_id].kind is not Kind.KLANT):
                raise ValidationFailed.one("about_id", "must be a klant of this household")
            consent = Consent(
                id=self._new_id(),
                household_id=household_id,
                requested_by=actor_fields(actor)[0],  # who really asks, also with a token issued for someone
                grantee_id=grantee_id,
                sections=tuple(k for k in SECTION_KEYS if k in sections),
                level=level,
                purpose=purpose.strip(),
                until=until,
                about_id=about_id,
                status=ConsentStatus.REQUESTED,
                created_at=self._clock(),
            )
            required = self._rule(list(people.values()), about_id)
            if not required:
                raise ValidationFailed.one("about", "no klant of this household can give this consent")
            consent = replace(consent, required=required)
            await uow.consents.add(consent)
            await uow.commit()
            return ConsentView(consent, required, self._today())

    async def list(self, principal: Principal, household_id: str, status: str | None = None) -> list[ConsentView]:
        """Consents the caller may see: all for klant and regisseur; others those they asked or receive."""
        async with authorised(self._uow, principal, household_id) as caller:
            uow, actor = caller.uow, caller.actor
            views = []
            for consent in await uow.consents.list(household_id):
                if not (
                    actor.kind is Kind.KLANT
                    or actor.is_regisseur
                    or actor.betrokkene_id in (consent.requested_by, consent.grantee_id)
                ):
                    continue
                view = ConsentView(consent, await self._required(uow, consent), self._today())
                if status is None or view.effective_status == status:
                    views.append(view)
            return views

    async def get(self, principal: Principal, household_id: str, consent_id: str) -> ConsentView:
        """One consent, if the caller may see it."""
        for view in await self.list(principal, household_id):
            if view.consent.id == consent_id:
                return view
        raise NotFound("toestemming not found")

    async def answer(
        self, principal: Principal, household_id: str, consent_id: str, approve: bool, method: ConsentMethod | None
    ) -> ConsentView:
        """A klant whose consent is required approves or declines; the request is decided when complete."""
        if approve and method is None:
            raise ValidationFailed.one("wijze", "say how consent is given: schriftelijk or mondeling_urgent")
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL_KLANT, what="answer a consent request"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            consent = await self._one(uow, household_id, consent_id, lock=True)
            if consent.status is not ConsentStatus.REQUESTED:
                raise ValidationFailed.one("status", f"this request is already {consent.status.value}")
            required = await self._required(uow, consent)
            if actor.betrokkene_id not in required:
                raise Forbidden("your consent is not what this request needs")
            now = self._clock()
            approval = Approval(actor.betrokkene_id, approve, method if approve else None, now)
            await uow.consents.answer(consent_id, approval)
            answers = [a for a in consent.approvals if a.betrokkene_id != actor.betrokkene_id] + [approval]
            status = outcome(answers, required)
            if status is not ConsentStatus.REQUESTED:
                await uow.consents.set_status(consent_id, status, now)
            consent = await self._one(uow, household_id, consent_id)
            await uow.commit()
            return ConsentView(consent, required, self._today())

    async def confirm(self, principal: Principal, household_id: str, consent_id: str) -> ConsentView:
        """Record the written confirmation of one's own oral consent given in urgency."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="confirm consent"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            consent = await self._one(uow, household_id, consent_id, lock=True)
            mine = next((a for a in consent.approvals if a.betrokkene_id == actor.betrokkene_id), None)
            if mine is None or not mine.confirmation_due:
                raise ValidationFailed.one("wijze", "there is no oral consent of yours awaiting written confirmation")
            await uow.consents.answer(consent_id, replace(mine, confirmed_at=self._clock()))
            consent = await self._one(uow, household_id, consent_id)
            required = await self._required(uow, consent)
            await uow.commit()
            return ConsentView(consent, required, self._today())

    async def revoke(self, principal: Principal, household_id: str, consent_id: str) -> ConsentView:
        """A klant withdraws consent; access ends with the next request."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL_KLANT, what="revoke consent"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            consent = await self._one(uow, household_id, consent_id, lock=True)
            if actor.betrokkene_id not in await self._required(uow, consent):
                raise Forbidden("only a klant whose consent this needs can revoke it")
            if consent.status not in (ConsentStatus.GRANTED, ConsentStatus.REQUESTED):
                raise ValidationFailed.one("status", f"this request is already {consent.status.value}")
            await uow.consents.set_status(consent_id, ConsentStatus.REVOKED, self._clock(), actor.betrokkene_id)
            consent = await self._one(uow, household_id, consent_id)
            required = await self._required(uow, consent)
            await uow.commit()
            return ConsentView(consent, required, self._today())

    async def record_overmacht(
        self,
        principal: Principal,
        household_id: str,
        *,
        recipient_id: str,
        answers: dict[str, str],
        besluit: Besluit,
        sections: builtins.list[str],
        until: date | None,
    ) -> Overmacht:
        """Record a professional's decision to share without consent — or not to share."""
        unknown = [s for s in sections if s not in SECTION_KEYS]
        if unknown:
            raise ValidationFailed.one("sections", f"unknown section(s): {', '.join(unknown)}")
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="record an overmacht decision"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            last = check_overmacht(actor, answers, besluit, sections, until, self._today())
            recipient = await uow.betrokkenen.get(household_id, recipient_id)
            if recipient is None or not recipient.active:
                raise ValidationFailed.one("recipient_id", "is not a betrokkene of this household")
            if recipient_id == actor.betrokkene_id:
                raise ValidationFailed.one("recipient_id", "overmacht shares with someone else, never with oneself")
            own = decide(
                actor, await uow.consents.grants(household_id, actor.betrokkene_id, self._today()), self._today()
            )
            unreadable = unshareable_sections(own, sections)
            if unreadable:
                raise Forbidden(f"you cannot share what you may not read yourself: {', '.join(unreadable)}")
            record = Overmacht(
                id=self._new_id(),
                household_id=household_id,
                professional_id=actor.betrokkene_id,
                recipient_id=recipient_id,
                answers={k: v.strip() for k, v in answers.items()},
                besluit=besluit,
                sections=tuple(k for k in SECTION_KEYS if k in sections),
                until=last,
                created_at=self._clock(),
            )
            await uow.consents.add_overmacht(record)
            await uow.commit()
            return record

    async def overmacht(self, principal: Principal, household_id: str) -> builtins.list[Overmacht]:
        """Overmacht records: visible to the klant, regisseurs, and the professional who made them."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            records = await caller.uow.consents.overmacht(household_id)
            if actor.kind is Kind.KLANT or actor.is_regisseur:
                return records
            return [r for r in records if r.professional_id == actor.betrokkene_id]


def _change_detail(
    before: Betrokkene | None, after: Betrokkene | None, reopened: int, ended: int = 0, dropped: int = 0
) -> str:
    """What changed about a klant, for the access log: ids, kinds and counts only, never a name or birth date
    (`dropped`: how many klanten a re-opened request no longer asks)."""
    person = before or after
    assert person is not None
    if before is None and after is not None:
        parts = [f"toegevoegd als {after.kind.value}, rol {after.role.value}"]
    elif after is None or not after.active or before is None:
        parts = ["verwijderd"]
    else:
        parts = [
            f"{name} {old}->{new}"
            for name, old, new in (
                ("soort", before.kind.value, after.kind.value),
                ("rol", before.role.value, after.role.value),
            )
            if old != new
        ]
        if before.birth_date != after.birth_date:
            parts.append("geboortedatum gewijzigd")
    closed = f", ingetrokken: {ended}" if ended else ""
    closed += f", geven geen toestemming meer: {dropped}" if dropped else ""
    return f"betrokkene {person.id}: {', '.join(parts)}; toestemmingen heropend: {reopened}{closed}"[:200]
