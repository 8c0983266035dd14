"""Verdicts as schema.org ClaimReview (JSON-LD), the format fact-checkers share (Google Fact Check Explorer,
the research community): one claim's, and a feed of them, oldest verdict first, keyset-paginated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.errors import NotFound

# A two-point scale: corroborated is the best rating, disputed the worst.
RATINGS = {"corroborated": (2, "Corroborated"), "disputed": (1, "Disputed")}

# The claim's current verdict: its last transition, when that made it corroborated or disputed.
_VERDICTS = """
    SELECT e.id AS event_id, e.created_at AS reviewed_at, e.to_state, c.id AS claim_id, c.text, c.attribution,
           a.id AS article_id, a.url, a.source, a.published_at, a.received_at
    FROM claim_event e JOIN claim c ON c.id = e.claim_id JOIN article a ON a.id = c.article_id
    WHERE e.kind = 'transition' AND e.to_state IN ('corroborated', 'disputed') AND c.state = e.to_state
      AND NOT EXISTS (
          SELECT 1 FROM claim_event later
          WHERE later.claim_id = e.claim_id AND later.kind = 'transition' AND later.id > e.id
      )
"""


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[dict]
    next_after: int | None  # the cursor of the next page, None at the end


def document(row, settings: Settings) -> dict:
    value, name = RATINGS[row.to_state]
    base = settings.public_base_url.rstrip("/")
    organisation = {"@type": "Organization", "name": settings.organisation_name}
    if settings.organisation_url:
        organisation["url"] = settings.organisation_url
    claimant = row.attribution or row.source  # who made the claim, else the outlet that printed it
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}/v1/claims/{row.claim_id}/claimreview",
        "claimReviewed": row.text,
        "datePublished": row.reviewed_at.isoformat(),
        "author": organisation,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 2,
            "worstRating": 1,
            "alternateName": name,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization" if claimant == row.source else "Person", "name": claimant},
            "datePublished": (row.published_at or row.received_at).isoformat(),
            "appearance": {"@type": "CreativeWork", "url": row.url or f"{base}/v1/articles/{row.article_id}"},
        },
    }


async def claim_review(session: AsyncSession, settings: Settings, claim_id: int) -> dict:
    row = (await session.execute(text(_VERDICTS + " AND c.id = :claim_id"), {"claim_id": claim_id})).one_or_none()
    if row is None:
        raise NotFound(f"claim {claim_id} does not exist or has no verdict")
    return document(row, settings)


async def feed(
    session: AsyncSession, settings: Settings, *, since: datetime | None, after: int | None, limit: int
) -> FeedPage:
    query = _VERDICTS + " AND e.created_at >= :since AND e.id > :after ORDER BY e.id LIMIT :limit"
    rows = (
        await session.execute(
            text(query), {"since": since or datetime.min.replace(year=1970), "after": after or 0, "limit": limit + 1}
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return FeedPage([document(r, settings) for r in rows], rows[-1].event_id if more else None)
