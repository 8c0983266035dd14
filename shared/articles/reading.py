from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.errors import NotFound


async def read_article(
    session: AsyncSession, article_id: int, *, submitted_by: str | None = None
) -> tuple[dict, list[dict]]:
    """An article's columns and its claims' columns, in order of position (plain rows: no ORM objects).

    With `submitted_by`, only an article that sender submitted (others are reported as not existing).
    """
    query = select(*Article.__table__.c).where(Article.id == article_id)
    if submitted_by is not None:
        query = query.where(Article.submitted_by == submitted_by)
    article = (await session.execute(query)).mappings().first()
    if article is None:
        raise NotFound(f"article {article_id} does not exist")
    claims = await session.execute(
        select(*Claim.__table__.c).where(Claim.article_id == article_id).order_by(Claim.char_start, Claim.id)
    )
    return dict(article), [dict(c) for c in claims.mappings()]
