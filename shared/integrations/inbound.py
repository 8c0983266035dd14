"""Articles pushed by an integration as Standard Webhooks deliveries: verified, then ingested once.

Nothing of a delivery is parsed before its signature holds. Its `webhook-id` is recorded with the answer in
the same transaction as the articles (``WebhookReceipt``): a repeated delivery gets the first answer again
and processes nothing; two arriving at once meet at the receipt's primary key, where the second waits for
the first to commit and then reads its answer.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import redis.asyncio as aioredis
from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared import ratelimit
from shared.articles.ingest import IngestResult, ingest_each
from shared.articles.schemas import ArticleCreate
from shared.config import Settings
from shared.errors import AppError, NotFound
from shared.integrations.models import WebhookReceipt
from shared.integrations.registry import verifying_secrets
from shared.integrations.signatures import BadSignature, parse, verify

MAX_BATCH = 100
_BATCH = TypeAdapter(Annotated[list[ArticleCreate], Field(min_length=1, max_length=MAX_BATCH)])


class NotSigned(AppError):
    status = 401
    code = "bad_signature"


class InvalidPayload(AppError):
    status = 422
    code = "invalid"


async def receive_articles(
    session: AsyncSession,
    settings: Settings,
    integration_id: int,
    headers: dict[str, str],
    body: bytes,
    redis: aioredis.Redis,
) -> dict:
    """The answer to a delivery of one article or a batch: each article's outcome, in order."""
    try:
        delivery = parse(headers, time.time())  # its shape first: the same answer whether the id exists or not
        name, secrets = await verifying_secrets(session, settings, integration_id)
        verify(secrets, delivery, body)
    except NotFound as e:
        raise NotSigned("the delivery is not signed by an enabled integration: no valid signature") from e
    except BadSignature as e:
        raise NotSigned(f"the delivery is not signed by an enabled integration: {e}") from e
    webhook_id = delivery.webhook_id
    await ratelimit.check(redis, f"integration:{integration_id}", settings.rate_limit_per_minute)

    first = await session.scalar(
        insert(WebhookReceipt)
        .values(integration_id=integration_id, webhook_id=webhook_id, status=0, answer={})
        .on_conflict_do_nothing()
        .returning(WebhookReceipt.webhook_id)
    )
    if first is None:  # delivered before (or at this moment, and that one has committed): its answer again
        return await session.scalar(
            select(WebhookReceipt.answer).where(
                WebhookReceipt.integration_id == integration_id, WebhookReceipt.webhook_id == webhook_id
            )
        )

    outcomes = await ingest_each(
        session,
        _articles(body),
        max_body_bytes=settings.max_body_bytes,
        claim_threshold=settings.claim_threshold,
        submitted_by=name,
    )
    results = [_result(index, outcome) for index, outcome in enumerate(outcomes)]
    answer = {"webhook_id": webhook_id, "results": results}
    await session.execute(
        update(WebhookReceipt)
        .where(WebhookReceipt.integration_id == integration_id, WebhookReceipt.webhook_id == webhook_id)
        .values(status=200, answer=answer)
    )
    return answer


def _result(index: int, outcome: IngestResult | AppError) -> dict:
    if isinstance(outcome, AppError):
        return {"index": index, "status": outcome.status, "error": outcome.code, "detail": outcome.message}
    article_id = outcome.article["id"]
    return {
        "index": index,
        "status": 201 if outcome.created else 200,
        "article_id": article_id,
        "claims": len(outcome.claims),
        "url": f"/v1/articles/{article_id}",
    }


def _articles(body: bytes) -> list[ArticleCreate]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError, a 5,000-digit number
        raise InvalidPayload(f"the body is not valid JSON: {e}", code="invalid_json") from e
    if not isinstance(data, dict | list):
        raise InvalidPayload("the body is neither an article (an object) nor a list of 1 to 100 articles")
    try:
        return _BATCH.validate_python(data) if isinstance(data, list) else [ArticleCreate.model_validate(data)]
    except ValidationError as e:
        fields = [
            {"field": ".".join(str(p) for p in error["loc"]) or "body", "message": error["msg"]}
            for error in e.errors()[:20]
        ]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        raise InvalidPayload(detail, extra={"fields": fields}) from e
