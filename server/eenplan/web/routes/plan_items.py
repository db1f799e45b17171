"""One goal, one action or one afspraak at a time (issue 13): add, change, remove, each with If-Match.

Each operation is one new plan version. A change based on an older version lands on the current one when
the other changes touched other items (`merged`: true); when its own item changed since, 412 with the item
as it is now (`current_item`, `current_version`). `If-Match: *` is refused: a blind write would overwrite
a change its author never saw.

An add may name its item's `id` (the format item ids have). Sent again with the same content — a retry after
a lost answer — it writes nothing (no version, no mail) and answers as the first did: 201, the item, the
current version. The same id with other content is 409 naming the field `id`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ...domain.errors import PreconditionRequired
from ...domain.plan_items import ItemKind, ItemOp, Op
from ...services.plan_items import ItemResult
from ..keys import principal, services
from ..plan_item_schemas import ADD_BODIES, PATCH_BODIES, item_id, item_patch, new_item
from ..registry import RouteTable, required
from ..response_schemas import ACTIE_RESULT, AFSPRAAK_RESULT, DOEL_RESULT
from ..schemas import read_json
from .plan import parse_if_match

table = RouteTable("plan items")

BASE = "/api/households/{id}/plan"
IF_MATCH: dict[str, Any] = {
    "If-Match": required('ETag of the version the change is based on (e.g. "7"); "*" is refused')
}
#: what an add answers besides RESPONSES (201 replaces 200)
ADDED = {
    201: "The item and the new version (ETag); sent again with the same id and content, the same answer and "
    "nothing written (the current version)",
    409: "The id is already used by an item with other content (errors names the field id)",
}
RESPONSES = {
    200: "The item and the new version (ETag)",
    412: "The item changed since that version (current_item, current_version) or the version is unknown",
    422: "Invalid item (the field is named)",
    428: "If-Match missing or *",
}


def _base(request: web.Request) -> int:
    base = parse_if_match(request.headers.get("If-Match"))
    if base is None:
        raise PreconditionRequired("an item change needs If-Match with the version it is based on, not *")
    return base


def _answer(result: ItemResult, status: int = 200, location: str | None = None) -> web.Response:
    body = {"item": result.item, "item_id": result.item_id, "version": result.info.number, "merged": result.merged}
    headers = {"ETag": f'"{result.info.number}"'}
    if location:
        headers["Location"] = location
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
        headers=headers,
    )


async def _run(request: web.Request, op: ItemOp) -> ItemResult:
    household_id = request.match_info["id"]
    return await services(request).plan_items.apply(principal(request), household_id, _base(request), op)


async def _add(request: web.Request, kind: ItemKind, doel_id: str | None = None) -> web.Response:
    base = _base(request)  # a missing If-Match is told before the body is read
    fields = new_item(kind, await read_json(request))
    op = ItemOp(kind, Op.ADD, doel_id, None, fields)
    result = await services(request).plan_items.apply(principal(request), request.match_info["id"], base, op)
    return _answer(result, 201, f"{request.path}/{result.item_id}")


async def _patch(request: web.Request, op: ItemOp) -> web.Response:
    base = _base(request)
    fields = item_patch(op.kind, await read_json(request))
    op = ItemOp(op.kind, Op.CHANGE, op.doel_id, op.item_id, fields)
    return _answer(await services(request).plan_items.apply(principal(request), request.match_info["id"], base, op))


@table.route(
    "POST",
    f"{BASE}/doelen",
    summary="Add one goal (with its actions, if any); the other goals stay as they are",
    body=ADD_BODIES[ItemKind.DOEL],
    headers=IF_MATCH,
    responses={**ADDED, **{k: v for k, v in RESPONSES.items() if k != 200}},
    response=DOEL_RESULT,
)
async def add_doel(request: web.Request) -> web.Response:
    return await _add(request, ItemKind.DOEL)


@table.route(
    "PATCH",
    f"{BASE}/doelen/{{gid}}",
    summary="Change a goal's own fields (titel, status, behaald_in_plaats)",
    body=PATCH_BODIES[ItemKind.DOEL],
    headers=IF_MATCH,
    responses=RESPONSES,
    response=DOEL_RESULT,
)
async def change_doel(request: web.Request) -> web.Response:
    return await _patch(request, ItemOp(ItemKind.DOEL, Op.CHANGE, item_id(request.match_info["gid"])))


@table.route(
    "DELETE",
    f"{BASE}/doelen/{{gid}}",
    summary="Remove a goal and its actions",
    headers=IF_MATCH,
    responses=RESPONSES,
    response=DOEL_RESULT,
)
async def remove_doel(request: web.Request) -> web.Response:
    return _answer(await _run(request, ItemOp(ItemKind.DOEL, Op.REMOVE, item_id(request.match_info["gid"]))))


@table.route(
    "POST",
    f"{BASE}/doelen/{{gid}}/acties",
    summary="Add one action to a goal; the goal's other actions and the other goals stay as they are",
    body=ADD_BODIES[ItemKind.ACTIE],
    headers=IF_MATCH,
    responses={**ADDED, **{k: v for k, v in RESPONSES.items() if k != 200}},
    response=ACTIE_RESULT,
)
async def add_actie(request: web.Request) -> web.Response:
    return await _add(request, ItemKind.ACTIE, item_id(request.match_info["gid"]))


@table.route(
    "PATCH",
    f"{BASE}/doelen/{{gid}}/acties/{{aid}}",
    summary="Change some fields of one action",
    body=PATCH_BODIES[ItemKind.ACTIE],
    headers=IF_MATCH,
    responses=RESPONSES,
    response=ACTIE_RESULT,
)
async def change_actie(request: web.Request) -> web.Response:
    gid, aid = item_id(request.match_info["gid"]), item_id(request.match_info["aid"])
    return await _patch(request, ItemOp(ItemKind.ACTIE, Op.CHANGE, gid, aid))


@table.route(
    "DELETE",
    f"{BASE}/doelen/{{gid}}/acties/{{aid}}",
    summary="Remove one action",
    headers=IF_MATCH,
    responses=RESPONSES,
    response=ACTIE_RESULT,
)
async def remove_actie(request: web.Request) -> web.Response:
    gid, aid = item_id(request.match_info["gid"]), item_id(request.match_info["aid"])
    return _answer(await _run(request, ItemOp(ItemKind.ACTIE, Op.REMOVE, gid, aid)))


@table.route(
    "POST",
    f"{BASE}/afspraken",
    summary="Add one afspraak; the others stay as they are",
    body=ADD_BODIES[ItemKind.AFSPRAAK],
    headers=IF_MATCH,
    responses={**ADDED, **{k: v for k, v in RESPONSES.items() if k != 200}},
    response=AFSPRAAK_RESULT,
)
async def add_afspraak(request: web.Request) -> web.Response:
    return await _add(request, ItemKind.AFSPRAAK)


@table.route(
    "PATCH",
    f"{BASE}/afspraken/{{aid}}",
    summary="Change some fields of one afspraak",
    body=PATCH_BODIES[ItemKind.AFSPRAAK],
    headers=IF_MATCH,
    responses=RESPONSES,
    response=AFSPRAAK_RESULT,
)
async def change_afspraak(request: web.Request) -> web.Response:
    return await _patch(request, ItemOp(ItemKind.AFSPRAAK, Op.CHANGE, None, item_id(request.match_info["aid"])))


@table.route(
    "DELETE",
    f"{BASE}/afspraken/{{aid}}",
    summary="Remove one afspraak",
    headers=IF_MATCH,
    responses=RESPONSES,
    response=AFSPRAAK_RESULT,
)
async def remove_afspraak(request: web.Request) -> web.Response:
    return _answer(await _run(request, ItemOp(ItemKind.AFSPRAAK, Op.REMOVE, None, item_id(request.match_info["aid"]))))
