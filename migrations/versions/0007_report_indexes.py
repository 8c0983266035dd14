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


def upgrade() -> None:
    op.create_index("ix_claim_created_at", "claim", ["created_at", "state"])  # state: counted from the index alone
    op.create_index(
        "ix_claim_unverified_created_at", "claim", ["created_at"], postgresql_where=sa.text("state = 'unverified'")
    )
    op.create_index("ix_claim_assignee", "claim", ["assignee"], postgresql_where=sa.text("assignee IS NOT NULL"))
    op.create_index(
        "ix_claim_event_transition_created_at",
        "claim_event",
        ["created_at"],
        postgresql_include=["claim_id", "from_state", "to_state"],
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
