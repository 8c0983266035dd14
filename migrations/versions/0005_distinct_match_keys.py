"""Related claims: candidate keys made distinct by content, so every stored claim's keys are computed anew.

The keys are derived data (``shared.related.matching.match_keys`` of the stored signature), so they are
recomputed with the code of this release, a thousand claims at a time. Downgrading recomputes nothing:
keys in the new form only make the old code find fewer candidates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

_SIGNATURES = sa.text(
    "SELECT claim_id, signature FROM claim_signature WHERE claim_id > :after ORDER BY claim_id LIMIT :batch"
)
_KEYS = sa.text(
    "INSERT INTO claim_match_key (key, claim_id) SELECT * FROM unnest(:keys, :claim_ids) ON CONFLICT DO NOTHING"
).bindparams(
    sa.bindparam("keys", type_=postgresql.ARRAY(sa.BigInteger())),
    sa.bindparam("claim_ids", type_=postgresql.ARRAY(sa.BigInteger())),
)


def upgrade() -> None:
    from shared.related.matching import Signature, match_keys

    connection = op.get_bind()
    op.execute("TRUNCATE claim_match_key")
    after = 0
    while rows := connection.execute(_SIGNATURES, {"after": after, "batch": BATCH}).all():
        keys, claim_ids = [], []
        for claim_id, data in rows:
            for key in match_keys(Signature.from_json(data)):
                keys.append(key)
                claim_ids.append(claim_id)
        connection.execute(_KEYS, {"keys": keys, "claim_ids": claim_ids})
        after = rows[-1][0]


def downgrade() -> None:
    pass
