"""The per-IP sign-in limit counts an IPv6 client by its /64: a client with a /64 (every home and phone has
one) cannot get a fresh bucket per address; IPv4 clients are still counted per address."""

from __future__ import annotations

from dataclasses import replace

from eenplan.bootstrap import build_services
from eenplan.web.client import limit_key


def test_the_limit_key_is_the_ipv6_64_and_the_ipv4_address() -> None:
    assert limit_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:2::1") == limit_key("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("203.0.113.7") == "203.0.113.7" and limit_key("203.0.113.8") != limit_key("203.0.113.7")
    assert limit_key("unknown") == "unknown"


async def test_400_addresses_of_one_64_share_one_bucket(aiohttp_client, settings, clock) -> None:
    from eenplan.web.app import create_app as web_app

    svc = build_services(replace(settings, signin_ip_limit=3), clock=clock)
    try:
        client = await aiohttp_client(web_app(svc, trusted_proxies=frozenset({"127.0.0.1"})))

        async def ask(address: str) -> int:
            response = await client.post(
                "/auth/magic-link", headers={"X-Forwarded-For": address}, json={"email": "nobody@example.org"}
            )
            return response.status

        statuses = [await ask(f"2001:db8:1:2::{n:x}") for n in range(1, 401)]
        assert statuses[:3] == [202, 202, 202]
        assert set(statuses[3:]) == {429}
        assert await ask("2001:db8:1:3::1") == 202  # the neighbour's /64 has its own bucket
        assert await ask("198.51.100.9") == 202
    finally:
        await svc.close()
