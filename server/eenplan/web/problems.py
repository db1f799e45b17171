"""Turning errors into RFC 9457 problem details: the only place errors become HTTP."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp import web_protocol as aiohttp_web_protocol
from aiohttp import web_response as aiohttp_web_response
from aiohttp.http_exceptions import HttpProcessingError

from ..domain.errors import (
    Conflict,
    EenplanError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TemporaryFailure,
    Unauthenticated,
    ValidationFailed,
)
from ..domain.plan_items import ItemChanged
from ..domain.signin import RateLimited
from ..logsafe import describe_error

log = logging.getLogger("eenplan.web")

PROBLEM_TYPE = "https://eenplan.nl/problems/"

_STATUS: list[tuple[type[EenplanError], int, str]] = [
    (ValidationFailed, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (Unauthenticated, 401, "Authentication required"),
    (Forbidden, 403, "Forbidden"),
    (Conflict, 409, "Conflict"),
    (PreconditionRequired, 428, "Precondition required"),
    (PreconditionFailed, 412, "Precondition failed"),
    (TemporaryFailure, 503, "Temporarily unavailable"),
]


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> web.Response:
    """A problem+json response."""
    body = {"type": PROBLEM_TYPE + kind, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": 'Bearer realm="eenplan"'} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "1"}
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/problem+json",
        headers=headers,
    )


def from_error(err: EenplanError) -> web.Response:
    """Map one of our errors to its HTTP status and problem body."""
    if isinstance(err, RateLimited):  # too many attempts: 429 with when to try again
        resp = problem(429, "Too many requests", err.detail, err.kind)
        resp.headers["Retry-After"] = str(err.retry_after)
        return resp
    for cls, status, title in _STATUS:
        if isinstance(err, cls):
            extra: dict[str, Any] = {}
            if isinstance(err, ValidationFailed):
                extra["errors"] = [p.as_dict() for p in err.problems]
            if isinstance(err, Conflict | ItemChanged):  # what is there now, so nothing is lost silently
                extra.update(err.extra)
            return problem(status, title, err.detail, err.kind, **extra)
    log.error("unmapped error kind=%s", err.kind)
    return problem(500, "Internal error", "the server could not complete the request", "internal")


#: what the Server header says: no product versions for a scanner to match against
SERVER_NAME = "eenplan"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def problem_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Every response gets the security headers; every error leaves as problem+json without data in it.
    (The application itself answers through its one `edge` middleware, which does the same.)"""
    try:
        response = await handler(request)
    except Exception as exc:
        response = problem_for(request, exc)
    return with_security_headers(response)


def with_security_headers(response: web.StreamResponse) -> web.StreamResponse:
    """The response with every security header it does not set itself."""
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    return response


def problem_for(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The problem+json answer to an error a handler raised; an HTTP redirect (below 400) is raised on."""
    if isinstance(exc, EenplanError):
        return from_error(exc)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return problem(413, "Request body too large", f"the body exceeds {exc.text or 'the limit'}", "too-large")
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        response = problem(exc.status, exc.reason, exc.reason, "http-" + str(exc.status))
        if isinstance(exc, web.HTTPMethodNotAllowed):  # RFC 9110 §15.5.6: a 405 lists what is allowed
            response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return response
    # Log the type and the code path only: exception messages may quote data.
    log.error(
        "unhandled error on %s %s: %s",
        request.method,
        getattr(request.match_info.route.resource, "canonical", "?"),
        describe_error(exc),
    )
    return problem(500, "Internal error", "the server could not complete the request", "internal")


class QuietProtocolErrors(logging.Filter):
    """On aiohttp's server logger: a request the HTTP parser refused (an oversized header, a bad line) is
    the client's fault. Log its class and status in one line, without the traceback and without the
    exception's message, which quotes the first bytes of what was sent (a bearer token, for one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite records that carry an HTTP parse error; let every other record through unchanged."""
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = "refused a malformed HTTP request: %s (status %s)"
            record.args = (type(exc).__name__, exc.code)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_protocol_errors(logger: logging.Logger | None = None) -> None:
    """Install QuietProtocolErrors on aiohttp's server logger once (idempotent; create_app calls it).

    Also names the server without versions: aiohttp's header preparation sets `Server` from its module
    default, which is replaced, so every response says `Server: eenplan` — the app's and the answers
    aiohttp's HTTP parser gives before any app code runs (an oversized header line), for which aiohttp
    offers no hook (tests/api/test_hostile_input.py notices if that stops working)."""
    target = logger or logging.getLogger("aiohttp.server")
    if not any(isinstance(f, QuietProtocolErrors) for f in target.filters):
        target.addFilter(QuietProtocolErrors())
    aiohttp_web_response.SERVER_SOFTWARE = SERVER_NAME  # type: ignore[attr-defined]  # not exported, still read
    if aiohttp_web_protocol.RequestHandler.handle_error is not _unreadable_request:
        global _AIOHTTP_HANDLE_ERROR
        _AIOHTTP_HANDLE_ERROR = aiohttp_web_protocol.RequestHandler.handle_error
        aiohttp_web_protocol.RequestHandler.handle_error = _unreadable_request  # type: ignore[method-assign]


_AIOHTTP_HANDLE_ERROR: Any = None


def _unreadable_request(
    self: aiohttp_web_protocol.RequestHandler,
    request: web.BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> web.StreamResponse:
    """aiohttp's answer to a request its parser refused, as a fixed RFC 9457 problem.

    aiohttp's own text quotes the first bytes of the offending line back (part of a bearer token, or
    a query string); this answer says only what to do. aiohttp still logs (quietly, see above) and
    checks that nothing was sent yet."""
    _AIOHTTP_HANDLE_ERROR(self, request, status, exc, "")
    if status >= 500:
        response = problem(status, "Server error", "something went wrong on our side; try again later", "server-error")
    else:
        response = problem(
            status,
            "Unreadable request",
            "the request could not be read (a header or the address is too long "
            "or malformed); send a shorter, well-formed request",
            "unreadable-request",
        )
    response.force_close()
    return response
