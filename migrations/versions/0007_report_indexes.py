"""Indexes for the editors' reports (claims and verdicts by time, the backlog by age, outlets, holders) and
for the queue's pages.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# What a transition's row records of its moment, filled in by the database whatever writes it (the API, an
# import, a test): the suggestion the claim carried, the claim's age, whether it is the claim's first
# verdict, and how long its actor had held the claim (since it was last assigned to them). The reports then
# read them from one index instead of joining a million claims.
_CONTEXT = """
CREATE FUNCTION claim_event_context() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'transition' THEN
        SELECT c.suggested_state, extract(epoch FROM NEW.created_at - c.created_at)
          INTO NEW.suggested_state, NEW.claim_age_seconds
          FROM claim c WHERE c.id = NEW.claim_id;
        NEW.held_seconds := extract(epoch FROM NEW.created_at - (
            SELECT max(t.created_at) FROM claim_event t
            WHERE t.claim_id = NEW.claim_id AND t.kind = 'assignment' AND t.assignee = NEW.actor));
        NEW.first_verdict := NEW.to_state IN ('corroborated', 'disputed') AND NOT EXISTS (
            SELECT 1 FROM claim_event e
            WHERE e.claim_id = NEW.claim_id AND e.kind = 'transition' AND e.to_state IN ('corroborated', 'disputed'));
    END IF;
    RETURN NEW;
END $$
"""
_BACKFILL = """
UPDATE claim_event e
SET suggested_state = c.suggested_state,
    claim_age_seconds = extract(epoch FROM e.created_at - c.created_at),
    held_seconds = extract(epoch FROM e.created_at - (
        SELECT max(t.created_at) FROM claim_event t
        WHERE t.claim_id = e.claim_id AND t.kind = 'assignment' AND t.assignee = e.actor
          AND t.created_at <= e.created_at)),
    first_verdict = e.to_state IN ('corroborated', 'disputed') AND NOT EXISTS (
        SELECT 1 FROM claim_event p
        WHERE p.claim_id = e.claim_id AND p.kind = 'transition' AND p.to_state IN ('corroborated', 'disputed')
          AND p.id < e.id)
FROM claim c
WHERE c.id = e.claim_id AND e.kind = 'transition'
"""


def upgrade() -> None:
    op.add_column("claim_event", sa.Column("suggested_state", sa.String(length=20), nullable=True))
    op.add_column("claim_event", sa.Column("claim_age_seconds", sa.Float(), nullable=True))
    op.add_column("claim_event", sa.Column("held_seconds", sa.Float(), nullable=True))
    op.add_column(
        "claim_event", sa.Column("first_verdict", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.execute(_CONTEXT)
    op.execute(
        "CREATE TRIGGER claim_event_context BEFORE INSERT ON claim_event "
        "FOR EACH ROW EXECUTE FUNCTION claim_event_context()"
    )
    # The trail refuses changes; this one adds what it did not record yet, for the transitions made before.
    op.execute("ALTER TABLE claim_event DISABLE TRIGGER claim_event_append_only")
    op.execute(_BACKFILL)
    op.execute("ALTER TABLE claim_event ENABLE TRIGGER claim_event_append_only")
    op.create_index("ix_claim_created_at", "claim", ["created_at", "state"])  # state: counted from the index alone
    op.create_index(
        "ix_claim_unverified_created_at", "claim", ["created_at"], postgresql_where=sa.text("state = 'unverified'")
    )
    op.create_index("ix_claim_assignee", "claim", ["assignee"], postgresql_where=sa.text("assignee IS NOT NULL"))
    op.create_index(
        "ix_claim_event_transition_created_at",
        "claim_event",
        ["created_at"],
        postgresql_include=[
            "claim_id",
            "from_state",
            "to_state",
            "suggested_state",
            "first_verdict",
            "claim_age_seconds",
        ],
        postgresql_where=sa.text("kind = 'transition'"),
    )
    op.create_index("ix_article_received_at", "article", ["received_at"])
    # The queue's pages, in its two orders, walked until a page is full.
    unassigned = sa.text("assignee IS NULL")
    op.create_index(
        "ix_claim_queue_score", "claim", [sa.text("score DESC"), "created_at", "id"], postgresql_where=unassigned
    )
    op.create_index(
        "ix_claim_queue_age", "claim", ["created_at", sa.text("score DESC"), "id"], postgresql_where=unassigned
    )


def downgrade() -> None:
    op.drop_index("ix_claim_queue_age", table_name="claim")
    op.drop_index("ix_claim_queue_score", table_name="claim")
    op.drop_index("ix_article_received_at", table_name="article")
    op.drop_index("ix_claim_event_transition_created_at", table_name="claim_event")
    op.drop_index("ix_claim_assignee", table_name="claim")
    op.drop_index("ix_claim_unverified_created_at", table_name="claim")
    op.drop_index("ix_claim_created_at", table_name="claim")
    op.execute("DROP TRIGGER claim_event_context ON claim_event")
    op.execute("DROP FUNCTION claim_event_context()")
    op.drop_column("claim_event", "first_verdict")
    op.drop_column("claim_event", "held_seconds")
    op.drop_column("claim_event", "claim_age_seconds")
    op.drop_column("claim_event", "suggested_state")
