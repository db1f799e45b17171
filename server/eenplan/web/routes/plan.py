"""The plan: read the current version, change sections with If-Match, versions, diff, adopt."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from ...domain.errors import Conflict, PreconditionRequired, ValidationFailed
from ...domain.versions import VersionInfo
from ...services.plan import PlanSnapshot
from ...services.plan_content import CACHE_BYTES, Lru
from ..keys import RENDERED, SERVICES, Rendered, principal, services
from ..params import parse_int, path_int, query_int
from ..registry import RouteTable, optional, required
from ..schemas import AdoptRequest, PlanChange, read_body, read_json
from ..section_schemas import VERSION_INFO, VERSIONS_PAGE, diff_schema, plan_schema

table = RouteTable("plan")


def info_dict(info: VersionInfo) -> dict[str, Any]:
    """A version's facts as the API shows them."""
    return {
        "version": info.number,
        "author_id": info.author_id,
        "created_at": info.created_at.isoformat(),
        "summary": info.summary,
        "changed_sections": list(info.changed_sections),
        "base_version": info.base_version,
        "vastgesteld": info.vastgesteld_at is not None,
        "vastgesteld_at": info.vastgesteld_at.isoformat() if info.vastgesteld_at else None,
        "vastgesteld_by": info.vastgesteld_by,
        "vastgesteld_overleg": info.vastgesteld_overleg,
    }


def render_snapshot(snap: PlanSnapshot) -> bytes:
    """The plan as JSON, assembled from the stored section texts without re-encoding them."""
    head = json.dumps({"household_id": snap.household_id, **info_dict(snap.info)}, ensure_ascii=False)
    sections = ",".join(f'"{key}":{text}' for key, text in snap.sections.items())
    return f'{head[:-1]},"sections":{{{sections}}}}}'.encode()


def rendered_cache() -> Lru[PlanSnapshot, Rendered]:
    """Rendered plan answers by the (shared, immutable) snapshot they were rendered from, bounded in bytes."""
    return Lru(CACHE_BYTES, lambda rendered: len(rendered[0]))


def snapshot_response(snap: PlanSnapshot, rendered: Lru[PlanSnapshot, Rendered] | None = None) -> web.Response:
    """The plan as a JSON response with its version as ETag; `rendered` remembers answers of shared snapshots
    (the body, and headers copied into each response: nothing of one response reaches another)."""
    known = rendered.get(snap) if rendered is not None else None
    if known is None:
        known = (
            render_snapshot(snap),
            CIMultiDict({"Content-Type": "application/json", "ETag": f'"{snap.info.number}"'}),
        )
        if rendered is not None:
            rendered.put(snap, known)
    return web.Response(body=known[0], headers=CIMultiDict(known[1]))


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match header names; None for '*'. Required on every change."""
    if value is None:
        raise PreconditionRequired("a plan change needs If-Match with the version it is based on (the ETag)")
    value = value.strip()
    if value == "*":
        return None
    tag = value.removeprefix("W/").strip('"')
    if not tag.isascii() or not tag.isdigit():
        raise ValidationFailed.one("If-Match", 'must be the plan\'s ETag, e.g. "7"')
    return parse_int(tag, "If-Match")


@table.route(
    "GET",
    "/api/households/{id}/plan",
    summary="The current plan (sections the caller may read); ETag is the version",
    response=plan_schema(),
)
async def get_plan(request: web.Request) -> web.Response:
    app = request.app
    snap = await app[SERVICES].plan.current(principal(request), request.match_info["id"])
    return snapshot_response(snap, app[RENDERED])


@table.route(
    "PATCH",
    "/api/households/{id}/plan",
    summary="Replace sections; requires If-Match. Merges when "
    "the touched sections did not change since; 409 with their current content otherwise",
    body=PlanChange,
    headers={"If-Match": required('ETag of the version the change is based on, e.g. "7" (or *)')},
    response=plan_schema(),
    responses={
        200: "New version (or unchanged)",
        409: "Conflict",
        412: "Unknown base version",
        428: "If-Match missing",
    },
)
async def patch_plan(request: web.Request) -> web.Response:
    base = parse_if_match(request.headers.get("If-Match"))
    changes = await read_json(request)
    svc = services(request)
    try:
        snap, _created = await svc.plan.change(principal(request), request.match_info["id"], base, changes)
    except Conflict as err:
        # Nothing is silently lost: the caller gets what is there now, within its own scope.
        current = await svc.plan.current(principal(request), request.match_info["id"])
        conflicting = err.extra.get("conflicting_sections", [])
        err.extra["current"] = {k: json.loads(current.sections[k]) for k in conflicting if k in current.sections}
        err.extra["current_version"] = current.info.number
        raise
    return snapshot_response(snap)


@table.route(
    "GET",
    "/api/households/{id}/plan/versions",
    summary="Versions, newest first",
    query={
        "before": optional("only versions below this number", type="integer", minimum=1),
        "limit": optional("page size (1–200, default 50)", type="integer", minimum=1),
    },
    response=VERSIONS_PAGE,
)
async def list_versions(request: web.Request) -> web.Response:
    before = query_int(request, "before")
    limit = min(query_int(request, "limit", default=50), 200)
    page, current = await services(request).plan.versions(
        principal(request), request.match_info["id"], before=before, limit=limit
    )
    return web.json_response(
        {
            "current_version": current,
            "versions": [info_dict(i) for i in page],
            "next_before": page[-1].number if page and page[-1].number > 1 else None,
        }
    )


@table.route("GET", "/api/households/{id}/plan/versions/{n}", summary="One version of the plan", response=plan_schema())
async def get_version(request: web.Request) -> web.Response:
    number = path_int(request, "n")
    snap = await services(request).plan.version(principal(request), request.match_info["id"], number)
    return snapshot_response(snap, request.app[RENDERED])


@table.route(
    "POST",
    "/api/households/{id}/plan/versions/{n}/vaststellen",
    summary="Mark a version vastgesteld (regisseur); `overleg`, when given, must be one that was held or is "
    "planned for today (422 naming `overleg` otherwise), as on the plan editor's page",
    body=AdoptRequest,
    body_required=False,
    response=VERSION_INFO,
)
async def adopt_version(request: web.Request) -> web.Response:
    number = path_int(request, "n")
    body = await read_body(request, AdoptRequest) if request.can_read_body else AdoptRequest()
    deadlines = services(request).plan_deadlines  # the rule "held or today's overleg" is the service's, as on the page
    info = await deadlines.adopt_at(principal(request), request.match_info["id"], number, body.overleg)
    return web.json_response(info_dict(info))


@table.route(
    "GET",
    "/api/households/{id}/plan/diff",
    summary="Plan-aware diff between two versions",
    query={
        "from": required("older version", type="integer", minimum=1),
        "to": required("newer version", type="integer", minimum=1),
    },
    response=diff_schema(),
)
async def diff_versions(request: web.Request) -> web.Response:
    a = query_int(request, "from")
    b = query_int(request, "to")
    if a is None or b is None:
        raise ValidationFailed.one("from" if a is None else "to", "is required")
    changes = await services(request).plan.diff(principal(request), request.match_info["id"], a, b)
    return web.json_response({"from": a, "to": b, "sections": changes})
