"""API keys (hashed) and the append-only audit trail of every change to a claim.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:26:25.216560
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('reviewer', 'editor', 'integration', 'admin')", name=op.f("ck_api_key_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
        sa.UniqueConstraint("name", name=op.f("uq_api_key_name")),
    )
    op.create_table(
        "claim_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("evidence_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('transition', 'assignment', 'note')", name=op.f("ck_claim_event_kind")),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_claim_event_claim_id_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_event")),
    )
    op.create_index("ix_claim_event_claim_id", "claim_event", ["claim_id", "id"], unique=False)
    # The audit trail is append-only, whoever connects: the database itself refuses to change or remove it.
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER claim_event_append_only BEFORE UPDATE OR DELETE ON claim_event "
        "FOR EACH ROW EXECUTE FUNCTION refuse_claim_event_change()"
    )
    op.execute(
        "CREATE TRIGGER claim_event_no_truncate BEFORE TRUNCATE ON claim_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_claim_event_change()"
    )


APPEND_ONLY_FUNCTION = """
CREATE FUNCTION refuse_claim_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'claim_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def downgrade() -> None:
    op.execute("DROP TRIGGER claim_event_no_truncate ON claim_event")
    op.execute("DROP TRIGGER claim_event_append_only ON claim_event")
    op.execute("DROP FUNCTION refuse_claim_event_change()")
    op.drop_index("ix_claim_event_claim_id", table_name="claim_event")
    op.drop_table("claim_event")
    op.drop_table("api_key")
