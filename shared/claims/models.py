from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class ClaimState(enum.StrEnum):
    unverified = "unverified"
    corroborated = "corroborated"
    disputed = "disputed"


class Claim(Base):
    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), nullable=False)
    # The article's outlet, copied by the database (a trigger, migration 0009): one outlet's figures and
    # queue read its claims alone, without joining a million claims to their articles.
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # Offsets into the article body: body[char_start:char_end] == text.
    char_start: Mapped[int] = mapped_column(Integer, nullable=False)
    char_end: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    attribution: Mapped[str | None] = mapped_column(Text)
    quantities: Mapped[list[dict]] = mapped_column(JSONB, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, server_default=ClaimState.unverified.value)
    # Optimistic lock: bumped on every change a person makes.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=sql("1"))
    assignee: Mapped[str | None] = mapped_column(String(200))
    # What the evidence suggests; never the decision itself.
    suggested_state: Mapped[str | None] = mapped_column(String(20))
    suggested_confidence: Mapped[float | None] = mapped_column(Float)
    suggested_explanation: Mapped[str | None] = mapped_column(Text)
    # Set when the suggestion is the verdict people gave a claim found to be the same (shared/related).
    suggested_from_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("state IN ('unverified', 'corroborated', 'disputed')", name="state"),
        CheckConstraint("suggested_state IN ('corroborated', 'disputed')", name="suggested_state"),
        CheckConstraint("char_start >= 0 AND char_end > char_start", name="offsets"),
        Index("ix_claim_article_id", "article_id", "char_start"),
        Index("ix_claim_state_id", "state", "id"),
        Index("ix_claim_fingerprint", "fingerprint"),
        # The reports: claims by time, the backlog by age, who holds what.
        Index("ix_claim_created_at", "created_at", "state"),
        Index("ix_claim_unverified_created_at", "created_at", postgresql_where=sql("state = 'unverified'")),
        # One outlet's claims by time and state, and its backlog.
        Index("ix_claim_source_created_at", "source", "created_at", "state"),
        # Who holds what: the claims held and their state, counted from the index alone (the reviewers' report).
        Index(
            "ix_claim_assignee", "assignee", postgresql_include=["state"], postgresql_where=sql("assignee IS NOT NULL")
        ),
        # The queue's pages (shared/review/queue.py), in its two orders.
        Index("ix_claim_queue_score", sql("score DESC"), "created_at", "id", postgresql_where=sql("assignee IS NULL")),
        Index("ix_claim_queue_age", "created_at", sql("score DESC"), "id", postgresql_where=sql("assignee IS NULL")),
    )
