"""Reading a claim's audit trail: every transition, assignment and note, oldest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.db import keyset_page
from shared.errors import NotFound
from shared.review.models import ClaimEvent


async def history(
    session: AsyncSession,
    claim_id: int,
    *,
    after: int | None = None,
    limit: int = 100,
    submitted_by: str | None = None,
) -> tuple[list[ClaimEvent], int | None]:
    """A page of the claim's events in the order they happened (ids only grow), and the next page's cursor.

    With `submitted_by` (an integration reading its own claim): the claim must be of an article it sent, and
    only its transitions are shown, the verdicts with their rationales; notes and assignments are the
    desk's own work."""
    exists = select(Claim.id).join(Article, Article.id == Claim.article_id).where(Claim.id == claim_id)
    if submitted_by is not None:
        exists = exists.where(Article.submitted_by == submitted_by)
    if await session.scalar(exists) is None:
        raise NotFound(f"claim {claim_id} does not exist")
    query = select(ClaimEvent).where(ClaimEvent.claim_id == claim_id)
    if submitted_by is not None:
        query = query.where(ClaimEvent.kind == "transition")
    return await keyset_page(session, query, ClaimEvent.id, after=after, limit=limit)
