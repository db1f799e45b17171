"""What the household is shown of a consent: the request, who must still answer, and its effective status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..domain.consent import Consent, ConsentStatus


@dataclass(frozen=True)
class ConsentView:
    """A consent with who must still answer, as shown to the household."""

    consent: Consent
    required: frozenset[str]
    today: date

    @property
    def waiting_for(self) -> list[str]:
        """Required klanten who have not answered yet."""
        answered = {a.betrokkene_id for a in self.consent.approvals}
        return sorted(self.required - answered) if self.consent.status is ConsentStatus.REQUESTED else []

    @property
    def effective_status(self) -> str:
        """The status, with 'verlopen' for granted consent past its last day."""
        if self.consent.status is ConsentStatus.GRANTED and self.today > self.consent.until:
            return "verlopen"
        return self.consent.status.value
