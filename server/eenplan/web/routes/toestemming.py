"""Toestemming (consent), overmacht and the klant's access log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import Field, StrictBool, StringConstraints
from sqlmodel import SQLModel

from ...domain.access import LEVEL_NAMES
from ...domain.consent import ConsentMethod
from ...domain.overmacht import Besluit, Overmacht
from ...services.consent_views import ConsentView
from ..keys import principal, services
from ..params import query_int
from ..registry import RouteTable, optional
from ..response_schemas import ACCESS_LOG, CONSENT, CONSENTS, OVERMACHT, OVERMACHTEN
from ..schemas import read_body

table = RouteTable("toestemming")
Purpose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=1000)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ConsentRequestBody(SQLModel):
    """Share these sections with this betrokkene, for this purpose, until this date."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    grantee_id: str = Field(min_length=1, max_length=64)
    sections: list[str] = Field(min_length=1, max_length=7)
    level: Literal["read", "write"] = "read"
    purpose: Purpose
    until: date
    about_id: str | None = Field(default=None, max_length=64)


class ConsentAnswerBody(SQLModel):
    """A klant's answer: ja or nee, and how consent is given."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    besluit: Literal["ja", "nee"]
    wijze: ConsentMethod | None = None


class ConsentFormBody(SQLModel):
    """A regisseur records a klant's answer from a signed paper form (or an oral consent given in urgency)."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    klant_id: str = Field(min_length=1, max_length=64)
    approved: StrictBool  # true or false only: "on", "yes" or "1" is not an answer
    form_date: date
    #: the form's number; for an oral urgent consent the note of who was spoken to and when
    form_reference: str | None = Field(default=None, max_length=100)
    wijze: ConsentMethod = ConsentMethod.WRITTEN
    #: an oral urgent consent for a klant no mail reaches: how they were told of it
    told_how: str | None = Field(default=None, max_length=100)


