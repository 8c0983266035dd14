"""Related claims: each claim's signature, its candidate keys, and the links between claims found the same."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column


class ClaimSignature(Base):
    """What decides whether another claim states the same thing (``matching.Signature``), read once."""

    __tablename__ = "claim_signature"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True)
    signature: Mapped[dict] = mapped_column(JSONB, nullable=False)


class ClaimMatchKey(Base):
    """The candidate index: a claim under each of its keys. Looked up by key, newest claims first, through
    the primary key's b-tree. No foreign key on purpose: that would need a second index on claim_id for
    cascading deletes, doubling the table's largest cost; a key of a claim that is gone finds no signature
    and is ignored."""

    __tablename__ = "claim_match_key"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class ClaimLink(Base):
    """Two claims found to state the same thing: the later one points at the earlier one (one row a pair)."""

    __tablename__ = "claim_link"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True)
    earlier_claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True)
    similarity: Mapped[float] = mapped_column(Float, nullable=False)
    matched: Mapped[dict] = mapped_column(JSONB, nullable=False)  # what they share: figures, dates, names, terms
    created_at: Mapped[datetime] = created_at_column()
    # When the later claim (claim_id) was created, copied by the database (a trigger, migration 0009): the
    # claims of a period linked to an earlier one are counted from this index alone.
    claim_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint("earlier_claim_id < claim_id", name="earlier"),
        Index("ix_claim_link_earlier_claim_id", "earlier_claim_id", "claim_id"),
        Index("ix_claim_link_claim_created_at", "claim_created_at", "claim_id"),
    )
