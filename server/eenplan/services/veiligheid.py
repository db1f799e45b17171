"""Safety use cases: raise and resolve signals (meldcode), the klant's signature under the veiligheidsplan,
and whether it must be signed again after a voortgangsoverleg.

Signing is a dedicated use case: klanten have no write access to the plan,
so `sign` writes one new plan version through `PlanService.change` with its
own authorisation rule — only a klant, only the `veiligheidsplan` section, and
only its `handtekening` differs from the version it is based on (a concurrent
change to the section makes it a 409, never a silent overwrite).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.access import (
    SIGNAL_SECTION,
    Access,
    Actor,
    Principal,
    may_read_signal_text,
    may_read_signature,
    may_see_others_signals,
)
from ..domain.audit import AccessEvent, Channel, Event
from ..domain.betrokkene import Kind
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.overleg import OverlegStatus, OverlegType
from ..domain.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from ..domain.veiligheid import (
    Besluit,
    Signaal,
    SignaalStatus,
    Soort,
    check_resolution,
    needs_signature,
)
from .common import Need, authorised, known_household
from .plan import PlanService

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _klant_signs(access: Access, sections: set[str]) -> None:
    """The write rule of signing: a klant, the veiligheidsplan only (its content is fixed by `sign`)."""
    if access.actor.kind is not Kind.KLANT or sections != {"veiligheidsplan"}:
        raise Forbidden("only the klant signs the veiligheidsplan")


def shown_signals(
    plan: PlanService, access: Access, found: list[Signaal], channel: Channel = Channel.API
) -> tuple[list[dict[str, Any]], list[AccessEvent]]:
    """Signals cut to the caller by the policy, and the access-log entry of exactly what they show: others'
    signals only for `may_see_others_signals`, text only for `may_read_signal_text`; the veiligheidsplan is
    named only when text of a signal someone else raised was shown."""
    actor = access.actor
    if not may_see_others_signals(access):
        found = [s for s in found if s.raised_by == actor.betrokkene_id]
    texts = [may_read_signal_text(actor, s.raised_by) for s in found]
    if not any(texts):
        return [s.as_dict(with_content=False) for s in found], []
    others = any(t and s.raised_by != actor.betrokkene_id for s, t in zip(found, texts, strict=True))
    detail = f"veiligheidssignalen: {sum(texts)} met toelichting, {len(texts) - sum(texts)} zonder"
    event = plan.access_event(access, Event.READ, (SIGNAL_SECTION,) if others else (), channel, detail)
    return [s.as_dict(with_content=t) for s, t in zip(found, texts, strict=True)], [event]


def with_days(view: dict[str, Any], signal: Signaal) -> dict[str, Any]:
    """The view with `raised_on`/`resolved_on`: the Amsterdam days (ISO) of its moments, as a page shows them
    (a signal raised at 00:30 in Amsterdam is of that day, not of the UTC day before)."""
    resolved = signal.resolved_at.astimezone(AMSTERDAM).date().isoformat() if signal.resolved_at else None
    return view | {"raised_on": signal.raised_at.astimezone(AMSTERDAM).date().isoformat(), "resolved_on": resolved}


class VeiligheidService:
    """Safety signals of a household and the veiligheidsplan's signature."""

    def __init__(self, uow: UnitOfWorkFactory, plan: PlanService, clock: Clock, new_id: IdFactory) -> None:
        self._uow = uow
        self._plan = plan
        self._clock = clock
        self._new_id = new_id

    def today(self) -> date:
        """Today in Europe/Amsterdam."""
        return self._clock().astimezone(AMSTERDAM).date()

    async def _shown_in(self, uow: UnitOfWork, actor: Actor, signal: Signaal) -> dict[str, Any]:
        """A signal a write use case answers with, cut to the actor and logged in its transaction."""
        access = await self._plan.access_in(uow, actor)
        shown, events = shown_signals(self._plan, access, [signal])
        if events:
            await uow.access_log.append(events)
        return shown[0]

    async def raise_signal(
        self, principal: Principal, household_id: str, soort: Soort, toelichting: str
    ) -> dict[str, Any]:
        """Any professional raises a signal of onveiligheid or onvoldoende basiszorg, in any phase.

        A meldcode signal is the professional's own act: a token someone else issued for them cannot raise
        (or resolve) one, so `raised_by` always names who really raised it."""
        async with authorised(
            self._uow,
            principal,
            household_id,
            write=True,
            need=Need.PERSONAL_PROFESSIONAL,
            what="raise a safety signal",
        ) as caller:
            uow, actor = caller.uow, caller.actor
            household = await known_household(uow, household_id)
            signal = Signaal(
                id=self._new_id(),
                household_id=household_id,
                soort=soort,
                toelichting=toelichting,
                phase=int(household.phase),
                raised_by=actor.betrokkene_id,
                raised_at=self._clock(),
            )
            await uow.stagnatie.add_signal(signal)
            shown = await self._shown_in(uow, actor, signal)
            await uow.commit()
            return shown

    async def signals(
        self, principal: Principal, household_id: str, *, channel: Channel = Channel.API
    ) -> list[dict[str, Any]]:
        """The household's signals (professionals), cut by the policy (`shown_signals`); logged before answering."""
        async with authorised(
            self._uow, principal, household_id, need=Need.PROFESSIONAL, what="see safety signals"
        ) as caller:
            found = await caller.uow.stagnatie.list_signals(household_id)
        access = await self._plan.access(principal, household_id)
        shown, events = shown_signals(self._plan, access, found, channel)
        await self._plan.record(events)
        if channel is Channel.WEB:  # the pages say the Dutch calendar day; the API keeps its moments only
            by_id = {s.id: s for s in found}
            shown = [with_days(view, by_id[view["id"]]) for view in shown]
        return shown

    async def resolve(
        self, principal: Principal, household_id: str, signal_id: str, afwegingen: dict[str, str], besluit: Besluit
    ) -> dict[str, Any]:
        """Resolve a signal with the five afwegingen and the decision (the raiser or a regisseur)."""
        async with authorised(
            self._uow,
            principal,
            household_id,
            write=True,
            need=Need.PERSONAL_PROFESSIONAL,
            what="resolve a safety signal",
        ) as caller:
            uow, actor = caller.uow, caller.actor
            signal = await uow.stagnatie.get_signal(household_id, signal_id)
            if signal is None:
                raise NotFound("signal not found")
            check_resolution(signal, actor, afwegingen)
            signal = replace(
                signal,
                status=SignaalStatus.AFGEHANDELD,
                resolved_by=actor.betrokkene_id,
                resolved_at=self._clock(),
                afwegingen={k: v.strip() for k, v in afwegingen.items()},
                besluit=besluit,
            )
            await uow.stagnatie.save_signal(signal)
            shown = await self._shown_in(uow, actor, signal)
            await uow.commit()
            return shown

    async def _last_voortgangsoverleg(self, household_id: str) -> date | None:
        async with self._uow() as uow:
            held = [
                o.start
                for o in await uow.overleggen.list(household_id)
                if o.type is OverlegType.VOORTGANGSOVERLEG and o.status is OverlegStatus.HELD
            ]
        return max(held).astimezone(AMSTERDAM).date() if held else None

    async def status(self, principal: Principal, household_id: str) -> dict[str, Any]:
        """Open signals (professionals only: a signal may concern a household member) and whether the klant
        must (re-)sign the veiligheidsplan: unsigned, or signed before the last held voortgangsoverleg."""
        async with authorised(self._uow, principal, household_id) as caller:
            actor = caller.actor
            open_count = await caller.uow.stagnatie.open_signals(household_id)
        out: dict[str, Any] = {}
        if actor.kind is Kind.PROFESSIONAL or actor.is_regisseur:
            out["open_signalen"] = open_count
            out["afsluiten_mogelijk"] = open_count == 0
        access = await self._plan.access(principal, household_id)
        if may_read_signature(access):
            _, text = await self._plan.section(principal, household_id, SIGNAL_SECTION, "veiligheidsplan: handtekening")
            plan = json.loads(text or "null")
            last = await self._last_voortgangsoverleg(household_id)
            out["veiligheidsplan"] = plan is not None
            out["handtekening"] = plan.get("handtekening") if plan else None
            out["laatste_voortgangsoverleg"] = last.isoformat() if last else None
            out["opnieuw_tekenen"] = needs_signature(plan, last)
        return out

    async def sign(self, principal: Principal, household_id: str) -> dict[str, Any]:
        """The klant signs the veiligheidsplan today: a new plan version with only the signature changed."""
        async with authorised(
            self._uow, principal, household_id, need=Need.PERSONAL_KLANT, what="sign the veiligheidsplan"
        ) as caller:
            actor = caller.actor
        number, text = await self._plan.section(principal, household_id, SIGNAL_SECTION, "veiligheidsplan: tekenen")
        plan = json.loads(text or "null")
        if not plan:
            raise ValidationFailed.one("veiligheidsplan", "there is no veiligheidsplan to sign")
        plan["handtekening"] = {"betrokkene_id": actor.betrokkene_id, "datum": self.today().isoformat()}
        new, _ = await self._plan.change(
            principal, household_id, number, {"veiligheidsplan": plan}, authorise=_klant_signs
        )
        return {"version": new.info.number, "handtekening": plan["handtekening"]}
