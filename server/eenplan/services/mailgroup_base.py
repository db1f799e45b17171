"""What every part of the mailgroup shares: the deployment's mail settings, the collaborators, an outbox row.

`MailgroupService` (`mailgroup.py`) is made of `MailKeys` (`mailgroup_keys.py`: pinned keys, the household's
signing key) and `MailQueue` (`mailgroup_queue.py`: mail queued in the caller's transaction); both stand on
this base, which holds the state they share, builds an outbox row stamped now, and wakes the in-process
workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..domain.mailgroup import OutboxItem, OutboxKind, OutboxStatus
from ..domain.mailgroup_ports import KeyringPort, PdfRenderer
from ..domain.ports import Clock, IdFactory, UnitOfWorkFactory
from .household_keys import HouseholdKeys
from .plan import PlanService


@dataclass(frozen=True)
class MailSettings:
    """What the mailgroup needs to know of the deployment."""

    mail_domain: str
    public_url: str
    max_attempts: int = 8
    verp_key: bytes = b""  # keys the VERP return paths (domain.bounces); empty: mail returns to the group address


class MailgroupBase:
    """The state the mailgroup's parts share; `MailgroupService` is the one class built from it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        plan: PlanService,
        keyring: KeyringPort | None,
        pdf: PdfRenderer,
        clock: Clock,
        new_id: IdFactory,
        settings: MailSettings,
        household_keys: HouseholdKeys | None = None,
    ) -> None:
        self._uow = uow
        #: the keys in the database (issue 15); None: this node's keyring alone, as before
        self._household_keys = household_keys
        self._plan = plan
        self._keyring = keyring
        self._pdf = pdf
        self._clock = clock
        self._new_id = new_id
        self.settings = settings
        self._signers: dict[str, str] = {}
        #: called after rows were queued (the in-process worker wakes up)
        self.on_enqueued: list[Callable[[], None]] = []

    def _row(
        self,
        household_id: str,
        recipient_id: str,
        kind: OutboxKind,
        dedupe_key: str,
        *,
        version: int | None = None,
        group_id: str | None = None,
        payload: str | None = None,
    ) -> OutboxItem:
        now = self._clock()
        return OutboxItem(
            self._new_id(),
            household_id,
            recipient_id,
            kind,
            dedupe_key,
            version,
            group_id,
            OutboxStatus.QUEUED,
            0,
            now,
            now,
            payload=payload,
        )

    def _notify(self) -> None:
        """Wake the in-process workers now: for rows this service has just committed itself."""
        for wake in self.on_enqueued:
            wake()
