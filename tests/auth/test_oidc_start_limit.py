"""The OIDC login start is limited per client IP only: one busy network cannot lock every professional out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eenplan.config import Settings
from eenplan.domain.signin import RateLimited


class StubIdp:
    """Stands in for the provider: only the authorization URL is needed to start a sign-in."""

    async def authorization_url(self, **_: str) -> str:
        return "https://idp.example/authorize"


@pytest.fixture(params=["off", "on"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Per process and across nodes (shared limits); a small per-IP limit so the test stays short."""
    return replace(settings, shared_state=request.param, signin_ip_limit=6, signin_target_limit=5)


async def test_eight_professionals_on_eight_networks_all_get_to_their_provider(services) -> None:
    services.signin._idp = StubIdp()
    for i in range(8):  # more than the per-target limit (5): no shared bucket for the whole deployment
        url, state = await services.signin.start_oidc(f"198.51.100.{i + 1}")
        assert url.startswith("https://idp.example/") and state


async def test_one_network_over_its_limit_is_refused_and_the_others_are_not(services) -> None:
    services.signin._idp = StubIdp()
    for _ in range(6):
        await services.signin.start_oidc("203.0.113.9")
    with pytest.raises(RateLimited):
        await services.signin.start_oidc("203.0.113.9")
    await services.signin.start_oidc("203.0.113.10")  # another network still starts
