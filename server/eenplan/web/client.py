"""Who the client is, for the per-IP sign-in limits: the peer, or the address a trusted proxy names.

The limits count an IPv6 client by its /64 (one subscriber's network: a client picks any of its 2^64
addresses at will) and an IPv4 client by its address."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from .keys import TRUSTED_PROXIES


def client_ip(request: web.Request) -> str:
    """The client's address: the direct peer, unless that is a trusted proxy; then the nearest address in
    X-Forwarded-For that is not one (entries further left are the client's own claims, never believed); as the
    limits count it (`limit_key`: an IPv6 client's /64)."""
    return limit_key(_client_address(request))


def _client_address(request: web.Request) -> str:
    peer = _normalised(request.remote) or request.remote or "unknown"
    trusted = request.app[TRUSTED_PROXIES]
    if peer not in trusted:
        return peer
    hops = [h.strip() for value in request.headers.getall("X-Forwarded-For", []) for h in value.split(",")]
    for hop in reversed(hops):
        address = _normalised(hop)
        if address is None:
            return peer  # a malformed header: count the proxy, not a made-up client
        if address not in trusted:
            return address
    return peer


def limit_key(address: str) -> str:
    """What the per-IP limits count for `address`: an IPv6 address's /64 network, an IPv4 address itself
    (anything else unchanged). One bucket per /64, else a client with a /64 gets 2^64 buckets."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _normalised(value: str | None) -> str | None:
    """An IP address in one spelling (an IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d)."""
    try:
        address = ipaddress.ip_address(value or "")
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)
