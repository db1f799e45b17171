"""Request bodies as non-table SQLModel models: validated on the way in, documented in OpenAPI."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError, field_validator
from sqlmodel import SQLModel

from ..domain.addresses import address_problem
from ..domain.betrokkene import PHONE_PATTERN, WEEKDAYS, Kind, MailChoice, Role
from ..domain.errors import FieldProblem, ValidationFailed
from ..domain.names import MAX_NAME_CHARS, name_problem
from .params import MAX_DATE, MIN_DATE, parse_int
from .section_schemas import plan_change_schema

M = TypeVar("M", bound=SQLModel)
#: how deep arrays and objects may nest in a request body (plans need about six levels)
MAX_JSON_DEPTH = 32


def _email(value: str) -> str:
    problem = address_problem(value)
    if problem:
        raise ValueError(problem)
    return value.lower()


Email = Annotated[str, AfterValidator(_email)]


def _name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: one name rule (domain.names) for people, households and gemeenten
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(_name)
]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
Weekday = Annotated[str, StringConstraints(pattern="^(" + "|".join(WEEKDAYS) + ")$")]


class _Body(SQLModel):
    model_config = {"extra": "forbid"}  # a literal: SQLModel types model_config as its own TypedDict


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("leave the field out to keep it; it cannot be null")
    return value


def not_null(*fields: str) -> Any:
    """A validator for a patch body: `fields` may be left out (kept as they are) but not sent as null,
    since the record has no empty value for them. Assign it in the class body: `_not_null = not_null(...)`."""
    return field_validator(*fields, mode="before")(_refuse_null)


class HouseholdCreate(_Body):
    """Open a household: its code (e.g. H-2026-001), name and gemeente."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=32)]
    name: Name
    gemeente: Name


class PhaseChangeRequest(_Body):
    """Move the household to another phase (1–6)."""

    to: int = Field(ge=1, le=6)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class BetrokkeneCreate(_Body):
    """Record a betrokkene."""

    name: Name
    kind: Kind
    role: Role
    relation: Short = ""
    organisation: Short = ""
    email: Email | None = None
    phone: Phone | None = None
    reachable_days: list[Weekday] = Field(default_factory=list, max_length=7)
    birth_date: date | None = None
    #: what plan mail brings: the plan encrypted ("plan", with a usable key) or only a notice ("meldingen")
    mail_choice: MailChoice = MailChoice.PLAN


class BetrokkenePatch(_Body):
    """Change some of a betrokkene's details; fields left out stay as they are."""

    name: Name | None = None
    kind: Kind | None = None
    role: Role | None = None
    relation: Short | None = None
    organisation: Short | None = None
    email: Email | None = None
    phone: Phone | None = None
    reachable_days: list[Weekday] | None = Field(default=None, max_length=7)
    birth_date: date | None = None
    mail_choice: MailChoice | None = None

    # email, phone and birth_date may be cleared with null; relation and organisation with "", the days with []
    _not_null = not_null("name", "kind", "role", "relation", "organisation", "reachable_days", "mail_choice")


class AdoptRequest(_Body):
    """Mark a version vastgesteld, optionally naming the overleg that adopted it."""

    overleg: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class PlanChange(SQLModel):
    """Section key → new content of that section (only the sections to replace).

    The server validates each section with `domain.sections.SECTION_SCHEMAS`; the document describes
    the body with the same schemas (`section_schemas.plan_change_schema`)."""

    model_config = {"extra": "allow"}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The OpenAPI body schema: every section key with that section's schema, nothing else."""
        return plan_change_schema()


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 4xx naming the body (size is capped by the app)."""
    if request.content_type != "application/json":
        raise ValidationFailed.one("Content-Type", "must be application/json")
    raw = await request.read()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.one("body", "is not valid JSON") from None
    except RecursionError:
        raise ValidationFailed.one("body", f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    problem = _body_problem(data, MAX_JSON_DEPTH)
    if problem:
        raise ValidationFailed.one("body", problem)
    return data


def _body_problem(data: Any, limit: int) -> str | None:
    """What no body may hold: arrays/objects nested deeper than `limit`, or a NUL character in any key or
    string (PostgreSQL refuses NUL in text). Iterative, so deep input cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "must not contain NUL characters"
            continue
        if isinstance(value, dict):
            children: list[Any] = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return f"nests deeper than {limit} levels"
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))
    return None


def parse(model: type[M], data: Any) -> M:
    """Validate data against a body model, naming every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in err["loc"]) or "body", str(err["msg"]).removeprefix("Value error, "))
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed(problems) from None
    far = _far_dates(parsed, "")
    if far:
        raise ValidationFailed(
            [FieldProblem(path, f"must be from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}") for path in far]
        )
    return parsed


def _far_dates(value: Any, path: str) -> list[str]:
    """Paths of dates and moments in a parsed body outside the range the calendar code can count in
    (a meeting on 9999-12-31T23:00Z overflows when shown in Amsterdam time)."""
    if isinstance(value, datetime):
        return [] if MIN_DATE <= value.date() <= MAX_DATE else [path or "body"]
    if isinstance(value, date):
        return [] if MIN_DATE <= value <= MAX_DATE else [path or "body"]
    if isinstance(value, BaseModel):
        items: Any = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return []
    return [p for key, child in items for p in _far_dates(child, f"{path}.{key}" if path else str(key))]


async def read_body(request: web.Request, model: type[M]) -> M:
    """Read and validate a JSON body against a model."""
    return parse(model, await read_json(request))


def int_param(value: str | None, name: str, *, default: int | None = None, minimum: int = 1) -> int | None:
    """A whole-number parameter from path or query, or a 4xx naming it (bounded: see web/params.py)."""
    return parse_int(value, name, default=default, minimum=minimum)
