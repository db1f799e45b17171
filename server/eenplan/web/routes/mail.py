"""The mailgroup over HTTP: pinned keys, named groups, who lacks a key, the outbox, and the plan PDF."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, StringConstraints
from sqlmodel import SQLModel

from ...domain.errors import ValidationFailed
from ...domain.mailgroup import MailGroup, OutboxStatus, group_address, list_code
from ..keys import principal, services
from ..params import query_int
from ..registry import RouteTable, optional
from ..response_schemas import MAIL_GROUP, MAIL_GROUPS, MISSING_KEYS, OUTBOX, PINNED_KEY, SIGNING_KEY
from ..response_schemas_more import BINARY, QUEUED
from ..schemas import read_body

table = RouteTable("mail")


class KeyUpload(SQLModel):
    """An OpenPGP public key, ASCII-armored (-----BEGIN PGP PUBLIC KEY BLOCK-----)."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    armored: Annotated[str, StringConstraints(min_length=1, max_length=65_536)]  # eenplan_crypto.packets.MAX_KEY_CHARS


class GroupCreate(SQLModel):
    """A named subset of the household's betrokkenen, with its own address plan-<code>-<slug>@domain."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    members: list[Annotated[str, StringConstraints(min_length=1, max_length=36)]] = Field(max_length=500)
    plan_updates: bool = False


def _group(g: MailGroup, code: str, domain: str) -> dict[str, Any]:
    return {
        "id": g.id,
        "slug": g.slug,
        "name": g.name,
        "plan_updates": g.plan_updates,
        "members": list(g.members),
        "address": group_address(code, domain, g.slug),
        "created_at": g.created_at.isoformat(),
    }


def _key_path(request: web.Request) -> tuple[str, str]:
    return request.match_info["id"], request.match_info["bid"]


@table.route(
    "PUT",
    "/api/households/{id}/betrokkenen/{bid}/key",
    body=KeyUpload,
    summary="Pin a betrokkene's OpenPGP public key (the betrokkene or a regisseur); validated: usable "
    "encryption subkey, not expired or revoked, RSA ≥ 3072 or Curve25519",
    responses={200: "Pinned key", 422: "Key not usable (names 'armored')"},
    response=PINNED_KEY,
)
async def put_key(request: web.Request) -> web.Response:
    body = await read_body(request, KeyUpload)
    hh, bid = _key_path(request)
    key = await services(request).mailgroup.put_key(principal(request), hh, bid, body.armored)
    return web.json_response(key.as_dict())


@table.route(
    "GET",
    "/api/households/{id}/betrokkenen/{bid}/key",
    summary="The key pinned for a betrokkene",
    response=PINNED_KEY,
)
async def get_key(request: web.Request) -> web.Response:
    hh, bid = _key_path(request)
    return web.json_response((await services(request).mailgroup.get_key(principal(request), hh, bid)).as_dict())


@table.route(
    "DELETE",
    "/api/households/{id}/betrokkenen/{bid}/key",
    summary="Unpin a betrokkene's key",
    responses={204: "Unpinned"},
)
async def delete_key(request: web.Request) -> web.Response:
    hh, bid = _key_path(request)
    await services(request).mailgroup.delete_key(principal(request), hh, bid)
    return web.Response(status=204)


@table.route(
    "GET",
    "/api/households/{id}/mail/groups",
    summary="The default group's address and the named groups",
    response=MAIL_GROUPS,
)
async def list_groups(request: web.Request) -> web.Response:
    svc = services(request).mailgroup
    code, groups = await svc.groups(principal(request), request.match_info["id"])
    domain = svc.settings.mail_domain
    return web.json_response(
        {
            "default": {
                "address": group_address(code, domain),
                "list_id": f"<plan-{list_code(code)}.{domain}>",
                "plan_updates": not any(g.plan_updates for g in groups),
            },
            "groups": [_group(g, code, domain) for g in groups],
        }
    )


@table.route(
    "POST",
    "/api/households/{id}/mail/groups",
    body=GroupCreate,
    summary="Create a named group (regisseur); plan_updates: it receives plan mail instead of everyone",
    responses={201: "Created"},
    response=MAIL_GROUP,
)
async def create_group(request: web.Request) -> web.Response:
    body = await read_body(request, GroupCreate)
    svc = services(request).mailgroup
    group = await svc.add_group(
        principal(request), request.match_info["id"], body.slug, body.name, body.members, body.plan_updates
    )
    code, _ = await svc.groups(principal(request), request.match_info["id"])
    return web.json_response(_group(group, code, svc.settings.mail_domain), status=201)


@table.route(
    "DELETE",
    "/api/households/{id}/mail/groups/{gid}",
    summary="Remove a named group (regisseur)",
    responses={204: "Removed"},
)
async def delete_group(request: web.Request) -> web.Response:
    await services(request).mailgroup.delete_group(
        principal(request), request.match_info["id"], request.match_info["gid"]
    )
    return web.Response(status=204)


@table.route(
    "GET",
    "/api/households/{id}/mail/missing-keys",
    summary="Betrokkenen who get only content-free "
    "notices: no e-mail, no key, or an unusable or soon expiring key (regisseur)",
    response=MISSING_KEYS,
)
async def missing_keys(request: web.Request) -> web.Response:
    rows = await services(request).mailgroup.missing_keys(principal(request), request.match_info["id"])
    return web.json_response({"betrokkenen": rows})


@table.route(
    "GET",
    "/api/households/{id}/mail/signing-key",
    summary="The household's public signing key (to verify its mail)",
    response=SIGNING_KEY,
)
async def signing_key(request: web.Request) -> web.Response:
    return web.json_response(
        await services(request).mailgroup.signing_key(principal(request), request.match_info["id"])
    )


@table.route(
    "GET",
    "/api/households/{id}/mail/outbox",
    summary="Outbox messages, newest first (regisseur); status=dead lists the dead letters with their recorded error",
    query={
        "status": optional("queued, sent, dead or skipped", type="string", enum=["queued", "sent", "dead", "skipped"]),
        "limit": optional("1-500, default 100", type="integer", minimum=1),
    },
    response=OUTBOX,
)
async def list_outbox(request: web.Request) -> web.Response:
    raw = request.query.get("status")
    try:
        status = OutboxStatus(raw) if raw else None
    except ValueError:
        raise ValidationFailed.one("status", "must be queued, sent, dead or skipped") from None
    limit = min(query_int(request, "limit", default=100), 500)
    items = await services(request).mailgroup.outbox(principal(request), request.match_info["id"], status, limit)
    return web.json_response({"messages": [i.as_dict() for i in items]})


@table.route(
    "POST",
    "/api/households/{id}/mail/outbox/{oid}/retry",
    summary="Send a dead letter again (regisseur)",
    responses={202: "Queued again"},
    response=QUEUED,
)
async def retry_message(request: web.Request) -> web.Response:
    await services(request).mailgroup.requeue(principal(request), request.match_info["id"], request.match_info["oid"])
    return web.json_response({"status": "queued"}, status=202)


@table.route(
    "GET",
    "/api/households/{id}/plan.pdf",
    summary="The caller's view of the current plan as PDF (recorded in the access log as a disclosure)",
    responses={200: "The plan as PDF"},
    media={"application/pdf": BINARY},
)
async def plan_pdf(request: web.Request) -> web.Response:
    pdf = await services(request).mailgroup.plan_pdf(principal(request), request.match_info["id"])
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="plan.pdf"', "Cache-Control": "no-store"},
    )
