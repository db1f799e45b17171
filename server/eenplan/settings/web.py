"""The HTTP server: where it listens, the URL users reach it at, what it accepts, the proxies in front of it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..domain.errors import ValidationFailed
from . import setting


@dataclass(frozen=True)
class WebSettings:
    """The HTTP server and what reaches it."""

    host: str = setting("127.0.0.1", "Address the HTTP server binds to.", "EENPLAN_HOST")
    port: int = setting(8080, "Port the HTTP server listens on.", "EENPLAN_PORT")
    public_url: str = setting(
        "",
        "Base URL users reach the server at (links in mail; the passkeys' relying party). "
        "Default: http://HOST:PORT, with localhost for a loopback HOST.",
        "EENPLAN_PUBLIC_URL",
    )
    max_body_bytes: int = setting(1_048_576, "Largest request body accepted, in bytes.", "EENPLAN_MAX_BODY_BYTES")
    theme_css: str = setting(
        "",
        "Path to a municipality's own stylesheet (NL Design System theme tokens), served at /static/thema.css "
        "after the default theme. Empty: the NL Design System example theme only.",
        "EENPLAN_THEME_CSS",
    )
    trusted_proxies: str = setting(
        "",
        "Comma-separated IP addresses of reverse proxies in front of eenplan whose "
        "X-Forwarded-For names the client (for the per-IP sign-in limits). Empty: the "
        "direct peer is the client.",
        "EENPLAN_TRUSTED_PROXIES",
    )

    @property
    def trusted_proxy_addresses(self) -> frozenset[str]:
        """The trusted proxies' addresses, normalised."""
        out = set()
        for part in filter(None, (p.strip() for p in self.trusted_proxies.split(","))):
            try:
                address = ipaddress.ip_address(part)
                out.add(str(getattr(address, "ipv4_mapped", None) or address))  # as the web layer spells peers
            except ValueError:
                raise ValidationFailed.one("EENPLAN_TRUSTED_PROXIES", f"{part[:45]!r} is not an IP address") from None
        return frozenset(out)

    @property
    def effective_public_url(self) -> str:
        """The base URL for links, defaulting to the bind address — spelled `localhost` for a loopback
        address, the one name browsers accept for passkeys on plain http (development, `make run`)."""
        host = "localhost" if self.host in ("127.0.0.1", "::1", "localhost") else self.host
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")
