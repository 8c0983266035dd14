"""Related claims: signatures, the candidate key index, links, and the suggestion an earlier verdict makes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_signature",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("signature", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claim_signature_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_signature")),
    )
    op.create_table(
        "claim_match_key",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "claim_id", name=op.f("pk_claim_match_key")),
    )
    op.create_table(
        "claim_link",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("earlier_claim_id", sa.BigInteger(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("matched", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("earlier_claim_id < claim_id", name=op.f("ck_claim_link_earlier")),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claim_link_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["earlier_claim_id"], ["claim.id"], name=op.f("fk_claim_link_earlier_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("claim_id", "earlier_claim_id", name=op.f("pk_claim_link")),
    )
    op.create_index("ix_claim_link_earlier_claim_id", "claim_link", ["earlier_claim_id", "claim_id"], unique=False)
    op.add_column("claim", sa.Column("suggested_from_claim_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_claim_suggested_from_claim_id_claim"),
        "claim",
        "claim",
        ["suggested_from_claim_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_claim_suggested_from_claim_id_claim"), "claim", type_="foreignkey")
    op.drop_column("claim", "suggested_from_claim_id")
    op.drop_index("ix_claim_link_earlier_claim_id", table_name="claim_link")
    op.drop_table("claim_link")
    op.drop_table("claim_match_key")
    op.drop_table("claim_signature")
