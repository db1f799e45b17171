"""Who the client is, for the per-IP sign-in limits: the peer, or the address a trusted proxy names."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from .keys import TRUSTED_PROXIES


def client_ip(request: web.Request) -> str:
    """The client's address: the direct peer, unless that is a trusted proxy; then the nearest address in
    X-Forwarded-For that is not one (entries further left are the client's own claims, never believed)."""
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


def _normalised(value: str | None) -> str | None:
    """An IP address in one spelling (an IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d)."""
    try:
        address = ipaddress.ip_address(value or "")
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)
