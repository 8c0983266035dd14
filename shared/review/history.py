"""Reading a claim's audit trail: every transition, assignment and note, oldest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.claims.models import Claim
from shared.db import keyset_page
from shared.errors import NotFound
from shared.review.models import ClaimEvent


async def history(
    session: AsyncSession, claim_id: int, *, after: int | None = None, limit: int = 100
) -> tuple[list[ClaimEvent], int | None]:
    """A page of the claim's events in the order they happened (ids only grow), and the next page's cursor."""
    if await session.scalar(select(Claim.id).where(Claim.id == claim_id)) is None:
        raise NotFound(f"claim {claim_id} does not exist")
    query = select(ClaimEvent).where(ClaimEvent.claim_id == claim_id)
    return await keyset_page(session, query, ClaimEvent.id, after=after, limit=limit)
