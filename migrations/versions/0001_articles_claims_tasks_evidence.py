"""Articles, their claims, one verification task per claim (the outbox), and evidence.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:04:35.717591
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=500), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("extraction_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
    )
    op.create_index(
        "uq_article_source_content_hash",
        "article",
        ["source", "content_hash"],
        unique=True,
        postgresql_where=sa.text("external_id IS NULL"),
    )
    op.create_index(
        "uq_article_source_external_id",
        "article",
        ["source", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column("quantities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="unverified", nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("suggested_state", sa.String(length=20), nullable=True),
        sa.Column("suggested_confidence", sa.Float(), nullable=True),
        sa.Column("suggested_explanation", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("state IN ('unverified', 'corroborated', 'disputed')", name=op.f("ck_claim_state")),
        sa.CheckConstraint("suggested_state IN ('corroborated', 'disputed')", name=op.f("ck_claim_suggested_state")),
        sa.CheckConstraint("char_start >= 0 AND char_end > char_start", name=op.f("ck_claim_offsets")),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_claim_article_id_article"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
    )
    op.create_index("ix_claim_article_id", "claim", ["article_id", "char_start"], unique=False)
    op.create_index("ix_claim_fingerprint", "claim", ["fingerprint"], unique=False)
    op.create_index("ix_claim_state_id", "claim", ["state", "id"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("passage", sa.Text(), nullable=False),
        sa.Column("passage_start", sa.Integer(), nullable=False),
        sa.Column("passage_end", sa.Integer(), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("stance", sa.String(length=20), server_default="unclear", nullable=False),
        sa.Column("signals", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("stance IN ('supports', 'refutes', 'unclear')", name=op.f("ck_evidence_stance")),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_evidence_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("claim_id", "provider", "url", name=op.f("uq_evidence_claim_id_provider_url")),
    )
    op.create_table(
        "verification_task",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "problems", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'queued', 'running', 'done', 'failed')", name=op.f("ck_verification_task_status")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_verification_task_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_task")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_verification_task_claim_id")),
    )
    op.create_index(
        "ix_verification_task_open",
        "verification_task",
        ["status", "updated_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'queued', 'running')"),
    )

    # Wake the relay as soon as a transaction that leaves pending tasks behind commits (NOTIFY is
    # transactional); the relay's periodic sweep covers the times nobody was listening.
    op.execute(NOTIFY_FUNCTION)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER verification_task_pending_{event.lower()} AFTER {event} ON verification_task "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_pending_tasks()"
        )


NOTIFY_FUNCTION = """
CREATE FUNCTION notify_pending_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows WHERE status = 'pending') THEN
        PERFORM pg_notify('verification_task_pending', '');
    END IF;
    RETURN NULL;
END
$$
"""


def downgrade() -> None:
    op.execute("DROP TRIGGER verification_task_pending_insert ON verification_task")
    op.execute("DROP TRIGGER verification_task_pending_update ON verification_task")
    op.execute("DROP FUNCTION notify_pending_tasks()")
    op.drop_index(
        "ix_verification_task_open",
        table_name="verification_task",
        postgresql_where=sa.text("status IN ('pending', 'queued', 'running')"),
    )
    op.drop_table("verification_task")
    op.drop_table("evidence")
    op.drop_index("ix_claim_state_id", table_name="claim")
    op.drop_index("ix_claim_fingerprint", table_name="claim")
    op.drop_index("ix_claim_article_id", table_name="claim")
    op.drop_table("claim")
    op.drop_index(
        "uq_article_source_external_id", table_name="article", postgresql_where=sa.text("external_id IS NOT NULL")
    )
    op.drop_index(
        "uq_article_source_content_hash", table_name="article", postgresql_where=sa.text("external_id IS NULL")
    )
    op.drop_table("article")
