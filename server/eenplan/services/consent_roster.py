"""What a change to the people does to consent: re-open, end, and who lost their say.

The betrokkenen service calls this inside its own transaction when someone is added, removed, or changed
in kind, role or birth date (issue 10: who must consent is fixed with a request, and a change to a
required person re-opens or ends it; a klant's change is access-logged).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from ..domain.access import Actor
from ..domain.audit import AccessEvent, Channel, Event, actor_fields
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.consent import (
    ConsentStatus,
    consent_relevant,
    dropped_consenters,
    ends_on_removal,
    needs_reopening,
    required_consenters,
)
from ..domain.errors import ValidationFailed
from ..domain.ports import Clock, UnitOfWork

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class ConsentersChanged:
    """What a change to the people did to consent: requests re-opened or ended, and the klanten who no longer
    must consent to one of them (the caller tells those, content-free, in the same transaction)."""

    reopened: int = 0
    ended: int = 0
    dropped: tuple[Betrokkene, ...] = ()


class ConsentRoster:
    """Who must consent under the age policy, and what changes to the people do to requests."""

    def __init__(self, clock: Clock, policy: str) -> None:
        self._clock = clock
        self._policy = policy

    def _today(self) -> date:
        return self._clock().astimezone(AMSTERDAM).date()

    def rule(
        self, people: builtins.list[Betrokkene], about_id: str | None, removed: Betrokkene | None = None
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
            stored = consent.required if consent.required is not None else self.rule(old_people, consent.about_id)
            now_required = self.rule(new_people, consent.about_id, removed=before)
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
