"""A reviewer's queue: the claims they have first, then the claims nobody has, filtered and sorted.

Claims someone else has are not in it: they are that person's work.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.keys import Principal
from shared.claims.models import Claim


class Sort(enum.StrEnum):
    score = "score"  # most check-worthy first
    age = "age"  # oldest first


class Suggested(enum.StrEnum):
    corroborated = "corroborated"
    disputed = "disputed"
    none = "none"  # the evidence suggests nothing (yet)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    state: str | None = None
    article_id: int | None = None
    source: str | None = None
    min_score: float | None = None
    suggested: Suggested | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    decided_elsewhere: bool | None = None  # the same claim in another article has a verdict people gave


async def queue(
    session: AsyncSession, principal: Principal, where: QueueFilter, *, sort: Sort = Sort.score, limit: int = 50
) -> list[dict]:
    """The page: each claim's columns (its article's ``source`` among them) and ``mine`` (assigned to the caller).

    Plain rows, not ORM objects: a page is only read and shown, so nothing needs tracking in the session, and
    the rows go straight into the answer's models (about a tenth less CPU for the page the desk reloads all
    day)."""
    if (
        where.min_age_hours is not None
        and where.max_age_hours is not None
        and where.min_age_hours > where.max_age_hours
    ):
        return []  # waiting at least longer than at most: no claim can
    query = select(*Claim.__table__.columns)  # the claim carries its article's source
    if where.state is not None:
        query = query.where(Claim.state == where.state)
    if where.article_id is not None:
        query = query.where(Claim.article_id == where.article_id)
    if where.source is not None:
        query = query.where(Claim.source == where.source)
    if where.min_score is not None:
        query = query.where(Claim.score >= where.min_score)
    if where.suggested is Suggested.none:
        query = query.where(Claim.suggested_state.is_(None))
    elif where.suggested is not None:
        query = query.where(Claim.suggested_state == where.suggested.value)
    if where.decided_elsewhere is not None:
        decided = Claim.suggested_from_claim_id.is_not(None)
        query = query.where(decided if where.decided_elsewhere else ~decided)
    if where.min_age_hours is not None:
        query = query.where(Claim.created_at <= func.now() - timedelta(hours=where.min_age_hours))
    if where.max_age_hours is not None:
        query = query.where(Claim.created_at >= func.now() - timedelta(hours=where.max_age_hours))
    order = (Claim.score.desc(), Claim.created_at) if sort is Sort.score else (Claim.created_at, Claim.score.desc())
    # Two reads, the caller's claims and then the unassigned ones, each in the order of an index on the
    # unassigned claims (ix_claim_queue_*): a page is read by walking the index until it is full, not by
    # sorting every matching claim (a million of them in a busy year).
    mine = await session.execute(query.where(Claim.assignee == principal.name).order_by(*order, Claim.id).limit(limit))
    rows = [{**row, "mine": True} for row in mine.mappings()]
    if len(rows) < limit:
        free = await session.execute(
            query.where(Claim.assignee.is_(None)).order_by(*order, Claim.id).limit(limit - len(rows))
        )
        rows += [{**row, "mine": False} for row in free.mappings()]
    return rows
