from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.errors import NotFound


async def get_article(session: AsyncSession, article_id: int) -> Article:
    article = await session.get(Article, article_id)
    if article is None:
        raise NotFound(f"article {article_id} does not exist")
    return article
