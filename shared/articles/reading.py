from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.errors import NotFound


async def read_article(session: AsyncSession, article_id: int) -> tuple[dict, list[dict]]:
    """An article's columns and its claims' columns, in order of position (plain rows: no ORM objects)."""
    article = (await session.execute(select(*Article.__table__.c).where(Article.id == article_id))).mappings().first()
    if article is None:
        raise NotFound(f"article {article_id} does not exist")
    claims = await session.execute(
        select(*Claim.__table__.c).where(Claim.article_id == article_id).order_by(Claim.char_start, Claim.id)
    )
    return dict(article), [dict(c) for c in claims.mappings()]
