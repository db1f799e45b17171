"""Must-attend for the next overleg, per betrokkene (issue 13 item 3), over the overleg service.

The betrokkenen page shows, for the next planned overleg (`domain.next_overleg.next_planned`), who must attend, and
lets the regisseur change it for one person. The change goes through `OverlegService.set_must_attend` (regisseurs
only; the invitee rules, the one updated invitation and the slots that count must-attend people stay there). Nothing
of an overleg's content (agenda, decisions) is shown: its facts only (`content=False`), so nothing is access-logged.
"""

from __future__ import annotations

from ..domain.access import Principal
from ..domain.audit import Channel
from ..domain.next_overleg import next_planned
from ..domain.ports import Clock
from .overleg_views import OverlegView
from .overleggen import OverlegService


class NextOverlegService:
    """The next overleg of a household and who must attend it."""

    def __init__(self, overleggen: OverlegService, clock: Clock) -> None:
        self._overleggen = overleggen
        self._clock = clock

    async def next_for(self, principal: Principal, household_id: str) -> OverlegView | None:
        """The next planned overleg the caller may see (its facts only), or None: "geen volgend overleg gepland"."""
        found = await self._overleggen.list(principal, household_id, channel=Channel.WEB, content=False)
        return next_planned(found, self._clock())

    async def set_must_attend(
        self, principal: Principal, household_id: str, overleg_id: str, betrokkene_id: str, must: bool
    ) -> OverlegView:
        """Mark one betrokkene as must-attend (invited if they were not) or not for this overleg; an unchanged
        answer changes nothing. The overleg service decides (`OverlegService.set_must_attend`: regisseurs only, a
        planned overleg, one locked transaction) and mails only that person an updated invitation."""
        view, _queued = await self._overleggen.set_must_attend(principal, household_id, overleg_id, betrokkene_id, must)
        return view
