"""The one exception hierarchy of eenplan.

Every error raised on purpose by eenplan code derives from `EenplanError`.
Adapters (storage, mail, crypto, calendar) translate foreign exceptions into
subclasses of it; only the web layer turns them into HTTP responses.
Messages must never contain plan content: they name fields and problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class EenplanError(Exception):
    """Base of every error eenplan raises on purpose."""

    #: short machine-readable kind, used as the problem type slug
    kind: str = "error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__class__.__doc__ or self.kind)
        self.detail = detail or (self.__class__.__doc__ or self.kind).strip()


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field, e.g. ('doelen[0].acties[1].einde', 'is before start')."""

    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        """Serialisable form, used in problem+json bodies."""
        return {"field": self.field, "problem": self.problem}


class ValidationFailed(EenplanError):
    """The input is not valid."""

    kind = "validation"

    def __init__(self, problems: list[FieldProblem] | FieldProblem, detail: str = "") -> None:
        if isinstance(problems, FieldProblem):
            problems = [problems]
        self.problems: list[FieldProblem] = list(problems)
        summary = "; ".join(f"{p.field}: {p.problem}" for p in self.problems[:5])
        super().__init__(detail or f"invalid input: {summary}")

    @classmethod
    def one(cls, field_name: str, problem: str) -> ValidationFailed:
        """Shorthand for a single field problem."""
        return cls([FieldProblem(field_name, problem)])


class NotFound(EenplanError):
    """The resource does not exist, or the caller may not know it exists."""

    kind = "not-found"


class Unauthenticated(EenplanError):
    """No valid credentials were presented."""

    kind = "unauthenticated"


class Forbidden(EenplanError):
    """The caller is known but not allowed to do this."""

    kind = "forbidden"


class SecondFactorRequired(Forbidden):
    """The person signed in with one factor; this needs a second one first (a passkey, a code, a recovery code)."""

    kind = "second-factor-required"


class ChoiceRequired(Forbidden):
    """One sign-in address belongs to several betrokkenen of this household: the person must say who they are."""

    kind = "choice-required"


class Conflict(EenplanError):
    """The change conflicts with the current state."""

    kind = "conflict"

    def __init__(self, detail: str = "", *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.extra = extra or {}


class PreconditionRequired(EenplanError):
    """The request must be conditional (If-Match)."""

    kind = "precondition-required"


class PreconditionFailed(EenplanError):
    """The request's precondition does not hold."""

    kind = "precondition-failed"


class AdapterError(EenplanError):
    """An infrastructure adapter (database, gpg, SMTP, calendar) failed."""

    kind = "adapter"


class TemporaryFailure(AdapterError):
    """The failure may go away on retry (4xx SMTP reply, connection refused, lock timeout)."""

    kind = "temporary"


class StorageUnavailable(TemporaryFailure):
    """The database cannot do its work now (full, read-only, failing I/O, unreachable): retrying at once
    will not help, so nothing retries it; it clears when the fault does."""

    kind = "storage-unavailable"


class DecisionChanged(TemporaryFailure):
    """A read was decided from remembered facts that another node has since changed (the household's
    generation moved, or the token was revoked): nothing was logged or shown; the request is done again
    with everything read afresh (web/auth.py). Reaching a client it is a retryable 503."""

    kind = "decision-changed"


class PermanentFailure(AdapterError):
    """The failure will not go away on retry (5xx SMTP reply, unusable key)."""

    kind = "permanent"
