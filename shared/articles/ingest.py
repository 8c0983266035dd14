"""Taking in an article: store it, extract its claims and write one verification task per claim.

All of it in the caller's transaction, so an accepted article never exists without its tasks (the outbox).
Rows are written with batched Core inserts, one statement per table, to keep the ORM's per-object work
off this hot path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import ColumnElement, and_, insert, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
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
    `rows`: its claims' rows (``claim_rows``) when already worked out elsewhere. Raises why it was refused."""
    (outcome,) = await ingest_each(
        session,
        [data],
        max_body_bytes=max_body_bytes,
        claim_threshold=claim_threshold,
        submitted_by=submitted_by,
        events=events,
        rows=None if rows is None else [rows],
    )
    if isinstance(outcome, AppError):
        raise outcome
    return outcome


async def ingest_each(
    session: AsyncSession,
    articles: list[ArticleCreate],
    *,
    max_body_bytes: int,
    claim_threshold: float,
    submitted_by: str | None,
    events: bool = True,
    rows: list[list[dict] | None] | None = None,
) -> list[IngestResult | AppError]:
    """Several articles in the caller's transaction (a webhook batch, a backfill batch, or one article): each
    one's result, in the order given, or why it was refused. A refusal comes before anything of that article is
    written, so the others go on. `rows`: each article's claim rows, when already worked out (None for one that
    is worked out here: it was found stored before, when its rows were being worked out).

    The articles go in one statement and their claims and tasks in one each (a few hundred claims at a time): a
    backfill's hundred articles cost a few round trips, not three hundred. Articles are written in the order
    of their keys: two batches holding the same articles in another order then wait for each other instead of
    deadlocking."""
    outcomes: dict[int, IngestResult | AppError] = {}
    sent: list[_Sent] = []
    for k, data in enumerate(articles):
        try:
            ensure_fits(data.body, "body", max_body_bytes)
        except AppError as e:
            outcomes[k] = e
            continue
        sent.append(_Sent(k, data, content_hash(data.title, data.body)))
    sent.sort(key=_Sent.key)

    firsts: dict[tuple[str, str, str], _Sent] = {}  # by idempotency key: the first article sent with it
    for article in sent:
        firsts.setdefault(article.key(), article)
    stored = await _insert_articles(session, list(firsts.values()), submitted_by) if firsts else []
    # Matched by key: RETURNING gives no order, and leaves out the articles stored before.
    created = [(firsts[_key(row["source"], row["external_id"], row["content_hash"])], row) for row in stored]
    created.sort(key=lambda made: made[0].key())  # the articles stored now, each with its row

    their_claims = []
    for article, row in created:
        if row["extraction_note"]:
            found = []
        elif rows is not None and rows[article.index] is not None:
            found = rows[article.index]
        else:
            found = await off_loop(claim_rows, article.data.body, claim_threshold)
        their_claims.append([{**claim, "article_id": row["id"]} for claim in found])
    claims = await _insert_claims(session, [claim for found in their_claims for claim in found])
    at = 0
    for (article, row), found in zip(created, their_claims, strict=True):
        outcomes[article.index] = IngestResult(row, claims[at : at + len(found)], created=True)
        at += len(found)
        if events:
            await _tell(session, row, len(found), submitted_by)

    # The rest were stored before, or sent twice in this batch: those stored before are read all at once.
    rest = [(article, outcomes.get(firsts[article.key()].index)) for article in sent if article.index not in outcomes]
    stored = await _stored_before(session, [article for article, first in rest if not _created(first)])
    for article, first in rest:
        if _created(first):
            outcomes[article.index] = IngestResult(first.article, first.claims, created=False)
        elif stored[article.key()].article["submitted_by"] != submitted_by:
            outcomes[article.index] = Conflict(
                "an article with this source and external id (or, without one, this content) was submitted by "
                "another sender; use your own source name or external id"
            )
        else:
            outcomes[article.index] = stored[article.key()]
    return [outcomes[k] for k in range(len(articles))]


async def stored_already(session: AsyncSession, articles: list[ArticleCreate]) -> list[bool]:
    """Whether each article is stored already under its key (its source and external id, or its content): a
    backfill run again need not extract those again. One statement."""
    sent = [_Sent(k, data, content_hash(data.title, data.body)) for k, data in enumerate(articles)]
    found = await session.execute(select(Article.source, Article.external_id, Article.content_hash).where(_keyed(sent)))
    keys = {_key(*row) for row in found}
    return [article.key() in keys for article in sent]


