"""Which household and group a group address names (issue 14): `plan-<code>@` everyone with e-mail,
`plan-<code>-<slug>@` a named group. The journaal takes posts by it, and the receiver asks it whose key an
encrypted mail to that address must have been encrypted to."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.household import Household
from ..domain.mailgroup import MailGroup, group_address, list_code
from ..domain.ports import UnitOfWork


@dataclass(frozen=True)
class GroupTarget:
    """A household and the group of it that an address names (None: everyone with e-mail)."""

    household: Household
    group: MailGroup | None


async def target(uow: UnitOfWork, recipient: str, mail_domain: str) -> GroupTarget | None:
    """The household and group a group address names (plan-<code>@ or plan-<code>-<slug>@), if any."""
    address = recipient.strip().strip("<>").lower()
    local, _, domain = address.rpartition("@")
    if domain != mail_domain.lower() or not local.startswith("plan-"):
        return None
    words = local[len("plan-") :].split("-")
    for n in range(len(words), 0, -1):  # the longest code first: a code may hold dashes, so may a slug
        household = await uow.households.find_by_code("-".join(words[:n]).upper())
        if household is None or list_code(household.code) != "-".join(words[:n]):
            continue
        slug = "-".join(words[n:]) or None
        if slug is None:
            return GroupTarget(household, None)
        group = next((g for g in await uow.mail.list_groups(household.id) if g.slug == slug), None)
        if group is not None and group_address(household.code, mail_domain.lower(), slug) == address:
            return GroupTarget(household, group)
    return None
