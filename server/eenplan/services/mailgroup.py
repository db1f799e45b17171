"""Mailgroup use cases: the household's mail groups, who lacks a key, the outbox view and the plan's PDF.

`MailgroupService` is the one service the rest of the code knows; its parts live beside it:
`mailgroup_keys.py` (pin keys, whether a key is usable, the household's signing key), `mailgroup_queue.py`
(queue mail in the caller's transaction: a transactional outbox; a plan update's row holds identifiers only,
its content read and re-authorised at send time by the outbox worker) and `mailgroup_base.py` (the shared state,
`MailSettings`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from babel.dates import format_date

from ..domain.access import Principal
from ..domain.audit import Channel
from ..domain.betrokkene import MailChoice
from ..domain.errors import NotFound, ValidationFailed
from ..domain.mailgroup import MailGroup, OutboxItem, OutboxStatus, check_slug
from ..domain.names import by_name, ids_by_name
from ..domain.versions import VersionInfo
from .common import Need, authorised, known_household, require_need
from .mailgroup_base import MailSettings
from .mailgroup_keys import MailKeys
from .mailgroup_queue import MailQueue
from .plan import AMSTERDAM

__all__ = ["MailSettings", "MailgroupService"]


def members_by_name(group: MailGroup, names: Mapping[str, str]) -> MailGroup:
    """The group with its members in the one name order of lists of people (`domain.names.ids_by_name`: someone
    no longer involved last), so the mail page and the API list them alike."""
    return dataclasses.replace(group, members=tuple(ids_by_name(group.members, names)))


class MailgroupService(MailKeys, MailQueue):
    """Keys, groups, queuing and the PDF of a household's plan."""

    # -- who lacks a key ----------------------------------------------------------------------
    async def missing_keys(self, principal: Principal, household_id: str) -> list[dict[str, Any]]:
        """Who does not receive encrypted mail, and why (regisseur): no e-mail, no key, or an unusable key; in
        name order (`domain.names.by_name`), for the mail page and the API alike."""
        now = self._clock()
        async with authorised(
            self._uow, principal, household_id, need=Need.REGISSEUR, what="list who lacks a key"
        ) as caller:
            uow = caller.uow
            members = await uow.betrokkenen.list(household_id)
            keys = {k.betrokkene_id: k for k in await uow.mail.list_keys(household_id)}
        out = []
        for b in by_name(members):
            key = keys.get(b.id)
            reason = None
            if not b.email:
                reason = "geen e-mailadres"
            elif b.mail_choice is MailChoice.MELDINGEN:
                reason = "kiest alleen meldingen"
            elif key is None:
                reason = "geen sleutel"
            elif not await self.key_usable(key.fingerprint):
                reason = "sleutel onbruikbaar (verlopen of ingetrokken)"
            elif key.expires_at is not None and (key.expires_at - now).days < 30:
                reason = "sleutel verloopt binnen 30 dagen"
            if reason:
                out.append(
                    {
                        "betrokkene_id": b.id,
                        "name": b.name,
                        "reason": reason,
                        "fingerprint": key.fingerprint if key else None,
                    }
                )
        return out

    # -- groups -------------------------------------------------------------------------------
    async def groups(self, principal: Principal, household_id: str) -> tuple[str, list[MailGroup]]:
        """The default group's address and the named groups, each with its members in name order."""
        async with authorised(self._uow, principal, household_id) as caller:
            uow = caller.uow
            household = await known_household(uow, household_id)
            groups = await uow.mail.list_groups(household_id)
            names = {b.id: b.name for b in await uow.betrokkenen.list(household_id)} if groups else {}
            return household.code, [members_by_name(g, names) for g in groups]

    async def add_group(
        self, principal: Principal, household_id: str, slug: str, name: str, members: list[str], plan_updates: bool
    ) -> MailGroup:
        """Create a named subset (regisseur); with plan_updates it receives plan mail instead of everyone. The
        group comes back with its members in name order, as `groups` lists them."""
        check_slug(slug)
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="manage mail groups"
        ) as caller:
            require_need(caller, Need.PERSONAL, "manage mail groups")  # who receives plan mail: her decision
            uow = caller.uow
            names = {b.id: b.name for b in await uow.betrokkenen.list(household_id)}
            known = names.keys()
            unknown = [m for m in members if m not in known]
            if unknown:
                raise ValidationFailed.one("members", f"{len(unknown)} id(s) are not betrokkenen of this household")
            if any(g.slug == slug for g in await uow.mail.list_groups(household_id)):
                raise ValidationFailed.one("slug", "is already used by another group")
            group = MailGroup(
                self._new_id(), household_id, slug, name, False, tuple(sorted(set(members))), self._clock()
            )
            await uow.mail.add_group(group)
            if plan_updates:
                await uow.mail.set_plan_group(household_id, group.id)
                group = await uow.mail.get_group(household_id, group.id) or group  # now with plan_updates
            await uow.commit()
            return members_by_name(group, names)

    async def delete_group(self, principal: Principal, household_id: str, group_id: str) -> None:
        """Remove a named group (regisseur); plan mail then goes to the default group again."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="manage mail groups"
        ) as caller:
            require_need(caller, Need.PERSONAL, "manage mail groups")  # who receives plan mail: her decision
            uow = caller.uow
            if not await uow.mail.delete_group(household_id, group_id):
                raise NotFound("mail group not found")
            await uow.commit()

    # -- outbox view --------------------------------------------------------------------------
    async def outbox(
        self, principal: Principal, household_id: str, status: OutboxStatus | None, limit: int = 100
    ) -> list[OutboxItem]:
        """The household's outbox rows (regisseur): dead letters with their recorded error, etc."""
        async with authorised(self._uow, principal, household_id, need=Need.REGISSEUR, what="see the outbox") as caller:
            return await caller.uow.mail.list_outbox(household_id, status, limit)

    async def requeue(self, principal: Principal, household_id: str, item_id: str) -> None:
        """Give a dead letter a fresh set of attempts (regisseur)."""
        async with authorised(
            self._uow, principal, household_id, write=True, need=Need.REGISSEUR, what="retry mail"
        ) as caller:
            uow = caller.uow
            if not await uow.mail.requeue(household_id, item_id, self._clock()):
                raise NotFound("no dead letter with this id")
            await uow.commit()
        self._notify()

    # -- PDF ----------------------------------------------------------------------------------
    async def render_pdf(
        self, household_name: str, info: VersionInfo, sections: Mapping[str, str], names: Mapping[str, str]
    ) -> bytes:
        """A scoped snapshot as PDF, rendered off the event loop."""
        parsed = {k: json.loads(v) for k, v in sections.items()}
        made = format_date(info.created_at.astimezone(AMSTERDAM).date(), "EEEE d MMMM y", locale="nl")  # in words
        subtitle = f"{household_name} - versie {info.number} van {made}" + (
            " (vastgesteld)" if info.vastgesteld_at else ""
        )
        return await asyncio.to_thread(
            self._pdf.render, title=f"Plan - versie {info.number}", subtitle=subtitle, sections=parsed, names=names
        )

    async def plan_pdf(self, principal: Principal, household_id: str) -> bytes:
        """The caller's scoped current plan as PDF; read on the PDF channel (a disclosure)."""
        snapshot = await self._plan.current(principal, household_id, channel=Channel.PDF)
        async with self._uow() as uow:
            household = await known_household(uow, household_id)
            names = {b.id: b.name for b in await uow.betrokkenen.list(household_id)}
        return await self.render_pdf(household.name, snapshot.info, snapshot.sections, names)
