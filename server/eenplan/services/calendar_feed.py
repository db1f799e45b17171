"""A person's calendar feed: a secret URL (`/agenda/<token>.ics`) their calendar program subscribes to.

The token is 256 random bits; only its SHA-256 is stored, so the link is shown once, right after it is made.
Making a new one stops the old ones (one working feed per person per household); "stop" stops it, and a regisseur
stops anyone's (`stop_for`: a leaked link; the person makes a new one later). The feed
is content-free like the cleartext invites (see eenplan_calendar.feed) and lists only the overleggen the
person is invited to. A fetch is access-logged on channel ICS (as a downloaded invite is) only when what the feed
shows changed since the last logged fetch of that feed: the detail carries a fingerprint keyed with the feed's
token hash, kept in the (shared, database) access log, so a leaked link polled every hour cannot bury the klant's
real reads, on any number of nodes. A HEAD is never logged; each token has at most FETCHES_PER_HOUR fetches an hour
(RateLimited, 429; counted across nodes when the counter is the shared one). An unknown token, a stopped feed and
a removed betrokkene all answer the same NotFound.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from ..domain.access import Principal
from ..domain.audit import Channel, Event
from ..domain.cluster_ports import AttemptCounter, Limit
from ..domain.errors import NotFound
from ..domain.overleg import OverlegStatus
from ..domain.overleg_ports import FeedBuilder, FeedEvent, FeedSpec
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.sessions import looks_like_secret, new_secret, secret_hash
from ..domain.signin import MemoryCounter, RateLimited
from .common import Need, authorised, known_household, require_need
from .plan import PlanService

security = logging.getLogger("eenplan.security")

FEED_NOT_FOUND = "calendar feed not found"
#: how often calendar programs are asked to fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL)
REFRESH = timedelta(hours=1)
#: the neutral title every overleg has in the feed
SUMMARY = "Overleg"
#: the neutral calendar name: a household code is chosen by the regisseur and could hold a family name
CALENDAR_NAME = "eenplan: overleggen"
#: fetches one feed token may make in an hour (a calendar program polls about once an hour)
FETCHES_PER_HOUR = 60
#: the start of every feed fetch's access-log detail
LOG_PREFIX = "agenda-abonnement:"
#: the feed fetch limit's bucket shape
FEED_LIMIT = Limit("feed", FETCHES_PER_HOUR, 3600)


def fingerprint(token_hash: str, events: tuple[FeedEvent, ...]) -> str:
    """A short fingerprint of what a feed shows, keyed with its token hash: a new feed logs its first fetch, and
    the log (which the household's members read) holds nothing to guess the overleggen's times from."""
    text = "\n".join(f"{e.uid}|{e.sequence}|{e.start.isoformat()}|{e.end.isoformat()}|{e.cancelled}" for e in events)
    return hashlib.sha256(f"{token_hash}\n{text}".encode()).hexdigest()[:12]


def feed_path(token: str) -> str:
    """The path of a feed (under the public URL)."""
    return f"/agenda/{token}.ics"


class CalendarFeedService:
    """Making, stopping and serving personal calendar feeds."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        plan: PlanService,
        builder: FeedBuilder,
        public_url: str,
        counter: AttemptCounter | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._plan = plan
        self._builder = builder
        self._public_url = public_url.rstrip("/")
        self._limits = counter or MemoryCounter()  # the database's buckets when several nodes serve

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

    async def holders(self, principal: Principal, household_id: str) -> frozenset[str]:
        """Who in this household has a working feed (regisseurs only: their betrokkenen page offers to stop it)."""
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="see who has a calendar link"
        ) as caller:
            return await caller.uow.overleggen.feed_holders(household_id)

    async def stop_for(self, principal: Principal, household_id: str, betrokkene_id: str) -> bool:
        """A regisseur stops a betrokkene's working feed (a leaked link); whether one was working. The link
        answers the one NotFound from then on; the person makes a new one on their overleggen page."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="stop someone's calendar link"
        ) as caller:
            require_need(caller, Need.PERSONAL, "stop someone's calendar link")  # what another sees, her act
            found = await caller.uow.betrokkenen.get(household_id, betrokkene_id)
            if found is None or not found.active:
                raise NotFound("betrokkene not found")
            stopped = await caller.uow.overleggen.revoke_feeds(household_id, betrokkene_id, self._clock())
            await caller.uow.commit()
        security.info(
            "calendar feed stopped by a regisseur betrokkene=%s by=%s stopped=%d",
            betrokkene_id,
            principal.issued_by or principal.betrokkene_id,
            stopped,
        )
        return stopped > 0

    async def feed(self, token: str, *, head: bool = False) -> bytes:
        """The feed a token opens, as .ics bytes; NotFound for anything else, RateLimited past FETCHES_PER_HOUR.
        Logged on channel ICS when its content changed since the last logged fetch; a HEAD (`head`) never."""
        if not looks_like_secret(token):
            raise NotFound(FEED_NOT_FOUND)
        token_hash = secret_hash(token)
        now = self._clock().timestamp()
        wait = await self._limits.take(((FEED_LIMIT, token_hash),), now)
        if wait > 0:
            raise RateLimited(int(wait) + 1)
        async with self._uow() as uow:
            owner = await uow.overleggen.feed_owner(token_hash)
        if owner is None:
            raise NotFound(FEED_NOT_FOUND)
        principal = Principal(owner.betrokkene_id, owner.household_id)
        async with authorised(self._uow, principal, owner.household_id) as caller:
            await known_household(caller.uow, owner.household_id)
            mine = [o for o in await caller.uow.overleggen.list(owner.household_id) if o.invitee(owner.betrokkene_id)]
            last = await caller.uow.access_log.actor_details(
                owner.household_id, owner.betrokkene_id, Event.EXPORT.value, Channel.ICS.value, LOG_PREFIX, limit=1
            )
        base = f"{self._public_url}/huishoudens/{owner.household_id}/overleggen/"
        events = tuple(
            FeedEvent(o.uid, o.sequence, o.start, o.end, o.status is OverlegStatus.CANCELLED, base + o.id) for o in mine
        )
        spec = FeedSpec(name=CALENDAR_NAME, summary=SUMMARY, events=events, refresh=REFRESH, dtstamp=self._clock())
        data = self._builder.build_feed(spec)
        detail = f"{LOG_PREFIX} {len(mine)} overleggen (stand {fingerprint(token_hash, events)})"
        if not head and detail not in last[:1]:
            await self._plan.log_access(principal, owner.household_id, Event.EXPORT, (), Channel.ICS, detail)
        return data