class OvermachtQuestions(SQLModel):
    """The method's five questions, all required."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    doel: Answer
    zonder_delen: Answer
    toestemming_vragen: Answer
    afweging: Answer
    welke_informatie: Answer


class OvermachtBody(SQLModel):
    """A decision to share without consent, or not to."""

    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict
    recipient_id: str = Field(min_length=1, max_length=64)
    vragen: OvermachtQuestions
    besluit: Besluit
    sections: list[str] = Field(default_factory=list, max_length=7)
    until: date | None = None


def consent_dict(view: ConsentView) -> dict[str, Any]:
    """A consent as the API shows it."""
    c = view.consent
    level = next(name for name, value in LEVEL_NAMES.items() if value == c.level)
    return {
        "id": c.id,
        "grantee_id": c.grantee_id,
        "sections": list(c.sections),
        "level": level,
        "purpose": c.purpose,
        "until": c.until.isoformat(),
        "about_id": c.about_id,
        "status": view.effective_status,
        "requested_by": c.requested_by,
        "created_at": c.created_at.isoformat(),
        "decided_at": c.decided_at.isoformat() if c.decided_at else None,
        "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
        "revoked_by": c.revoked_by,
        "required_consenters": sorted(view.required),
        "waiting_for": view.waiting_for,
        "approvals": [
            {
                "betrokkene_id": a.betrokkene_id,
                "approved": a.approved,
                "wijze": a.method.value if a.method else None,
                "at": a.at.isoformat(),
                "confirmed_at": a.confirmed_at.isoformat() if a.confirmed_at else None,
                "schriftelijke_bevestiging_verwacht": a.confirmation_due,
                "vastgelegd_door": a.recorded_by,
                "formulier_datum": a.form_date.isoformat() if a.form_date else None,
                "formulier_kenmerk": a.form_reference,
            }
            for a in c.approvals
        ],
    }


def overmacht_dict(o: Overmacht) -> dict[str, Any]:
    """An overmacht record as the API shows it."""
    return {
        "id": o.id,
        "professional_id": o.professional_id,
        "recipient_id": o.recipient_id,
        "vragen": o.answers,
        "besluit": o.besluit.value,
        "sections": list(o.sections),
        "until": o.until.isoformat(),
        "created_at": o.created_at.isoformat(),
    }


@table.route(
    "GET",
    "/api/households/{id}/toestemmingen",
    summary="Consents (the klant sees all; pending ones with status=aangevraagd)",
    query={"status": "aangevraagd, verleend, geweigerd, ingetrokken, verlopen"},
    response=CONSENTS,
)
async def list_consents(request: web.Request) -> web.Response:
    views = await services(request).consent.list(
        principal(request), request.match_info["id"], request.query.get("status")
    )
    return web.json_response({"toestemmingen": [consent_dict(v) for v in views]})


@table.route(
    "POST",
    "/api/households/{id}/toestemmingen",
    summary="Request consent to share sections with a betrokkene for a purpose until a date",
    body=ConsentRequestBody,
    responses={201: "Requested"},
    response=CONSENT,
)
async def request_consent(request: web.Request) -> web.Response:
    body = await read_body(request, ConsentRequestBody)
    view = await services(request).consent.request(
        principal(request),
        request.match_info["id"],
        grantee_id=body.grantee_id,
        sections=body.sections,
        level=LEVEL_NAMES[body.level],
        purpose=body.purpose,
        until=body.until,
        about_id=body.about_id,
    )
    return web.json_response(consent_dict(view), status=201)


@table.route("GET", "/api/households/{id}/toestemmingen/{cid}", summary="One consent", response=CONSENT)
async def get_consent(request: web.Request) -> web.Response:
    view = await services(request).consent.get(principal(request), request.match_info["id"], request.match_info["cid"])
    return web.json_response(consent_dict(view))


@table.route(
    "POST",
    "/api/households/{id}/toestemmingen/{cid}/antwoord",
    summary="A klant approves or declines (written, or oral in urgency)",
    body=ConsentAnswerBody,
    response=CONSENT,
)
async def answer_consent(request: web.Request) -> web.Response:
    body = await read_body(request, ConsentAnswerBody)
    view = await services(request).consent.answer(
        principal(request), request.match_info["id"], request.match_info["cid"], body.besluit == "ja", body.wijze
    )
    return web.json_response(consent_dict(view))


@table.route(
    "POST",
    "/api/households/{id}/toestemmingen/{cid}/formulier",
    summary="A regisseur records a klant's answer from a signed consent form (tabblad 5) or an oral urgent consent",
    body=ConsentFormBody,
    response=CONSENT,
)
async def record_consent_form(request: web.Request) -> web.Response:
    body = await read_body(request, ConsentFormBody)
    view = await services(request).consent.forms.record(
        principal(request),
        request.match_info["id"],
        request.match_info["cid"],
        klant_id=body.klant_id,
        approved=body.approved,
        method=body.wijze,
        form_date=body.form_date,
        form_reference=body.form_reference,
        told_how=body.told_how,
    )
    return web.json_response(consent_dict(view))


@table.route(
    "POST",
    "/api/households/{id}/toestemmingen/{cid}/bevestiging",
    summary="Confirm one's oral consent in writing",
    response=CONSENT,
)
async def confirm_consent(request: web.Request) -> web.Response:
    view = await services(request).consent.confirm(
        principal(request), request.match_info["id"], request.match_info["cid"]
    )
    return web.json_response(consent_dict(view))


@table.route(
    "POST",
    "/api/households/{id}/toestemmingen/{cid}/intrekking",
    summary="The klant revokes consent; access ends with the next request",
    response=CONSENT,
)
async def revoke_consent(request: web.Request) -> web.Response:
    view = await services(request).consent.revoke(
        principal(request), request.match_info["id"], request.match_info["cid"]
    )
    return web.json_response(consent_dict(view))


@table.route(
    "GET",
    "/api/households/{id}/overmacht",
    summary="Overmacht records (klant, regisseurs, and the professional who recorded them)",
    response=OVERMACHTEN,
)
async def list_overmacht(request: web.Request) -> web.Response:
    records = await services(request).consent.overmacht(principal(request), request.match_info["id"])
    return web.json_response({"overmacht": [overmacht_dict(o) for o in records]})


@table.route(
    "POST",
    "/api/households/{id}/overmacht",
    summary="A professional records the five questions and the decision to share without consent, or not",
    body=OvermachtBody,
    responses={201: "Recorded"},
    response=OVERMACHT,
)
async def record_overmacht(request: web.Request) -> web.Response:
    body = await read_body(request, OvermachtBody)
    record = await services(request).consent.record_overmacht(
        principal(request),
        request.match_info["id"],
        recipient_id=body.recipient_id,
        answers=body.vragen.model_dump(),
        besluit=body.besluit,
        sections=body.sections,
        until=body.until,
    )
    return web.json_response(overmacht_dict(record), status=201)


@table.route(
    "GET",
    "/api/households/{id}/toegangslog",
    summary="The klant's view of the access log: who saw what of our plan, when, and why",
    query={
        "before": optional("entries below this number", type="integer", minimum=1),
        "limit": optional("1–500", type="integer", minimum=1),
    },
    response=ACCESS_LOG,
)
async def access_log(request: web.Request) -> web.Response:
    before = query_int(request, "before")
    limit = min(query_int(request, "limit", default=100), 500)
    entries = await services(request).access_log.entries(
        principal(request), request.match_info["id"], before=before, limit=limit
    )
    return web.json_response(
        {
            "entries": [
                {
                    "seq": seq,
                    "event": e.event.value,
                    "at": e.at.isoformat(),
                    "actor_id": e.actor_id,
                    "on_behalf_of": e.on_behalf_of,
                    "sections": list(e.sections),
                    "channel": e.channel.value,
                    "ground": e.ground,
                    "emergency": e.emergency,
                    "detail": e.detail,
                }
                for seq, e in entries
            ]
        }
    )
