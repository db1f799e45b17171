"""A token issued by a credential that does not speak for its holder never speaks for anyone."""

from __future__ import annotations

import pytest

from eenplan.domain.access import Principal
from eenplan.domain.errors import Forbidden


async def test_a_non_personal_credential_cannot_mint_itself_a_personal_token(client, demo, services):
    """No token is issued for oneself at all (issue 11): a personal token would outlive the session it came
    from, and "overal uitloggen"; a held credential cannot mint one either."""
    hh, sanne = demo["household"]["id"], demo["regisseur"]["id"]
    joost = demo["by_name"]["Joost Willems"]["id"]
    held = Principal(sanne, hh, issued_by=joost)  # a credential someone else (Joost) issued for her
    for credential in (held, Principal(sanne, hh, second_factor=True)):
        with pytest.raises(Forbidden):
            await services.tokens.issue_for(credential, hh, sanne)
