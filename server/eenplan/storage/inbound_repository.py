"""What arrived at the group addresses (issue 14): handled messages, answers by mail, proposals."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.inbound import Outcome
from ..domain.inbound_ports import KeyCandidate, MailAnswer, Proposal
from ..domain.overleg import Partstat
from .results import rows_changed
from .tables_inbound import InboundMessageRow, KeyCandidateRow, OverlegMailAnswerRow, OverlegProposalRow
from .tables_overleg import OverlegRow


class InboundRepository:
    """The inbound tables, inside a unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def overleg_of_uid(self, uid: str) -> tuple[str, str] | None:
        """(household id, overleg id) of the overleg with this iTIP UID (unique), if any."""
        stmt = sa.select(col(OverlegRow.household_id), col(OverlegRow.id)).where(col(OverlegRow.uid) == uid)
        row = (await self._s.execute(stmt)).first()
        return (str(row[0]), str(row[1])) if row else None

    async def remember(self, key_hash: str, household_id: str | None, outcome: Outcome, at: datetime) -> bool:
        """Record that a message was handled; False when it was already (a redelivery). Two deliveries of one
        message at the same moment: the second one's commit fails on the key, and the MTA retries it."""
        if await self._s.get(InboundMessageRow, key_hash) is not None:
            return False
        self._s.add(
            InboundMessageRow(key_hash=key_hash, household_id=household_id, outcome=outcome.value, received_at=at)
        )
        return True

    async def put_answer(self, answer: MailAnswer) -> None:
        """Keep the latest answer by mail of one invitee (replacing an earlier one)."""
        await self._s.execute(
            sa.delete(OverlegMailAnswerRow).where(
                col(OverlegMailAnswerRow.overleg_id) == answer.overleg_id,
                col(OverlegMailAnswerRow.betrokkene_id) == answer.betrokkene_id,
            )
        )
        self._s.add(
            OverlegMailAnswerRow(
                overleg_id=answer.overleg_id,
                betrokkene_id=answer.betrokkene_id,
                partstat=answer.partstat.value,
                signed=answer.signed,
                received_at=answer.received_at,
            )
        )

    async def add_proposal(self, proposal: Proposal) -> None:
        """Keep a proposed other time."""
        self._s.add(
            OverlegProposalRow(
                id=proposal.id,
                overleg_id=proposal.overleg_id,
                betrokkene_id=proposal.betrokkene_id,
                start_at=proposal.start,
                end_at=proposal.end,
                signed=proposal.signed,
                received_at=proposal.received_at,
            )
        )

    async def answers(self, overleg_id: str) -> list[MailAnswer]:
        """The answers by mail to one overleg."""
        stmt = sa.select(OverlegMailAnswerRow).where(col(OverlegMailAnswerRow.overleg_id) == overleg_id)
        return [
            MailAnswer(r.overleg_id, r.betrokkene_id, Partstat(r.partstat), r.signed, r.received_at)
            for r in (await self._s.execute(stmt)).scalars()
        ]

    async def proposals(self, overleg_id: str) -> list[Proposal]:
        """The times proposed for one overleg, oldest first."""
        stmt = (
            sa.select(OverlegProposalRow)
            .where(col(OverlegProposalRow.overleg_id) == overleg_id)
            .order_by(col(OverlegProposalRow.received_at))
        )
        return [
            Proposal(r.id, r.overleg_id, r.betrokkene_id, r.start_at, r.end_at, r.signed, r.received_at)
            for r in (await self._s.execute(stmt)).scalars()
        ]

    async def put_candidate(self, candidate: KeyCandidate) -> None:
        """Keep the latest key offered for a betrokkene (replacing an earlier offer)."""
        await self.drop_candidate(candidate.household_id, candidate.betrokkene_id)
        self._s.add(
            KeyCandidateRow(
                betrokkene_id=candidate.betrokkene_id,
                household_id=candidate.household_id,
                fingerprint=candidate.fingerprint,
                armored=candidate.armored,
                offered_at=candidate.offered_at,
            )
        )

    async def candidate(self, household_id: str, betrokkene_id: str) -> KeyCandidate | None:
        """The key offered for a betrokkene of this household, if any."""
        stmt = sa.select(KeyCandidateRow).where(
            col(KeyCandidateRow.household_id) == household_id, col(KeyCandidateRow.betrokkene_id) == betrokkene_id
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        return KeyCandidate(row.household_id, row.betrokkene_id, row.fingerprint, row.armored, row.offered_at)

    async def drop_candidate(self, household_id: str, betrokkene_id: str) -> bool:
        """Forget a betrokkene's offered key; False when there was none."""
        result = await self._s.execute(
            sa.delete(KeyCandidateRow).where(
                col(KeyCandidateRow.household_id) == household_id, col(KeyCandidateRow.betrokkene_id) == betrokkene_id
            )
        )
        return rows_changed(result) > 0
