"""Wie ziet wat (issue 12, item 3): for the klant, who sees which section of the plan, and why.

Each cell of the matrix is what the ONE policy (`domain.access.decide`) answers for that betrokkene today
with their grants in force — never a level derived here — and the ground it rests on, resolved by
`services.grounds` (one batched lookup for the whole page). With it: the requests still waiting (who may
answer them here: a klant the request needs, with their own credential, under the age rules fixed with the
request), the consents in force (who may revoke them), and the ones that ended.

Nothing of the plan's content is read: the matrix shows access, not sections, so nothing is logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from ..domain.access import Access, Actor, Level, Principal
from ..domain.betrokkene import Betrokkene, Kind
from ..domain.consent import Consent, ConsentMethod, ConsentStatus
from ..domain.contact_changes import is_personal
from ..domain.names import ids_by_name, name_key
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sections import SECTION_KEYS
from .common import Need, authorised
from .consent_views import ConsentView
from .grounds import GroundView, resolve_grounds

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: the matrix lists the viewing klant first, then the household, its network, the professionals (each group in
#: name order, `domain.names`)
KIND_ORDER = (Kind.KLANT, Kind.NETWERK, Kind.PROFESSIONAL)


@dataclass(frozen=True)
class Cell:
    """One betrokkene's access to one section today, and what it rests on."""

    section: str
    level: Level
    grounds: tuple[GroundView, ...]
    emergency: bool


@dataclass(frozen=True)
class PersonRow:
    """One betrokkene's row of the matrix: their decision, cell by cell in plan order."""

    person: Betrokkene
    access: Access
    cells: tuple[Cell, ...]
    is_me: bool


@dataclass(frozen=True)
class Answer:
    """One klant's answer to a request, as the page lists it."""

    betrokkene_id: str
    name: str
    approved: bool
    recorded_by_name: str | None
    form_date: date | None
    form_reference: str | None
    confirmation_due: bool
    #: given orally in urgency (confirmed in writing later, or still waiting for that: confirmation_due)
    oral: bool = False


@dataclass(frozen=True)
class ConsentItem:
    """A consent request with the names it concerns and what the viewing klant may do with it."""

    view: ConsentView
    ground: GroundView
    grantee_name: str
    requester_name: str
    about_name: str | None
    waiting_names: tuple[str, ...]
    answers: tuple[Answer, ...]
    may_answer: bool
    may_revoke: bool
    may_confirm: bool
    #: the viewer must answer, but signed in through an address someone else added: not with this sign-in
    not_with_this_sign_in: bool = False
    #: whose answer the request needs, besides the viewer (`viewer_answers`: and the viewer too)
    other_answerers: tuple[str, ...] = ()
    viewer_answers: bool = False

    @property
    def consent(self) -> Consent:
        """The consent itself."""
        return self.view.consent


@dataclass(frozen=True)
class WhoSeesWhat:
    """Everything the "Wie ziet wat" page shows."""

    me: Actor
    household_name: str
    sections: tuple[str, ...]
    rows: tuple[PersonRow, ...]
    pending: tuple[ConsentItem, ...]
    in_force: tuple[ConsentItem, ...]
    ended: tuple[ConsentItem, ...]


class ConsentMatrix:
    """The klant's overview of who sees what, built on the one policy."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        required: Callable[[UnitOfWork, Consent], Awaitable[frozenset[str]]],
        decide: Callable[[UnitOfWork, Actor], Awaitable[Access]],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._required = required  # who must consent to a request (ConsentService's rule)
        self._decide = decide  # what the plan lets one person see (PlanService.access_in: the one policy)

    def _today(self) -> date:
        return self._clock().astimezone(AMSTERDAM).date()

    async def matrix(self, principal: Principal, household_id: str) -> WhoSeesWhat:
        """The matrix betrokkenen × sections with each cell's level and ground, and the consents (klant only)."""
        async with authorised(self._uow, principal, household_id, need=Need.KLANT, what="see who sees what") as caller:
            uow, me = caller.uow, caller.actor
            today = self._today()
            people = await uow.betrokkenen.list(household_id, include_removed=True)
            names = {p.id: p.name for p in people}
            shown = sorted(
                (p for p in people if p.active),
                key=lambda p: (p.id != me.betrokkene_id, KIND_ORDER.index(p.kind), *name_key(p.name, p.id)),
            )
            decisions = [(p, await self._decide(uow, Actor(p.id, p.household_id, p.kind, p.role))) for p in shown]
            consents = await uow.consents.list(household_id)
            wanted = {g for _, access in decisions for g in access.grounds.values()}
            wanted |= {f"toestemming:{c.id}" for c in consents}
            resolved = await resolve_grounds(uow, household_id, wanted)
            rows = tuple(
                PersonRow(
                    person,
                    access,
                    tuple(
                        Cell(
                            key,
                            access.level(key),
                            resolved.get(access.grounds.get(key, "geen"), ()),
                            key in access.emergency_sections,
                        )
                        for key in SECTION_KEYS
                    ),
                    person.id == me.betrokkene_id,
                )
                for person, access in decisions
            )
            personal = is_personal(principal, me.betrokkene_id)
            items = [
                self._item(
                    ConsentView(c, await self._required(uow, c), today),
                    resolved[f"toestemming:{c.id}"][0],
                    names,
                    me,
                    personal,
                )
                for c in consents
            ]
            household = await uow.households.get(household_id)
            return WhoSeesWhat(
                me,
                household.name if household is not None else "",
                SECTION_KEYS,
                rows,
                tuple(i for i in items if i.view.effective_status == ConsentStatus.REQUESTED.value),
                tuple(i for i in items if i.consent.in_force(today)),
                tuple(
                    i
                    for i in items
                    if i.view.effective_status != ConsentStatus.REQUESTED.value and not i.consent.in_force(today)
                ),
            )

    @staticmethod
    def _item(view: ConsentView, ground: GroundView, names: dict[str, str], me: Actor, personal: bool) -> ConsentItem:
        consent = view.consent
        mine = me.betrokkene_id in view.required and personal
        own = next((a for a in consent.approvals if a.betrokkene_id == me.betrokkene_id), None)
        return ConsentItem(
            view,
            ground,
            names.get(consent.grantee_id, ""),
            names.get(consent.requested_by, ""),
            names.get(consent.about_id) if consent.about_id else None,
            tuple(names.get(i, "") for i in ids_by_name(view.waiting_for, names)),
            tuple(
                Answer(
                    a.betrokkene_id,
                    names.get(a.betrokkene_id, ""),
                    a.approved,
                    names.get(a.recorded_by) if a.recorded_by else None,
                    a.form_date,
                    a.form_reference,
                    a.confirmation_due,
                    a.method is ConsentMethod.ORAL_URGENT,
                )
                for a in sorted(
                    consent.approvals, key=lambda a: name_key(names.get(a.betrokkene_id, ""), a.betrokkene_id)
                )
            ),
            may_answer=mine and me.betrokkene_id in view.waiting_for,
            may_revoke=mine and consent.status in (ConsentStatus.GRANTED, ConsentStatus.REQUESTED),
            may_confirm=personal and own is not None and own.confirmation_due,
            not_with_this_sign_in=not personal and me.betrokkene_id in view.waiting_for,
            other_answerers=tuple(names.get(i, "") for i in ids_by_name(view.required - {me.betrokkene_id}, names)),
            viewer_answers=me.betrokkene_id in view.required,
        )
