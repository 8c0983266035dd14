from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, created_at_column

# What the reports read of a transition, kept in its indexes beside its time.
_TRANSITION_COLUMNS = ["claim_id", "from_state", "to_state", "suggested_state", "first_verdict", "claim_age_seconds"]


class ClaimEvent(Base):
    """The audit trail: every state change, assignment and note. Append-only: the database refuses
    UPDATE and DELETE on it (a trigger created by the migration)."""

    __tablename__ = "claim_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # transition | assignment | note
    actor: Mapped[str] = mapped_column(String(200), nullable=False)  # the API key's name
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    rationale: Mapped[str | None] = mapped_column(Text)  # a transition's reason, or a note's text
    evidence_ids: Mapped[list[int]] = mapped_column(JSONB, nullable=False, default=list)
    assignee: Mapped[str | None] = mapped_column(String(200))  # with an assignment: who has it now (None: nobody)
    # Of a transition's moment, filled in by the database (a trigger, migration 0007): the suggestion the claim
    # carried, its age in seconds, whether this is its first verdict, and how long the actor had held it.
    suggested_state: Mapped[str | None] = mapped_column(String(20))
    claim_age_seconds: Mapped[float | None] = mapped_column(Float)
    held_seconds: Mapped[float | None] = mapped_column(Float)  # since the claim was last assigned to the actor
    first_verdict: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    source: Mapped[str | None] = mapped_column(String(200))  # a transition's outlet (a trigger, migration 0009)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("kind IN ('transition', 'assignment', 'note')", name="kind"),
        Index("ix_claim_event_claim_id", "claim_id", "id"),
        # Verdicts and reopenings by time (the reports), of every outlet and of one.
        Index(
            "ix_claim_event_transition_created_at",
            "created_at",
            postgresql_include=_TRANSITION_COLUMNS,
            postgresql_where=text("kind = 'transition'"),
        ),
        Index(
            "ix_claim_event_transition_source",
            "source",
            "created_at",
            postgresql_include=_TRANSITION_COLUMNS,
            postgresql_where=text("kind = 'transition'"),
        ),
        # The ages of a period's first verdicts, for their exact median and p90: a third of the entries' size.
        Index(
            "ix_claim_event_first_verdict_created_at",
            "created_at",
            postgresql_include=["claim_age_seconds"],
            postgresql_where=text("kind = 'transition' AND first_verdict"),
        ),
    )
