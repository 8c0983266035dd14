"""Indexes for the editors' reports: claims and verdicts by time, the backlog by age, outlets, holders.

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


def downgrade() -> None:
    op.drop_index("ix_article_received_at", table_name="article")
    op.drop_index("ix_claim_event_transition_created_at", table_name="claim_event")
    op.drop_index("ix_claim_assignee", table_name="claim")
    op.drop_index("ix_claim_unverified_created_at", table_name="claim")
    op.drop_index("ix_claim_created_at", table_name="claim")
