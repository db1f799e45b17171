"""Queuing mail inside the transaction that causes it (transactional outbox).

`enqueue_plan_update` is a PlanService version listener and `enqueue_invite` is the InviteOutbox port
overleggen use; sign-in links and key-expiry warnings are queued in a transaction of their own. A plan update's
row holds identifiers only: its content is read, re-authorised, at send time by the outbox worker (`outbox.py`).
An invite's row carries its .ics and the agenda (sent only encrypted, and the agenda only if the policy still
allows it for the recipient at send time: `outbox_prepare`).
"""

from __future__ import annotations

import base64
import hashlib
import json

from ..domain.access import Actor
from ..domain.betrokkene import is_regisseur
from ..domain.errors import ValidationFailed
from ..domain.mailgroup import OutboxKind, plan_update_recipients
from ..domain.ports import UnitOfWork
from ..domain.versions import VersionInfo
from .mailgroup_base import MailgroupBase


class MailQueue(MailgroupBase):
    """The mailgroup's queuing: outbox rows added in the caller's (or its own) transaction, workers woken after."""

    def wake_after_commit(self, uow: UnitOfWork) -> None:
        """Wake the in-process workers once `uow` commits the rows queued in it: not before (a worker woken
        early finds nothing and sleeps a whole poll interval), never if it rolls back."""
        uow.on_commit(self._notify)

    async def enqueue_plan_update(self, uow: UnitOfWork, actor: Actor, info: VersionInfo) -> None:
        """VersionListener: one outbox row per recipient of the new version, in the version's transaction."""
        members = await uow.betrokkenen.list(actor.household_id)
        recipients, group = plan_update_recipients(members, await uow.mail.list_groups(actor.household_id))
        for b in recipients:
            await uow.mail.enqueue(
                self._row(
                    actor.household_id,
                    b.id,
                    OutboxKind.PLAN_UPDATE,
                    f"v{info.number}",
                    version=info.number,
                    group_id=group.id if group else None,
                )
            )
        if recipients:
            self.wake_after_commit(uow)

    async def enqueue_invite(
        self,
        uow: UnitOfWork,
        household_id: str,
        recipient_id: str,
        method: str,
        ics: bytes,
        agenda: str,
        dedupe_key: str,
        *,
        clear_ics: bytes | None = None,
        uninvited: bool = False,
    ) -> None:
        """InviteOutbox: queue an overleg invite; the full .ics and the agenda go only encrypted, `clear_ics`
        (organizer and recipient only) is the one a cleartext notice may carry."""
        if method not in ("REQUEST", "CANCEL"):
            raise ValidationFailed.one("method", "must be REQUEST or CANCEL")
        for name, data in (("ics", ics), ("clear_ics", clear_ics)):
            if (data is not None or name == "ics") and (
                not isinstance(data, bytes) or not data.startswith(b"BEGIN:VCALENDAR")
            ):
                raise ValidationFailed.one(name, "must be an iCalendar object")
        if not dedupe_key or len(dedupe_key) > 200:
            raise ValidationFailed.one("dedupe_key", "must be 1-200 characters")
        payload = json.dumps(
            {
                "method": method,
                "ics": base64.b64encode(ics).decode("ascii"),
                "ics_clear": None if clear_ics is None else base64.b64encode(clear_ics).decode("ascii"),
                "uninvited": uninvited,
                "agenda": agenda,
            }
        )
        await uow.mail.enqueue(self._row(household_id, recipient_id, OutboxKind.INVITE, dedupe_key, payload=payload))
        self.wake_after_commit(uow)

    async def enqueue_signin_link(self, household_id: str, recipient_id: str, url: str) -> None:
        """Queue a magic sign-in link for one betrokkene (sent encrypted when they have a usable key).

        The link is a credential: it waits in the outbox row until sent, is single use, and expires
        after 10 minutes (the row's dedupe key is a hash of it, never the link itself).
        """
        digest = hashlib.sha256(url.encode()).hexdigest()[:32]
        async with self._uow(write=True) as uow:
            await uow.mail.enqueue(
                self._row(
                    household_id,
                    recipient_id,
                    OutboxKind.SIGNIN_LINK,
                    f"link:{digest}",
                    payload=json.dumps({"link": url}),
                )
            )
            await uow.commit()
        self._notify()

    async def enqueue_expiry_warnings(self) -> int:
        """Queue one content-free warning per key expiring within 30 days, to its owner and the regisseurs."""
        from datetime import timedelta

        from ..domain.mailgroup import EXPIRY_WARNING_DAYS

        now = self._clock()
        queued = 0
        async with self._uow(write=True) as uow:
            for key in await uow.mail.keys_expiring_before(now + timedelta(days=EXPIRY_WARNING_DAYS)):
                members = await uow.betrokkenen.list(key.household_id)
                targets = {key.betrokkene_id} | {b.id for b in members if is_regisseur(b.role)}
                for rid in sorted(targets):
                    if await uow.mail.enqueue(
                        self._row(
                            key.household_id, rid, OutboxKind.KEY_EXPIRY, f"{key.betrokkene_id}:{key.fingerprint}"
                        )
                    ):
                        queued += 1
                await uow.mail.mark_key_warned(key.household_id, key.betrokkene_id, now)
            await uow.commit()
        if queued:
            self._notify()
        return queued
