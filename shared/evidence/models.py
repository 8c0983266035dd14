from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class Stance(enum.StrEnum):
    supports = "supports"
    refutes = "refutes"
    unclear = "unclear"


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), nullable=False)
    provider: Mapped[str] = mapped_column(String(50), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    passage: Mapped[str] = mapped_column(Text, nullable=False)
    # Offsets of the passage in the source's extracted text.
    passage_start: Mapped[int] = mapped_column(Integer, nullable=False)
    passage_end: Mapped[int] = mapped_column(Integer, nullable=False)
    relevance: Mapped[float] = mapped_column(Float, nullable=False)
    stance: Mapped[str] = mapped_column(String(20), nullable=False, server_default=Stance.unclear.value)
    signals: Mapped[list[dict]] = mapped_column(JSONB, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    fetched_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # Running the same task twice stores nothing new.
        UniqueConstraint("claim_id", "provider", "url"),
        CheckConstraint("stance IN ('supports', 'refutes', 'unclear')", name="stance"),
    )
