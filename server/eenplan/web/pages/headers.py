"""Response headers for the pages: a strict Content-Security-Policy and no caching of anything personal."""

from __future__ import annotations

from aiohttp import web

#: no inline script or style anywhere; JavaScript only from our own static files (issue 11)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # sign-in links carry their secret in the URL
    "X-Frame-Options": "DENY",
}
STATIC_PREFIX = "/static/"


async def page_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response outside /api gets the page headers; static files may be cached
    but are revalidated (a new theme shows at once)."""
    if request.path.startswith("/api"):
        return
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    if request.path.startswith(STATIC_PREFIX) and response.status == 200:
        response.headers["Cache-Control"] = "no-cache"
