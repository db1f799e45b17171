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
from zoneinfo import ZoneInfo

from ..domain.access import Access, Level, Principal, require_klant, require_personal
from ..domain.audit import Channel, Event
from ..domain.betrokkene import Kind
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.overleg import OverlegStatus, OverlegType
from ..domain.ports import Clock, IdFactory, UnitOfWorkFactory
from ..domain.veiligheid import (Besluit, Signaal, SignaalStatus, Soort, check_resolution, needs_signature,
                                 require_professional)
from .common import resolve_actor
from .plan import PlanService

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _klant_signs(access: Access, sections: set[str]) -> None:
    """The write rule of signing: a klant, the veiligheidsplan only (its content is fixed by `sign`)."""
    if access.actor.kind is not Kind.KLANT or sections != {"veiligheidsplan"}:
        raise Forbidden("only the klant signs the veiligheidsplan")


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

    async def raise_signal(self, principal: Principal, household_id: str, soort: Soort, toelichting: str) -> Signaal:
        """Any professional raises a signal of onveiligheid or onvoldoende basiszorg, in any phase."""
        async with self._uow(write=True) as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_professional(actor, "raise a safety signal")
            household = await uow.households.get(household_id)
            signal = Signaal(id=self._new_id(), household_id=household_id, soort=soort, toelichting=toelichting,
                             phase=int(household.phase), raised_by=actor.betrokkene_id, raised_at=self._clock())
            await uow.stagnatie.add_signal(signal)
            await uow.commit()
            return signal

    async def signals(self, principal: Principal, household_id: str) -> list[dict]:
        """The household's signals (professionals); the toelichting only for regisseurs and the raiser."""
        async with self._uow() as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_professional(actor, "see safety signals")
            found = await uow.stagnatie.list_signals(household_id)
        access = await self._plan.access(principal, household_id)
        if not (actor.is_regisseur or access.level("veiligheidsplan") >= Level.READ):
            found = [s for s in found if s.raised_by == actor.betrokkene_id]
        await self._plan.log_access(principal, household_id, Event.READ, ("veiligheidsplan",), Channel.API,
                                    "veiligheidssignalen")
        return [s.as_dict(with_content=actor.is_regisseur or s.raised_by == actor.betrokkene_id) for s in found]

    async def resolve(self, principal: Principal, household_id: str, signal_id: str, afwegingen: dict[str, str],
                      besluit: Besluit) -> Signaal:
        """Resolve a signal with the five afwegingen and the decision (the raiser or a regisseur)."""
        async with self._uow(write=True) as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_professional(actor, "resolve a safety signal")
            signal = await uow.stagnatie.get_signal(household_id, signal_id)
            if signal is None:
                raise NotFound("signal not found")
            check_resolution(signal, actor, afwegingen)
            signal = replace(signal, **{"status": SignaalStatus.AFGEHANDELD,
                                "resolved_by": actor.betrokkene_id, "resolved_at": self._clock(),
                                "afwegingen": {k: v.strip() for k, v in afwegingen.items()}, "besluit": besluit})
            await uow.stagnatie.save_signal(signal)
            await uow.commit()
            return signal

    async def _last_voortgangsoverleg(self, household_id: str) -> date | None:
        async with self._uow() as uow:
            held = [o.start for o in await uow.overleggen.list(household_id)
                    if o.type is OverlegType.VOORTGANGSOVERLEG and o.status is OverlegStatus.HELD]
        return max(held).astimezone(AMSTERDAM).date() if held else None

    async def status(self, principal: Principal, household_id: str) -> dict:
        """Open signals (professionals only: a signal may concern a household member) and whether the klant
        must (re-)sign the veiligheidsplan: unsigned, or signed before the last held voortgangsoverleg."""
        async with self._uow() as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            open_count = await uow.stagnatie.open_signals(household_id)
        out: dict = {}
        if actor.kind is Kind.PROFESSIONAL or actor.is_regisseur:
            out["open_signalen"] = open_count
            out["afsluiten_mogelijk"] = open_count == 0
        access = await self._plan.access(principal, household_id)
        if access.level("veiligheidsplan") >= 2:  # Level.READ: the signature is part of the section
            snapshot = await self._plan.current(principal, household_id)
            plan = json.loads(snapshot.sections.get("veiligheidsplan", "null"))
            last = await self._last_voortgangsoverleg(household_id)
            out["veiligheidsplan"] = plan is not None
            out["handtekening"] = plan.get("handtekening") if plan else None
            out["laatste_voortgangsoverleg"] = last.isoformat() if last else None
            out["opnieuw_tekenen"] = needs_signature(plan, last)
        return out

    async def sign(self, principal: Principal, household_id: str) -> dict:
        """The klant signs the veiligheidsplan today: a new plan version with only the signature changed."""
        async with self._uow() as uow:
            actor, _ = await resolve_actor(uow, principal, household_id)
            require_klant(actor, "sign the veiligheidsplan")
            require_personal(principal, "sign the veiligheidsplan")
        snapshot = await self._plan.current(principal, household_id)
        plan = json.loads(snapshot.sections.get("veiligheidsplan", "null"))
        if not plan:
            raise ValidationFailed.one("veiligheidsplan", "there is no veiligheidsplan to sign")
        plan["handtekening"] = {"betrokkene_id": actor.betrokkene_id, "datum": self.today().isoformat()}
        new, _ = await self._plan.change(principal, household_id, snapshot.info.number, {"veiligheidsplan": plan},
                                         authorise=_klant_signs)
        return {"version": new.info.number, "handtekening": plan["handtekening"]}
