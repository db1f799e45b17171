"""Helpers for the tests of "Wie heeft ons plan bekeken" and Inzage: a klant past the second step, the demo's ids."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp

from eenplan.web.keys import SERVICES
from support.factor_pages import CSRF_FIELD, find, reaches, sign_in_by_link

FATIMA = "fatima@example.org"


async def klant_with_second_factor(
    client: Any, capsys: Any, clock: Any, household_id: str, email: str = FATIMA
) -> None:
    """Sign in by mail link, give the person an authenticator app and pass the second step with it."""
    svc = client.app[SERVICES]
    token = await sign_in_by_link(client, capsys, email)
    view = await svc.sessions.person_session(token)
    setup = await svc.factors.totp_setup(view.person_id, email)
    totp = pyotp.TOTP(setup.secret)
    await svc.factors.confirm_totp(view.person_id, setup.setup_id, totp.at(clock().timestamp()))
    clock.advance(timedelta(seconds=31))  # a fresh code for the step itself
    step = await client.get("/inloggen/tweede-stap")
    csrf = find(CSRF_FIELD, await step.text())
    done = await client.post(
        "/inloggen/tweede-stap/code",
        data={"csrf": csrf, "code": totp.at(clock().timestamp())},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    await reaches(client, household_id)


def ids(demo: dict[str, Any]) -> tuple[str, str, str, str]:
    """(household, Joost, Inge, Fatima)."""
    people = demo["by_name"]
    return (
        demo["household"]["id"],
        people["Joost Willems"]["id"],
        people["Inge Bakker"]["id"],
        people["Fatima El Amrani"]["id"],
    )
