"""The daily tallies behind the reports, kept by the database's triggers (migration 0010), and the totals of
`GET /metrics` (0012).

Rows of changes, not one row per day: each writing statement adds its own (+1 for a claim created in a state,
-1 and +1 for a claim that moved), so no two ingests wait for the same row; ``tallies.fold`` merges them now
and then. Summed, they are exact at every moment: no ORM class, as nothing but the database writes them.
"""

from sqlalchemy import BigInteger, Column, Date, Index, String, Table

from shared.db import Base

claim_tally = Table(
    "claim_tally",
    Base.metadata,
    Column("day", Date, nullable=False),  # the UTC day the claims were created
    Column("source", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("claims", BigInteger, nullable=False),
    Index("ix_claim_tally_day", "day"),
)

# Per UTC day a transition was made in: verdicts to each state, reopenings, verdicts given to an unverified
# claim (each takes one out of the backlog), with a suggestion, following it, and first verdicts.
VERDICT_COUNTS = ("corroborated", "disputed", "reopened", "settled", "with_suggestion", "followed", "first_verdicts")
verdict_tally = Table(
    "verdict_tally",
    Base.metadata,
    Column("day", Date, nullable=False),
    Column("source", String(200), nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in VERDICT_COUNTS),
    Index("ix_verdict_tally_day", "day"),
)

# The totals of the work by kind ("articles", "tasks", "evidence", "webhook_deliveries") and label (a status, a
# provider; "" for articles), for `GET /metrics`: rows of changes too, folded with the others.
work_tally = Table(
    "work_tally",
    Base.metadata,
    Column("kind", String(30), nullable=False),
    Column("label", String(50), nullable=False),
    Column("total", BigInteger, nullable=False),
)
