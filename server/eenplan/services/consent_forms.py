"""Paper and oral consent (tabblad 5 of the method): a regisseur records a klant's answer on their behalf.

The method works with a signed consent form. A regisseur records the form of the klant who signed it
(who, the date on the form, its reference), or an oral consent given in urgency (its written confirmation
recorded later, by the klant on the page or by the regisseur from the form). The record says who recorded
it (`consent_approval.recorded_by`), the access log holds it with `on_behalf_of` = the klant, the klant is
told and sees it on "Wie ziet wat", where they can revoke it. Only a regisseur speaking for themself may do
this (a token someone else issued never speaks for anyone), only for a klant the request needs, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from ..domain.access import Principal
from ..domain.audit import AccessEvent, Channel, Event, actor_fields
from ..domain.consent import (
    Approval,
    Consent,
    ConsentMethod,
    ConsentStatus,
    check_recorded_answer,
    granted_until,
    oral_note,
    outcome,
)
from ..domain.errors import NotFound
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from .common import Need, authorised, require_need
from .consent_notices import ConsentNotices, can_be_told
from .consent_views import ConsentView

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WHAT = "record a consent form for a klant"


class ConsentForms:
    """The regisseur's record of a klant's answer from a signed form or an urgent conversation."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        required: Callable[[UnitOfWork, Consent], Awaitable[frozenset[str]]],
        notices: ConsentNotices | None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._required = required
        self._notices = notices

    async def record(
        self,
        principal: Principal,
        household_id: str,
        consent_id: str,
        *,
        klant_id: str,
        approved: bool,
        method: ConsentMethod,
        form_date: date,
        form_reference: str | None,
        told_how: str | None = None,
        channel: Channel = Channel.API,
    ) -> ConsentView:
        """Record one klant's answer on their behalf; the consent is decided when it is complete. An oral urgent
        answer carries a note of who was spoken to and when (and, for a klant no mail reaches, how they were
        told); until it is confirmed in writing the consent grants at most 14 days (domain.consent)."""
        async with authorised(self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what=WHAT) as caller:
            require_need(caller, Need.PERSONAL, WHAT)
            uow, actor = caller.uow, caller.actor
            found = await uow.consents.list(household_id, consent_id=consent_id, lock=True)
            if not found:
                raise NotFound("toestemming not found")
            consent = found[0]
            required = await self._required(uow, consent)
            now = self._clock()
            today = now.astimezone(AMSTERDAM).date()
            requested_on = consent.created_at.astimezone(AMSTERDAM).date()
            oral = method is ConsentMethod.ORAL_URGENT and approved
            reachable = not oral or await can_be_told(uow, household_id, klant_id)
            earlier = check_recorded_answer(
                consent,
                required,
                klant_id,
                approved,
                method,
                form_date,
                form_reference,
                today,
                requested_on,
                reachable=reachable,
                told_how=told_how,
            )
            reference = oral_note(form_reference, told_how if oral else None)
            if earlier is not None:  # the written confirmation of an oral urgent consent
                approval = replace(
                    earlier,
                    confirmed_at=now,
                    recorded_by=actor.betrokkene_id,
                    form_date=form_date,
                    form_reference=reference,
                )
                what = "schriftelijke bevestiging"
            else:
                approval = Approval(
                    klant_id,
                    approved,
                    method if approved else None,
                    now,
                    None,
                    actor.betrokkene_id,
                    form_date,
                    reference,
                )
                what = "formulier" if method is ConsentMethod.WRITTEN else "mondeling"
            await uow.consents.answer(consent_id, approval)
            status = consent.status
            if earlier is None:
                answers = [a for a in consent.approvals if a.betrokkene_id != klant_id] + [approval]
                status = outcome(answers, required)
                if status is not ConsentStatus.REQUESTED:
                    last = granted_until(consent.until, answers) if status is ConsentStatus.GRANTED else None
                    await uow.consents.set_status(consent_id, status, now, until=last)
            # the regisseur is the user (their own credential: actor_fields names them alone); the user acted on
            # behalf of the klant who signed the form (NEN 7513: on_behalf_of)
            user, _ = actor_fields(actor)
            await uow.access_log.append(
                [
                    AccessEvent(
                        Event.CHANGE,
                        household_id,
                        user,
                        (),
                        channel,
                        f"rol:{actor.role.value}",
                        now,
                        on_behalf_of=klant_id,
                        detail=f"toestemming {consent_id}: {what} vastgelegd, {'ja' if approved else 'nee'}"[:200],
                    )
                ]
            )
            consent = (await uow.consents.list(household_id, consent_id=consent_id))[0]
            if self._notices is not None:
                await self._notices.recorded_for(uow, consent, klant_id)
                if earlier is None and status is not ConsentStatus.REQUESTED:
                    await self._notices.decided(uow, consent, actor.betrokkene_id)
            await uow.commit()
            return ConsentView(consent, required, today)
