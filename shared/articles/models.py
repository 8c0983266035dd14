from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class Article(Base):
    __tablename__ = "article"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    external_id: Mapped[str | None] = mapped_column(String(500))
    # sha256 of title and body: the idempotency key when there is no external id.
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    url: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str] = mapped_column(String(35), nullable=False)
    links: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = created_at_column()
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    # Why no claims were extracted, when none were (e.g. a language the extractor does not read).
    extraction_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_article_received_at", "received_at"),  # the reports: articles by time
        # What an integration key may see: the claims of the articles it sent (migration 0011).
        Index("ix_article_submitted_by", "submitted_by", postgresql_where=text("submitted_by IS NOT NULL")),
        Index(
            "uq_article_source_external_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "uq_article_source_content_hash",
            "source",
            "content_hash",
            unique=True,
            postgresql_where=text("external_id IS NULL"),
        ),
    )
