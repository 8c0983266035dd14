"""Integrations (newsroom tools with a signing secret) and the webhook deliveries they have sent us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class Integration(Base):
    """A newsroom tool. Its signing secret is stored encrypted (``secrets.py``): the service must be able to
    sign with it and verify against it, so a hash would not do. During a rotation the previous secret is
    accepted too, until ``previous_until``."""

    __tablename__ = "integration"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Unique whatever the case, and what its articles are `submitted_by`: a key of the same name reads them.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    secret: Mapped[str] = mapped_column(Text, nullable=False)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("uq_integration_name", func.lower(name), unique=True),)


class WebhookReceipt(Base):
    """A delivery we accepted, by its `webhook-id`, with the answer we gave: the same id gets the same answer
    and nothing is processed twice. The primary key serialises two deliveries arriving at once."""

    __tablename__ = "webhook_receipt"

    integration_id: Mapped[int] = mapped_column(ForeignKey("integration.id", ondelete="CASCADE"), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    answer: Mapped[dict] = mapped_column(JSONB, nullable=False)
    received_at: Mapped[datetime] = created_at_column()


class WebhookSubscription(Base):
    """A URL of an integration's that hears some of its event types, for the articles the integration sent."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integration.id", ondelete="CASCADE"), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_webhook_subscription_integration_id", "integration_id"),)


class WebhookEvent(Base):
    """Something an integration may hear about, written in the transaction of the change that caused it."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False)  # the body sent, as JSON
    created_at: Mapped[datetime] = created_at_column()


class WebhookDelivery(Base):
    """One event to one subscription: the outbox row the relay and the worker move along until it is done.

    `pending` (due at `next_attempt_at`) -> `sending` (handed to a worker at `sent_at`) -> `delivered`, or
    back to `pending` for the next attempt, or `failed` once the schedule is spent or the receiver is gone.
    """

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_event.id", ondelete="CASCADE"), nullable=False)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(16))  # the token of the attempt under way, if any
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'delivered', 'failed')", name="status"),
        # The relay's sweep: only rows still moving are indexed.
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_webhook_delivery_subscription_id", "subscription_id", "id"),
    )


class WebhookAttempt(Base):
    """One try of a delivery: what the receiver answered, how long it took, or what went wrong."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), nullable=False)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    duration_ms: Mapped[float] = mapped_column(Float, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_webhook_attempt_delivery_id", "delivery_id"),)
