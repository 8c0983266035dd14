"""The totals `GET /metrics` gives (articles, tasks by status, evidence by provider, webhook deliveries by
status), kept by the database as the report tallies are: a scrape sums a few rows instead of reading the
largest tables whole on every scrape.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kind: (table, what labels a row). Rows of changes, as in 0010: each writing statement adds its own, which the
# relay folds now and then; no two writers wait for one shared row. In the order the service writes the tables
# (an ingest an article, then its tasks; a verification its task, then its evidence; both, then webhook
# deliveries), which is the order they are locked in below: a writer between two of them cannot deadlock it.
_COUNTED = {
    "articles": ("article", "''"),
    "tasks": ("verification_task", "status"),
    "evidence": ("evidence", "provider"),
    "webhook_deliveries": ("webhook_delivery", "status"),
}
_CHANGES = (
    "INSERT INTO work_tally (kind, label, total) SELECT '{kind}', label, sum(change) FROM ({rows}) AS changes "
    "GROUP BY label HAVING sum(change) <> 0"
)


def _triggers() -> dict[str, tuple[str, str, str, str]]:
    """name: (table, event, its transition tables, the statement adding the changes). A statement trigger sees
    every row a statement wrote at once: a batch of tasks or evidence adds a row per status or provider. An
    update that changes no label (a task's attempts, a delivery's next try) adds nothing."""
    made = {}
    for kind, (table, label) in _COUNTED.items():
        added = f"SELECT {label} AS label, 1 AS change FROM added"
        removed = f"SELECT {label} AS label, -1 AS change FROM removed"
        events = [
            ("INSERT", "NEW TABLE AS added", added),
            ("DELETE", "OLD TABLE AS removed", removed),
            ("UPDATE", "OLD TABLE AS removed NEW TABLE AS added", f"{removed} UNION ALL {added}"),
        ]
        for event, tables, rows in events:
            made[f"{kind}_tally_{event.lower()}"] = (table, event, tables, _CHANGES.format(kind=kind, rows=rows))
    return made


def upgrade() -> None:
    # Nothing may be written between the count of what is stored and the triggers that count the rest: writers
    # wait for the count instead of being left out for good.
    tables = ", ".join(table for table, _ in _COUNTED.values())
    op.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "work_tally",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
    )
    for kind, (table, label) in _COUNTED.items():
        op.execute(f"INSERT INTO work_tally SELECT '{kind}', {label}, count(*) FROM {table} GROUP BY 2")
    for name, (table, event, transitions, body) in _triggers().items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$")
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    for name, (table, *_) in _triggers().items():
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("work_tally")
