"""Webhooks we send: subscriptions, events written with the change that caused them, and their deliveries.

An event is written in the caller's transaction (an outbox, like the verification tasks): a crash loses
none. Each subscription of the integration that sent the article, listening for the event's type, gets a
delivery; the relay hands due deliveries to the worker (`webhooks.deliver`), which signs and POSTs them
through the SSRF-safe fetcher and records every attempt. The `webhook-id` is the event's and stays the
same across attempts, so a receiver can drop repeats.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.articles.models import Article
from shared.claims.models import Claim
from shared.config import Settings
from shared.errors import AppError, Conflict, NotFound
from shared.evidence.fetcher import url_problem
from shared.integrations.models import (
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from shared.integrations.registry import EVENT_TYPES, secrets_in_use
from shared.integrations.signatures import sign
from shared.validation import MAX_ID

MAX_TEXT = 2000  # characters of a claim's text or a rationale: at most 8 KB each in UTF-8, a payload under 20 KB
PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


class InvalidSubscription(AppError):
    status = 422
    code = "invalid"


async def subscribe(
    session: AsyncSession, settings: Settings, integration_id: int, url: str, event_types: list[str]
) -> WebhookSubscription:
    """A URL hears these events of the integration's articles. Refused: a private address, an event type the
    integration was not allowed."""
    integration = await session.get(Integration, integration_id) if 1 <= integration_id <= MAX_ID else None
    if integration is None or integration.disabled_at is not None:
        raise NotFound(f"integration {integration_id} does not exist or is disabled")
    wanted = sorted(set(event_types))
    not_allowed = [t for t in wanted if t not in integration.event_types]
    if not wanted or not_allowed:
        raise InvalidSubscription(
            f"event_types must be some of the integration's own: {', '.join(integration.event_types) or 'none'}"
        )
    problem = await url_problem(url, settings.fetch_allow_hosts)
    if problem:
        raise InvalidSubscription(f"url: {problem}")
    subscription = WebhookSubscription(integration_id=integration_id, url=url, event_types=wanted)
    session.add(subscription)
    await session.flush()
    return subscription


async def subscriptions(session: AsyncSession, integration_id: int) -> list[WebhookSubscription]:
    """An integration's subscriptions, disabled or not; an integration that never existed is not found."""
    if not 1 <= integration_id <= MAX_ID or await session.get(Integration, integration_id) is None:
        raise NotFound(f"integration {integration_id} does not exist")
    return list(
        await session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.integration_id == integration_id)
            .order_by(WebhookSubscription.id)
        )
    )


# One statement: the event is written only when someone listens, with one delivery per listener.
_EMIT = text(
    """
    WITH listeners AS (
        SELECT s.id FROM webhook_subscription s JOIN integration i ON i.id = s.integration_id
        WHERE i.name = :sender AND i.disabled_at IS NULL AND s.disabled_at IS NULL
          AND CAST(:type AS text) = ANY(s.event_types)
    ), event AS (
        INSERT INTO webhook_event (type, payload)
        SELECT :type, CAST(:payload AS jsonb) WHERE EXISTS (SELECT 1 FROM listeners)
        RETURNING id
    )
    INSERT INTO webhook_delivery (event_id, subscription_id) SELECT event.id, listeners.id FROM event, listeners
    """
)


