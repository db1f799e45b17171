"""TLS to PostgreSQL from the URL (`?ssl=verify-full&sslrootcert=/etc/eenplan/db-ca.pem`), for every connection.

asyncpg reads libpq's `ssl`/`sslmode`/`sslrootcert` from a DSN (the hot reads' pool and LISTEN pass the URL as
a DSN), but SQLAlchemy hands every query parameter to `asyncpg.connect` as a keyword, and asyncpg has no
`sslrootcert` keyword: the engine gets the parameters taken out of the URL and given as one `ssl` argument.
"""

from __future__ import annotations

import ssl
from typing import Any

from sqlalchemy.engine import URL, make_url

_SSL_KEYS = ("ssl", "sslmode", "sslrootcert")
_VERIFYING = {"verify-ca", "verify-full"}


def engine_connect_args(url: str | URL) -> tuple[URL, dict[str, Any]]:
    """The URL without its TLS parameters and the `connect_args` that carry them to asyncpg (empty: none set).

    `verify-ca`/`verify-full` with `sslrootcert` become an SSLContext trusting that CA (verify-full also checks
    the host name); any other mode is passed on as asyncpg's own mode string."""
    parsed = make_url(url)
    query = dict(parsed.query)
    mode = query.get("ssl") or query.get("sslmode")
    root = query.get("sslrootcert")
    if isinstance(mode, tuple):
        mode = mode[-1]
    if isinstance(root, tuple):
        root = root[-1]
    if mode is None and root is None:
        return parsed, {}
    cleaned = parsed.difference_update_query(_SSL_KEYS)
    mode = mode or "verify-full"
    if mode in _VERIFYING and root:
        context = ssl.create_default_context(cafile=root)
        context.check_hostname = mode == "verify-full"
        context.verify_mode = ssl.CERT_REQUIRED
        return cleaned, {"ssl": context}
    return cleaned, {"ssl": mode}
