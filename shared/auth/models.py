from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class ApiKey(Base):
    """A key is shown once at creation; only its hash is kept. `prefix` finds the row without the secret."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Unique: the name is who acts in the audit trail, whose queue it is, and whose articles an integration reads.
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("role IN ('reviewer', 'editor', 'integration', 'admin')", name="role"),)
