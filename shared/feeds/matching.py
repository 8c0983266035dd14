"""Finding the source documents that bear on a claim, by PostgreSQL full-text search."""

from __future__ import annotations

from sqlalchemy import desc, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.evidence.queries import Query
from shared.feeds.models import SourceDocument


def websearch_terms(query: Query) -> str:
    """Any of the claim's telling terms (websearch syntax: PostgreSQL parses it and never errors)."""
    terms = [*query.entities, *query.quantities, *query.phrases, *query.keywords]
    quoted = [f'"{t}"' if " " in t else t for t in dict.fromkeys(t.replace('"', " ").strip() for t in terms) if t]
    return " or ".join(quoted)


async def matching_documents(session: AsyncSession, query: Query, *, limit: int) -> list[SourceDocument]:
    terms = websearch_terms(query)
    if not terms:
        return []
    tsquery = func.websearch_to_tsquery("english", terms)
    rows = await session.scalars(
        select(SourceDocument)
        .where(SourceDocument.search.bool_op("@@")(tsquery))
        .order_by(desc(func.ts_rank_cd(SourceDocument.search, tsquery)), SourceDocument.id)
        .limit(limit)
    )
    return list(rows)