def _created(outcome: IngestResult | AppError | None) -> bool:
    return isinstance(outcome, IngestResult) and outcome.created


@dataclass(frozen=True, slots=True)
class _Sent:
    """An article sent that fits the limits: where it was in the batch, and its content hash."""

    index: int
    data: ArticleCreate
    digest: str

    def key(self) -> tuple[str, str, str]:
        return _key(self.data.source, self.data.external_id, self.digest)


def _key(source: str, external_id: str | None, digest: str) -> tuple[str, str, str]:
    """An article's idempotency key, matching one of the two partial unique indexes on article."""
    return (source, "id", external_id) if external_id is not None else (source, "content", digest)


async def _insert_articles(session: AsyncSession, articles: list[_Sent], submitted_by: str | None) -> list[dict]:
    """The articles not stored before, as stored, in no particular order.

    One INSERT, its rows in the order given, so that it takes the locks on their keys in that order. An
    article whose key is taken is skipped: each kind of key has its own partial unique index, and ON CONFLICT
    without a target covers both (article has no other unique index but its generated id)."""
    values = [
        {
            "source": a.data.source,
            "external_id": a.data.external_id,
            "content_hash": a.digest,
            "title": a.data.title,
            "url": a.data.url,
            "body": a.data.body,
            "language": a.data.language,
            "links": a.data.links,
            "published_at": a.data.published_at,
            "submitted_by": submitted_by,
            "extraction_note": unsupported_language_note(a.data.language),
        }
        for a in articles
    ]
    statement = pg_insert(ARTICLE).on_conflict_do_nothing().returning(*ARTICLE.c)
    inserted = await session.execute(statement, values)
    return [dict(article) for article in inserted.mappings()]


async def _insert_claims(session: AsyncSession, rows: list[dict]) -> list[dict]:
    """The claims with one verification task each, as stored, in the order given."""
    claims = []
    for start in range(0, len(rows), CLAIMS_AT_ONCE):
        # A statement's parameters are prepared in one stretch of the event loop: a huge body's thousands of
        # claims go a few hundred at a time, so that other requests are answered in between.
        batch = rows[start : start + CLAIMS_AT_ONCE]
        inserted = await session.execute(insert(CLAIM).returning(*CLAIM.c, sort_by_parameter_order=True), batch)
        written = [dict(c) for c in inserted.mappings()]
        await session.execute(insert(TASK), [{"claim_id": c["id"]} for c in written])
        claims += written
    return claims


async def _tell(session: AsyncSession, article: dict, claims: int, submitted_by: str | None) -> None:
    links = {"article": f"/v1/articles/{article['id']}", "claims": f"/v1/claims?article_id={article['id']}"}
    named = article_data(article["id"], article["source"], article["external_id"])
    await emit(session, "article.processed", submitted_by, {**named, "claims": claims, "links": links})


async def _stored_before(session: AsyncSession, articles: list[_Sent]) -> dict[tuple[str, str, str], IngestResult]:
    """The articles accepted before under these keys, each with its claims in order of position: two statements
    for any number (a batch sent again), not two an article."""
    if not articles:
        return {}
    found = (await session.execute(select(*ARTICLE.c).where(_keyed(articles)))).mappings()
    stored = {row["id"]: dict(row) for row in found}
    claims: dict[int, list[dict]] = {article_id: [] for article_id in stored}
    rows = await session.execute(
        select(*CLAIM.c).where(CLAIM.c.article_id.in_(stored)).order_by(CLAIM.c.char_start, CLAIM.c.id)
    )
    for claim in rows.mappings():
        claims[claim["article_id"]].append(dict(claim))
    return {
        _key(a["source"], a["external_id"], a["content_hash"]): IngestResult(a, claims[a["id"]], created=False)
        for a in stored.values()
    }


def _keyed(articles: list[_Sent]) -> ColumnElement[bool]:
    """The articles stored under these articles' keys; each kind of key is found through its unique index."""
    by_id = {(a.data.source, a.data.external_id) for a in articles if a.data.external_id is not None}
    by_content = {(a.data.source, a.digest) for a in articles if a.data.external_id is None}
    return or_(
        tuple_(Article.source, Article.external_id).in_(sorted(by_id)),
        and_(Article.external_id.is_(None), tuple_(Article.source, Article.content_hash).in_(sorted(by_content))),
    )
