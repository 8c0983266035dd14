"""Integrations (admins) and the webhooks they send articles through (signed, no API key)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import RowId, SessionDep, SettingsDep, may
from services.api.errors import ErrorBody, error_responses
from shared.auth.roles import Action
from shared.integrations import outbound
from shared.integrations.inbound import MAX_BATCH, receive_articles
from shared.integrations.registry import (
    EVENT_TYPES,
    create_integration,
    disable_integration,
    list_integrations,
    rotate_secret,
)
from shared.integrations.signatures import ID_PATTERN, TIMESTAMP_PATTERN
from shared.validation import HttpUrl, NonBlankText

router = APIRouter(tags=["integrations"])

EventType = Literal[EVENT_TYPES]


class IntegrationCreate(BaseModel):
    name: NonBlankText = Field(
        min_length=1, max_length=200, description="Unique; its articles are submitted by this name."
    )
    event_types: list[EventType] = Field(
        default_factory=list,
        max_length=len(EVENT_TYPES),
        description=f"What it may hear about: {', '.join(EVENT_TYPES)}.",
    )


class IntegrationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    event_types: list[str]
    created_at: datetime
    disabled_at: datetime | None
    previous_until: datetime | None = Field(description="Until when the secret before the last rotation verifies.")


class IntegrationWithSecret(IntegrationRead):
    secret: str = Field(description="`whsec_...`: the signing secret, shown this once.")


def _with_secret(made) -> IntegrationWithSecret:
    return IntegrationWithSecret.model_validate(
        {**IntegrationRead.model_validate(made.integration).model_dump(), "secret": made.secret}
    )


@router.post(
    "/v1/integrations",
    status_code=status.HTTP_201_CREATED,
    response_model=IntegrationWithSecret,
    summary="Create an integration",
    description="Generates its signing secret and shows it this once. Admins only.",
    responses=error_responses(401, 403, 409, 422),
)
async def create(
    data: IntegrationCreate, session: SessionDep, settings: SettingsDep, _: may(Action.manage_integrations)
):
    return _with_secret(await create_integration(session, settings, data.name, data.event_types))


@router.get(
    "/v1/integrations",
    response_model=list[IntegrationRead],
    summary="List integrations",
    description="Never their secrets. Admins only.",
    responses=error_responses(401, 403),
)
async def listing(session: SessionDep, _: may(Action.manage_integrations)):
    return await list_integrations(session)


@router.post(
    "/v1/integrations/{integration_id}/rotate",
    response_model=IntegrationWithSecret,
    summary="Rotate an integration's secret",
    description=(
        "A new secret, shown this once; the previous one still verifies deliveries for "
        "FACTCHECK_WEBHOOK_ROTATION_GRACE_HOURS (24 h), so the sender can switch without losing any."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def rotate(integration_id: RowId, session: SessionDep, settings: SettingsDep, _: may(Action.manage_integrations)):
    return _with_secret(await rotate_secret(session, settings, integration_id))


@router.post(
    "/v1/integrations/{integration_id}/disable",
    response_model=IntegrationRead,
    summary="Disable an integration",
    description="Its deliveries are refused from now on (401). Idempotent.",
    responses=error_responses(401, 403, 404, 422),
)
async def disable(integration_id: RowId, session: SessionDep, _: may(Action.manage_integrations)):
    return await disable_integration(session, integration_id)


class SubscriptionCreate(BaseModel):
    url: HttpUrl = Field(description="Absolute http(s) URL at a public address.")
    event_types: list[EventType] = Field(
        min_length=1, max_length=len(EVENT_TYPES), description="Some of the integration's own."
    )


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    integration_id: int
    url: str
    event_types: list[str]
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None = Field(description="Why it was disabled: a 410 from the receiver, say.")


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None = Field(description="What the receiver answered; none when it could not be reached.")
    duration_ms: float
    error: str | None


class DeliveryRead(BaseModel):
    id: int
    webhook_id: str = Field(description="The same in every attempt: `msg_<event id>`.")
    event_type: str
    status: str = Field(description="pending, sending, delivered or failed.")
    attempts: list[AttemptRead]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    created_at: datetime


def _delivery(delivery, event, attempts) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        webhook_id=f"msg_{event.id}",
        event_type=event.type,
        status=delivery.status,
        attempts=[AttemptRead.model_validate(a) for a in attempts],
        next_attempt_at=delivery.next_attempt_at if delivery.status == outbound.PENDING else None,
        delivered_at=delivery.delivered_at,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
    )


@router.post(
    "/v1/integrations/{integration_id}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionRead,
    summary="Subscribe a URL to events",
    description=(
        "The URL hears these events about the articles the integration sent, as Standard Webhooks deliveries "
        "signed with the integration's secret, retried over about a day (FACTCHECK_WEBHOOK_RETRY_SCHEDULE). "
        "A URL at a private or loopback address is refused (and checked again at every delivery). Admins only."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def subscribe(
    integration_id: RowId,
    data: SubscriptionCreate,
    session: SessionDep,
    settings: SettingsDep,
    _: may(Action.manage_integrations),
):
    return await outbound.subscribe(session, settings, integration_id, data.url, data.event_types)


@router.get(
    "/v1/integrations/{integration_id}/subscriptions",
    response_model=list[SubscriptionRead],
    summary="An integration's subscriptions",
    responses=error_responses(401, 403, 404, 422),
)
async def subscription_list(integration_id: RowId, session: SessionDep, _: may(Action.manage_integrations)):
    return await outbound.subscriptions(session, integration_id)


@router.get(
    "/v1/subscriptions/{subscription_id}/deliveries",
    response_model=list[DeliveryRead],
    summary="A subscription's deliveries",
    description="The newest 100, each with every attempt: status, duration, error.",
    responses=error_responses(401, 403, 404, 422),
)
async def delivery_list(subscription_id: RowId, session: SessionDep, _: may(Action.manage_integrations)):
    return [_delivery(*row) for row in await outbound.deliveries(session, subscription_id)]


@router.post(
    "/v1/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send a delivery again",
    description="Now, with the same event and `webhook-id` and a fresh schedule, whatever became of it before; "
    "409 while it is being sent.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def redeliver(delivery_id: RowId, session: SessionDep, _: may(Action.manage_integrations)):
    await outbound.redeliver(session, delivery_id)
    rows = await outbound.deliveries_by_id(session, [delivery_id])
    return _delivery(*rows[0])


class WebhookResult(BaseModel):
    index: int = Field(description="The article's place in the delivery, from 0.")
    status: int = Field(description="201 created, 200 already present, else why it was refused (409, 413, ...).")
    article_id: int | None = None
    claims: int | None = Field(default=None, description="How many claims were found in it.")
    url: str | None = Field(default=None, description="Where to read it: `/v1/articles/{id}`.")
    error: str | None = None
    detail: str | None = None


class WebhookAnswer(BaseModel):
    webhook_id: str
    results: list[WebhookResult]


def _signature_header(name: str, description: str, pattern: str | None) -> dict:
    schema = {"type": "string", "minLength": 1} | ({"pattern": pattern} if pattern else {})
    return {"name": name, "in": "header", "required": True, "description": description, "schema": schema}


@router.post(
    "/v1/webhooks/{integration_id}/articles",
    response_model=WebhookAnswer,
    response_model_exclude_none=True,
    summary="Receive articles by signed webhook",
    description=(
        "A Standard Webhooks delivery (https://www.standardwebhooks.com): headers `webhook-id`, "
        "`webhook-timestamp` (Unix seconds, within 5 minutes of now) and `webhook-signature` (`v1,<base64>` "
        "HMAC-SHA256 of `id.timestamp.body` with the integration's secret; several, separated by spaces, "
        "during a rotation). No API key. The body is one article or a list of 1 to "
        f"{MAX_BATCH} in the schema of `POST /v1/articles`, submitted by the integration. A `webhook-id` "
        "received before gets the first answer again and nothing is processed twice. A bad, missing or "
        "stale signature, or an unknown or disabled integration: 401, and the body is not parsed."
    ),
    responses=error_responses(413, 422, 429)
    | {401: {"model": ErrorBody, "description": "Not signed by an enabled integration (the reason is given)."}},
    openapi_extra={
        # Read by the signature check itself (401 when missing or malformed), so not declared as parameters.
        "parameters": [
            _signature_header("webhook-id", "The delivery's id, the same in every attempt.", ID_PATTERN),
            _signature_header("webhook-timestamp", "Unix seconds, within 5 minutes of now.", TIMESTAMP_PATTERN),
            _signature_header(
                "webhook-signature", "`v1,<base64>`, several separated by spaces during a rotation.", None
            ),
        ],
        # DeliveredArticle: ArticleCreate as the app's document states it for deliveries (services/api/app.py).
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/DeliveredArticle"},
                            {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/DeliveredArticle"},
                                "minItems": 1,
                                "maxItems": MAX_BATCH,
                            },
                        ]
                    }
                }
            },
        },
    },
)
async def receive(integration_id: RowId, request: Request, session: SessionDep, settings: SettingsDep):
    body = await request.body()
    headers = {name: request.headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return await receive_articles(session, settings, integration_id, headers, body, request.app.state.redis)
