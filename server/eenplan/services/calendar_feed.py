"""A person's calendar feed: a secret URL (`/agenda/<token>.ics`) their calendar program subscribes to.

The token is 256 random bits; only its SHA-256 is stored, so the link is shown once, right after it is made.
Making a new one stops the old ones (one working feed per person per household); "stop" stops it. The feed
is content-free like the cleartext invites (see eenplan_calendar.feed) and lists only the overleggen the
person is invited to; every fetch is access-logged on channel ICS, as a downloaded invite is. An unknown
token, a stopped feed and a removed betrokkene all answer the same NotFound.
"""

from __future__ import annotations

from datetime import timedelta

from ..domain.access import Principal
from ..domain.audit import Channel, Event
from ..domain.errors import NotFound
from ..domain.overleg import OverlegStatus
from ..domain.overleg_ports import FeedBuilder, FeedEvent, FeedSpec
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.sessions import looks_like_secret, new_secret, secret_hash
from .common import Need, authorised, known_household
from .plan import PlanService

FEED_NOT_FOUND = "calendar feed not found"
#: how often calendar programs are asked to fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL)
REFRESH = timedelta(hours=1)
#: the neutral title every overleg has in the feed
SUMMARY = "Overleg"


def feed_path(token: str) -> str:
    """The path of a feed (under the public URL)."""
    return f"/agenda/{token}.ics"


class CalendarFeedService:
    """Making, stopping and serving personal calendar feeds."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, plan: PlanService, builder: FeedBuilder, public_url: str
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._plan = plan
        self._builder = builder
        self._public_url = public_url.rstrip("/")

    async def has_feed(self, principal: Principal, household_id: str) -> bool:
        """Whether the caller has a working feed for this household (the link itself cannot be shown again)."""
        async with authorised(self._uow, principal, household_id) as caller:
            return await caller.uow.overleggen.has_feed(household_id, caller.actor.betrokkene_id)

    async def create(self, principal: Principal, household_id: str) -> str:
        """A new feed for the caller in this household; the old one stops. Returns the full URL, which only
        this answer holds. Only the person themself (not a token someone else issued) makes one."""
        token = new_secret()
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="make a calendar link"
        ) as caller:
            now = self._clock()
            await caller.uow.overleggen.revoke_feeds(household_id, caller.actor.betrokkene_id, now)
            await caller.uow.overleggen.add_feed(secret_hash(token), household_id, caller.actor.betrokkene_id, now)
            await caller.uow.commit()
        return self._public_url + feed_path(token)

    async def stop(self, principal: Principal, household_id: str) -> int:
        """Stop the caller's feed in this household; how many were working (0 or 1)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.PERSONAL, what="stop a calendar link"
        ) as caller:
            stopped = await caller.uow.overleggen.revoke_feeds(household_id, caller.actor.betrokkene_id, self._clock())
            await caller.uow.commit()
        return stopped

    async def feed(self, token: str) -> bytes:
        """The feed a token opens, as .ics bytes, logged on channel ICS; NotFound for anything else."""
        if not looks_like_secret(token):
            raise NotFound(FEED_NOT_FOUND)
        async with self._uow() as uow:
            owner = await uow.overleggen.feed_owner(secret_hash(token))
        if owner is None:
            raise NotFound(FEED_NOT_FOUND)
        principal = Principal(owner.betrokkene_id, owner.household_id)
        async with authorised(self._uow, principal, owner.household_id) as caller:
            household = await known_household(caller.uow, owner.household_id)
            mine = [o for o in await caller.uow.overleggen.list(owner.household_id) if o.invitee(owner.betrokkene_id)]
        base = f"{self._public_url}/huishoudens/{owner.household_id}/overleggen/"
        spec = FeedSpec(
            name=f"eenplan: overleggen {household.code}",
            summary=SUMMARY,
            events=tuple(
                FeedEvent(o.uid, o.sequence, o.start, o.end, o.status is OverlegStatus.CANCELLED, base + o.id)
                for o in mine
            ),
            refresh=REFRESH,
            dtstamp=self._clock(),
        )
        data = self._builder.build_feed(spec)
        await self._plan.log_access(
            principal, owner.household_id, Event.EXPORT, (), Channel.ICS, f"agenda-abonnement: {len(mine)} overleggen"
        )
        return data
