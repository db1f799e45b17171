"""Toestemming and overmacht use cases: request, answer, confirm, revoke; record a decision to share."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from ..domain.access import Actor, Level, Principal, decide, unshareable_sections
from ..domain.audit import Channel, actor_fields
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.consent import (
    Approval,
    Consent,
    ConsentMethod,
    ConsentStatus,
    check_confirmable,
    check_request,
    granted_until,
    outcome,
)
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.overmacht import Besluit, Overmacht, check_overmacht
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from .common import Need, authorised
from .consent_forms import ConsentForms
from .consent_notices import ConsentNotices
from .consent_roster import ConsentersChanged, ConsentRoster
from .consent_views import ConsentView

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class ConsentService:
    """The klant's control over who sees what, and the professional's overmacht record."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        new_id: IdFactory,
        policy: str = "methode",
        notices: ConsentNotices | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        self._policy = policy
        self.roster = ConsentRoster(clock, policy)
        #: content-free notices: a request to those who must answer, an answer or revocation to the requester
        self.notices = notices
        #: a regisseur's record of a klant's answer from a signed paper form or an urgent conversation
        self.forms = ConsentForms(uow, clock, self._required, notices)

    def _today(self) -> date:
        return self._clock().astimezone(AMSTERDAM).date()

    async def _required(self, uow: UnitOfWork, consent: Consent) -> frozenset[str]:
        """Who must consent: fixed with the request (computed now only for rows stored before that was kept)."""
        if consent.required is not None:
            return consent.required
        return self._rule(await uow.betrokkenen.list(consent.household_id), consent.about_id)

    async def required_of(self, uow: UnitOfWork, consent: Consent) -> frozenset[str]:
        """Inside the caller's transaction: the klanten whose answer a request needs (for the matrix's forms)."""
        return await self._required(uow, consent)

    def _rule(
        self, people: builtins.list[Betrokkene], about_id: str | None, removed: Betrokkene | None = None
    ) -> frozenset[str]:
        return self.roster.rule(people, about_id, removed)

    async def reopen_after_change(
        self,
        uow: UnitOfWork,
        before: Betrokkene | None,
        after: Betrokkene | None,
        actor: Actor,
        channel: Channel = Channel.API,
    ) -> ConsentersChanged:
        """Inside the caller's transaction: what a change to the people does to consent (services.consent_roster)."""
        return await self.roster.reopen_after_change(uow, before, after, actor, channel)

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
            if self.notices is not None:
                await self.notices.requested(uow, consent, required)
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

    async def answer_word(self, principal: Principal, household_id: str, consent_id: str, word: object) -> ConsentView:
        """A page's "ja"/"nee": membership first (a stranger gets the 404 of a missing household), then the word
        (anything else is a 422 naming `besluit`, never read as a "nee")."""
        if word not in ("ja", "nee"):
            async with authorised(self._uow, principal, household_id):
                pass
            raise ValidationFailed.one("besluit", "must be ja or nee")
        yes = word == "ja"
        return await self.answer(principal, household_id, consent_id, yes, ConsentMethod.WRITTEN if yes else None)

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
                last = granted_until(consent.until, answers) if status is ConsentStatus.GRANTED else None
                await uow.consents.set_status(consent_id, status, now, until=last)
            consent = await self._one(uow, household_id, consent_id)
            if status is not ConsentStatus.REQUESTED and self.notices is not None:
                await self.notices.decided(uow, consent, actor_fields(actor)[0])
            await uow.commit()
            return ConsentView(consent, required, self._today())

    async def confirm(self, principal: Principal, household_id: str, consent_id: str) -> ConsentView:
        """Record the written confirmation of one's own oral consent given in urgency."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="confirm consent"
        ) as caller:
            uow, actor = caller.uow, caller.actor
            consent = await self._one(uow, household_id, consent_id, lock=True)
            check_confirmable(consent, self._today())
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
            if self.notices is not None:
                await self.notices.revoked(uow, consent, actor.betrokkene_id)
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