async def emit(session: AsyncSession, event_type: str, sender: str | None, data: dict) -> None:
    """Write the event for the subscriptions of the integration named `sender` (who sent the article)."""
    assert event_type in EVENT_TYPES, event_type
    if sender is None:
        return  # an article from a feed: no integration to tell
    payload = {"type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data}
    await session.execute(_EMIT, {"sender": sender, "type": event_type, "payload": json.dumps(payload)})


def article_data(article_id: int, source: str, external_id: str | None) -> dict:
    """How every payload names the article: its id, and the sender's own `source` and `external_id`."""
    return {"article_id": article_id, "source": source, "external_id": external_id}


async def emit_claim_event(session: AsyncSession, event_type: str, claim_id: int, **extra) -> None:
    """An event about a claim: its id, text and state, its article, where to read it, and `extra`."""
    # Only what the event carries: an article's body may be a megabyte, and each of its claims sends events.
    claim = (
        await session.execute(
            select(
                Claim.text,
                Claim.state,
                Claim.suggested_state,
                Article.id.label("article_id"),
                Article.source,
                Article.external_id,
                Article.submitted_by,
            )
            .join(Article, Article.id == Claim.article_id)
            .where(Claim.id == claim_id)
        )
    ).one()
    data = {
        "claim_id": claim_id,
        "text": claim.text[:MAX_TEXT],
        "state": claim.state,
        "suggested_state": claim.suggested_state,
        **article_data(claim.article_id, claim.source, claim.external_id),
        **{key: value[:MAX_TEXT] if isinstance(value, str) else value for key, value in extra.items()},
        "links": {"claim": f"/v1/claims/{claim_id}", "article": f"/v1/articles/{claim.article_id}"},
    }
    await emit(session, event_type, claim.submitted_by, data)


# --- The relay's side ---


async def lock_due_deliveries(session: AsyncSession, *, stuck_after: timedelta, limit: int) -> list[int]:
    """Deliveries due now (or handed out `stuck_after` ago with no outcome: the worker died), locked."""
    rows = await session.scalars(
        select(WebhookDelivery.id)
        .where(
            or_(
                (WebhookDelivery.status == PENDING) & (WebhookDelivery.next_attempt_at <= func.now()),
                (WebhookDelivery.status == SENDING) & (WebhookDelivery.sent_at < func.now() - stuck_after),
            )
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def mark_sending(session: AsyncSession, delivery_ids: list[int]) -> None:
    """Handed out anew: the claim of any earlier hand-out (a worker that died or is late) no longer counts."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .values(status=SENDING, sent_at=func.now(), claim=None)
    )


# --- The worker's side ---


@dataclass(frozen=True, slots=True)
class Outgoing:
    claim: str  # this attempt's token: only its outcome may move the delivery on
    url: str
    body: bytes
    headers: dict[str, str]


async def claim_delivery(session: AsyncSession, delivery_id: int, *, max_attempts: int) -> tuple[str, int] | None:
    """Take a handed-out delivery for one attempt: (token, attempt number), or None if there is nothing to do.

    Waits for the relay's lock (its message can arrive before it commits). One worker per hand-out: a second
    message for it (the relay sent it again) finds it claimed. An attempt is counted here, before sending, so
    a delivery whose attempts keep crashing the worker still comes to an end.
    """
    delivery = await session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
    if delivery is None or delivery.status != SENDING or delivery.claim is not None:
        return None
    delivery.attempts += 1
    if delivery.attempts > max_attempts:
        delivery.status, delivery.last_error = FAILED, f"gave up after {max_attempts} attempts"
        return None
    delivery.claim = secrets.token_hex(8)
    return delivery.claim, delivery.attempts


async def outgoing(session: AsyncSession, settings: Settings, delivery_id: int, claim: str) -> Outgoing | None:
    """The signed request of a claimed delivery; None (and the delivery failed) when its receiver is disabled."""
    delivery, event, subscription, integration = (
        await session.execute(
            select(WebhookDelivery, WebhookEvent, WebhookSubscription, Integration)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(Integration, Integration.id == WebhookSubscription.integration_id)
            .where(WebhookDelivery.id == delivery_id)
        )
    ).one()
    if subscription.disabled_at is not None or integration.disabled_at is not None:
        if delivery.claim == claim:
            delivery.status, delivery.claim = FAILED, None
            delivery.last_error = "the subscription or its integration is disabled"
        return None
    body = json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()
    webhook_id, timestamp = f"msg_{event.id}", int(datetime.now(UTC).timestamp())
    keys = secrets_in_use(settings, integration)  # receivers still on the old one verify too
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(key, webhook_id, timestamp, body) for key in keys),
    }
    return Outgoing(claim, subscription.url, body, headers)


async def record_attempt(
    session: AsyncSession,
    settings: Settings,
    delivery_id: int,
    claim: str,
    *,
    status_code: int | None,
    retry_after: float | None,
    error: str | None,
    duration_ms: float,
) -> str:
    """Log the attempt, and if it is the delivery's current one decide what follows: delivered, the next attempt,
    or failed. A late attempt (the relay handed the delivery out again meanwhile) is logged and changes nothing."""
    session.add(WebhookAttempt(delivery_id=delivery_id, status_code=status_code, duration_ms=duration_ms, error=error))
    delivery = await session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
    if delivery.status != SENDING or delivery.claim != claim:
        return delivery.status
    delivery.claim = None
    now = datetime.now(UTC)
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, now, None
        return DELIVERED
    redirected = status_code is not None and 300 <= status_code < 400
    delivery.last_error = error or f"HTTP {status_code}" + (" (redirects are not followed)" if redirected else "")
    if status_code == 410:  # the receiver says this URL is gone for good
        delivery.status = FAILED
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == delivery.subscription_id)
            .values(disabled_at=func.now(), disabled_reason="the receiver answered 410 Gone")
        )
        return FAILED
    schedule = settings.webhook_retry_schedule
    if delivery.attempts > len(schedule):
        delivery.status = FAILED
        return FAILED
    delay = schedule[delivery.attempts - 1] * random.uniform(0.8, 1.2)  # jitter: retries of one outage spread
    if status_code in (429, 503) and retry_after is not None:
        delay = max(delay, min(retry_after, 86400.0))  # what the receiver asked for, at most a day
    delivery.status, delivery.next_attempt_at = PENDING, now + timedelta(seconds=delay)
    return PENDING


async def redeliver(session: AsyncSession, delivery_id: int) -> None:
    """Send a delivery again now (the same event, the same webhook-id), with a fresh schedule; 409 while it is
    being sent."""
    if not 1 <= delivery_id <= MAX_ID or await session.get(WebhookDelivery, delivery_id) is None:
        raise NotFound(f"delivery {delivery_id} does not exist")
    again = await session.scalar(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status != SENDING)
        .values(status=PENDING, next_attempt_at=func.now(), attempts=0)
        .returning(WebhookDelivery.id)
    )
    if again is None:
        raise Conflict(f"delivery {delivery_id} is being sent now; see its attempts")


async def deliveries(
    session: AsyncSession, subscription_id: int, *, limit: int = 100
) -> list[tuple[WebhookDelivery, WebhookEvent, list[WebhookAttempt]]]:
    """A subscription's deliveries, newest first, each with its event and every attempt."""
    if not 1 <= subscription_id <= MAX_ID or await session.get(WebhookSubscription, subscription_id) is None:
        raise NotFound(f"subscription {subscription_id} does not exist")
    ids = await session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return await deliveries_by_id(session, list(ids))


async def deliveries_by_id(
    session: AsyncSession, delivery_ids: list[int]
) -> list[tuple[WebhookDelivery, WebhookEvent, list[WebhookAttempt]]]:
    rows = (
        await session.execute(
            select(WebhookDelivery, WebhookEvent)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(delivery_ids))
            .order_by(WebhookDelivery.id.desc())
            .execution_options(populate_existing=True)
        )
    ).all()
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d, _ in rows}
    if attempts:
        for attempt in await session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(attempts)).order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [(d, e, attempts[d.id]) for d, e in rows]
