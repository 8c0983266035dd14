"""Reading claims back: one claim with its evidence and task, lists with keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.db import keyset_page
from shared.errors import NotFound
from shared.evidence.models import Evidence
from shared.verification.models import VerificationTask


@dataclass(frozen=True, slots=True)
class ClaimDetail:
    claim: Claim
    evidence: list[Evidence]
    task: VerificationTask | None


async def get_claim(session: AsyncSession, claim_id: int, *, submitted_by: str | None = None) -> ClaimDetail:
    """A claim with its evidence and task; with `submitted_by`, only a claim of an article that sender sent."""
    claim = await session.get(Claim, claim_id)
    if claim is not None and submitted_by is not None:
        owner = await session.scalar(select(Article.submitted_by).where(Article.id == claim.article_id))
        claim = claim if owner == submitted_by else None
    if claim is None:
        raise NotFound(f"claim {claim_id} does not exist")
    evidence = await session.scalars(
        select(Evidence).where(Evidence.claim_id == claim_id).order_by(Evidence.relevance.desc(), Evidence.id)
    )
    task = await session.scalar(select(VerificationTask).where(VerificationTask.claim_id == claim_id))
    return ClaimDetail(claim, list(evidence), task)


async def list_claims(
    session: AsyncSession,
    *,
    state: str | None = None,
    article_id: int | None = None,
    min_score: float | None = None,
    after: int | None = None,
    limit: int = 50,
    submitted_by: str | None = None,
) -> tuple[list[Claim], int | None]:
    """A page of claims in id order (stable: ids only grow), and the cursor of the next page if any."""
    query = select(Claim)
    if submitted_by is not None:
        query = query.join(Article, Article.id == Claim.article_id).where(Article.submitted_by == submitted_by)
    if state is not None:
        query = query.where(Claim.state == state)
    if article_id is not None:
        query = query.where(Claim.article_id == article_id)
    if min_score is not None:
        query = query.where(Claim.score >= min_score)
    return await keyset_page(session, query, Claim.id, after=after, limit=limit)
