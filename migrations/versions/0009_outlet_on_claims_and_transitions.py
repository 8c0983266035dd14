"""The outlet on each claim and transition, and the claim's creation time on each link: the reports of one
outlet read that outlet's rows alone, and the claims linked in a period are counted from the links.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Filled in by the database whatever writes the row (the API, an import, a test), as the transitions' context
# is (0007): a copy that can never disagree with what it copies, since an article's source, a claim's article
# and its creation time never change. At a million claims, one outlet's summary of 30 days read every claim
# and transition of the period and joined each to its article (280 ms over HTTP); now its own index ranges
# (4 to 15 ms each). A year's claims linked to an earlier one took a semi-join of every claim of the year to
# the links (303 ms); now a range of the links' index (9 ms).
_TRIGGERS = {
    ("claim", "claim_source"): """
        SELECT a.source INTO NEW.source FROM article a WHERE a.id = NEW.article_id;
    """,
    ("claim_event", "claim_event_source"): """
        IF NEW.kind = 'transition' THEN
            SELECT c.source INTO NEW.source FROM claim c WHERE c.id = NEW.claim_id;
        END IF;
    """,
    ("claim_link", "claim_link_created_at"): """
        SELECT c.created_at INTO NEW.claim_created_at FROM claim c WHERE c.id = NEW.claim_id;
    """,
}

_TRANSITION_COLUMNS = ["claim_id", "from_state", "to_state", "suggested_state", "first_verdict", "claim_age_seconds"]


# The rows written before get their copies by rewriting each table once (ALTER COLUMN ... TYPE ... USING),
# not by UPDATE: an UPDATE of every row leaves the table and each of its indexes twice their size until a
# VACUUM FULL, which a migration's transaction cannot run; at a million claims every read of the claims was
# half again as slow after it. A rewrite also rebuilds the indexes. A USING expression may not hold a
# subquery, so each copy is read through a function, dropped afterwards.
_READERS = {  # name: (what it returns, the query)
    "pg_temp.source_of_article": ("varchar", "SELECT source FROM article WHERE id = $1"),
    "pg_temp.source_of_claim": ("varchar", "SELECT source FROM claim WHERE id = $1"),
    "pg_temp.created_at_of_claim": ("timestamptz", "SELECT created_at FROM claim WHERE id = $1"),
}
_FILL = [
    ("claim", "source", "varchar(200)", "pg_temp.source_of_article(article_id)"),
    (
        "claim_event",
        "source",
        "varchar(200)",
        "CASE WHEN kind = 'transition' THEN pg_temp.source_of_claim(claim_id) END",
    ),
    ("claim_link", "claim_created_at", "timestamptz", "pg_temp.created_at_of_claim(claim_id)"),
]


def upgrade() -> None:
    op.add_column("claim", sa.Column("source", sa.String(length=200), nullable=True))
    op.add_column("claim_event", sa.Column("source", sa.String(length=200), nullable=True))
    op.add_column("claim_link", sa.Column("claim_created_at", sa.DateTime(timezone=True), nullable=True))
    for (table, name), body in _TRIGGERS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NEW; END $$")
        op.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
    # The rows written before: 20 s for a million claims here.
    for reader, (returns, query) in _READERS.items():
        op.execute(f"CREATE FUNCTION {reader}(bigint) RETURNS {returns} LANGUAGE sql STABLE AS $$ {query} $$")
    for table, column, type_, value in _FILL:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_} USING {value}")
    for reader in _READERS:
        op.execute(f"DROP FUNCTION {reader}(bigint)")
    op.alter_column("claim", "source", nullable=False)
    op.alter_column("claim_link", "claim_created_at", nullable=False)

    # One outlet's claims by time (and state, counted from the index alone); this replaces 0008's index, whose
    # one use, one outlet's backlog, this one serves as well (13 against 24 ms).
    op.create_index("ix_claim_source_created_at", "claim", ["source", "created_at", "state"])
    op.drop_index("ix_claim_unverified_article_id", table_name="claim")
    op.create_index(
        "ix_claim_event_transition_source",
        "claim_event",
        ["source", "created_at"],
        postgresql_include=_TRANSITION_COLUMNS,
        postgresql_where=sa.text("kind = 'transition'"),
    )
    op.create_index("ix_claim_link_claim_created_at", "claim_link", ["claim_created_at", "claim_id"])


def downgrade() -> None:
    op.drop_index("ix_claim_link_claim_created_at", table_name="claim_link")
    op.drop_index("ix_claim_event_transition_source", table_name="claim_event")
    op.create_index(
        "ix_claim_unverified_article_id", "claim", ["article_id"], postgresql_where=sa.text("state = 'unverified'")
    )
    op.drop_index("ix_claim_source_created_at", table_name="claim")
    for table, name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
    op.drop_column("claim_link", "claim_created_at")
    op.drop_column("claim_event", "source")
    op.drop_column("claim", "source")
