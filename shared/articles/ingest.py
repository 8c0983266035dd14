"""Taking in an article: store it, extract its claims and write one verification task per claim.

All of it in the caller's transaction, so an accepted article never exists without its tasks (the outbox).
Rows are written with batched Core inserts, one statement per table, to keep the ORM's per-object work
off this hot path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.articles.reading import read_article
from shared.articles.schemas import CLAIMS_AT_ONCE, ArticleCreate
from shared.claims.extraction import extract_claims
from shared.claims.models import Claim
from shared.claims.offload import off_loop
from shared.errors import AppError, Conflict
from shared.integrations.outbound import article_data, emit
from shared.validation import ensure_fits
from shared.verification.models import VerificationTask

SUPPORTED_LANGUAGES = ("en",)

# Plain tables, not the mapped classes: an insert through a mapped class takes the ORM's bulk path, which
# costs as much per claim as extracting it.
ARTICLE, CLAIM, TASK = Article.__table__, Claim.__table__, VerificationTask.__table__


def claim_rows(body: str, threshold: float) -> list[dict]:
    """The claim table's rows for ``body`` (all but article_id), built where the extraction runs: for a
    large body, building thousands of rows is itself work the event loop should not do."""
    return [
        {
            "text": c.text,
            "char_start": c.char_start,
            "char_end": c.char_end,
            "score": c.score,
            "reasons": list(c.reasons),
            "attribution": c.attribution,
            "quantities": [asdict(q) for q in c.quantities],
            "fingerprint": c.fingerprint,
        }
        for c in extract_claims(body, threshold=threshold)
    ]


@dataclass(frozen=True, slots=True)
class IngestResult:
    article: dict  # the stored article's columns
    claims: list[dict]  # its claims' columns, in order of position
    created: bool


def content_hash(title: str, body: str) -> str:
    # JSON keeps the two apart: no other title and body give the same bytes.
    return hashlib.sha256(json.dumps([title, body]).encode()).hexdigest()


def unsupported_language_note(language: str) -> str | None:
    primary = language.split("-", 1)[0].lower()
    if primary in SUPPORTED_LANGUAGES:
        return None
    return f"no claims extracted: language '{language}' is not supported (supported: {', '.join(SUPPORTED_LANGUAGES)})"


async def ingest_article(
    session: AsyncSession,
    data: ArticleCreate,
    *,
    max_body_bytes: int,
    claim_threshold: float,
    submitted_by: str | None = None,
    events: bool = True,
    rows: list[dict] | None = None,
) -> IngestResult:
    """Store the article once, with its claims and their tasks; `events`: tell the sender's subscriptions.
    `rows`: its claims' rows (``claim_rows``) when already worked out elsewhere."""
    ensure_fits(data.body, "body", max_body_bytes)

    note = unsupported_language_note(data.language)
    digest = content_hash(data.title, data.body)
    # The idempotency key, matching one of the two partial unique indexes on article.
    if data.external_id is not None:
        key, where = [ARTICLE.c.source, ARTICLE.c.external_id], text("external_id IS NOT NULL")
        same = [Article.source == data.source, Article.external_id == data.external_id]
    else:
        key, where = [ARTICLE.c.source, ARTICLE.c.content_hash], text("external_id IS NULL")
        same = [Article.source == data.source, Article.content_hash == digest, Article.external_id.is_(None)]
    inserted = await session.execute(
        pg_insert(ARTICLE)
        .values(
            source=data.source,
            external_id=data.external_id,
            content_hash=digest,
            title=data.title,
            url=data.url,
            body=data.body,
            language=data.language,
            links=data.links,
            published_at=data.published_at,
            submitted_by=submitted_by,
            extraction_note=note,
        )
        .on_conflict_do_nothing(index_elements=key, index_where=where)
        .returning(*ARTICLE.c)
    )
    article = inserted.mappings().one_or_none()
    if article is None:  # the same article was accepted before: hand back that one, to its sender only
        existing, sender = (await session.execute(select(Article.id, Article.submitted_by).where(*same))).one()
        if sender != submitted_by:
            raise Conflict(
                "an article with this source and external id (or, without one, this content) was submitted by "
                "another sender; use your own source name or external id"
            )
        stored, claims = await read_article(session, existing)
        return IngestResult(stored, claims, created=False)

    if note:
        rows = []
    elif rows is None:
        rows = await off_loop(claim_rows, data.body, claim_threshold)
    claims = []
    for start in range(0, len(rows), CLAIMS_AT_ONCE):
        # A statement's parameters are prepared in one stretch of the event loop: a huge body's thousands of
        # claims go a few hundred at a time, so that other requests are answered in between.
        batch = rows[start : start + CLAIMS_AT_ONCE]
        for row in batch:
            row["article_id"] = article["id"]
        inserted = await session.execute(insert(CLAIM).returning(*CLAIM.c, sort_by_parameter_order=True), batch)
        written = inserted.mappings().all()
        await session.execute(insert(TASK), [{"claim_id": c["id"]} for c in written])
        claims += written
    if events:
        links = {"article": f"/v1/articles/{article['id']}", "claims": f"/v1/claims?article_id={article['id']}"}
        named = article_data(article["id"], article["source"], article["external_id"])
        data_ = {**named, "claims": len(claims), "links": links}
        await emit(session, "article.processed", submitted_by, data_)
    return IngestResult(dict(article), [dict(c) for c in claims], created=True)


async def ingest_each(
    session: AsyncSession,
    articles: list[ArticleCreate],
    *,
    max_body_bytes: int,
    claim_threshold: float,
    submitted_by: str,
    events: bool = True,
    rows: list[list[dict]] | None = None,
) -> list[IngestResult | AppError]:
    """Several articles in the caller's transaction (a webhook batch, a backfill batch): each one's result, in
    the order given, or why it was refused. A refusal comes before anything of that article is written, so
    the others go on. They are written in the order of their idempotency keys: two batches holding the same
    articles in another order then wait for each other instead of deadlocking. `rows`: each article's claim
    rows, when already worked out."""
    order = sorted(range(len(articles)), key=lambda k: _idempotency_key(articles[k]))
    outcomes: dict[int, IngestResult | AppError] = {}
    for k in order:
        try:
            outcomes[k] = await ingest_article(
                session,
                articles[k],
                max_body_bytes=max_body_bytes,
                claim_threshold=claim_threshold,
                submitted_by=submitted_by,
                events=events,
                rows=None if rows is None else rows[k],
            )
        except AppError as e:
            outcomes[k] = e
    return [outcomes[k] for k in range(len(articles))]


def _idempotency_key(article: ArticleCreate) -> tuple[str, str, str]:
    if article.external_id is not None:
        return (article.source, "id", article.external_id)
    return (article.source, "content", content_hash(article.title, article.body))
