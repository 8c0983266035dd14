from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class TaskStatus(enum.StrEnum):
    pending = "pending"  # written with the claim, not yet handed to the queue
    queued = "queued"  # a message is in Redis
    running = "running"
    done = "done"
    failed = "failed"


class VerificationTask(Base):
    """One per claim. The outbox: the row exists before any message does."""

    __tablename__ = "verification_task"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=TaskStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    # What each provider and fetch ran into, even when the task as a whole succeeded.
    problems: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'queued', 'running', 'done', 'failed')", name="status"),
        # The relay's sweep: what is pending, or queued/running for too long.
        Index(
            "ix_verification_task_open",
            "status",
            "updated_at",
            postgresql_where=text("status IN ('pending', 'queued', 'running')"),
        ),
    )
