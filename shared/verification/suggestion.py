"""The verdict suggested for a claim: the one people gave the same claim elsewhere, else what its evidence says.

A verdict people gave a linked claim (shared/related) is the stronger suggestion: the desk has decided that
statement already. It is offered, never applied: the claim's state changes only by a person's transition.
Refreshed when the claim's evidence changes (the worker), when it is linked, and when a linked claim is moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.claims.models import Claim
from shared.evidence.models import Evidence
from shared.evidence.verdict import suggest
from shared.related.links import Related, Verdict, earlier_verdict


async def refresh_suggestions(session: AsyncSession, claim_ids: Iterable[int]) -> dict[int, int | None]:
    """Each claim's suggestion worked out again; claim id -> the claim whose verdict it offers (None: evidence)."""
    offered_from: dict[int, int | None] = {}
    for claim_id in claim_ids:
        found = await earlier_verdict(session, claim_id)
        if found is not None:
            related, verdict = found
            values = {
                "suggested_state": verdict.state,
                "suggested_confidence": related.similarity,
                "suggested_explanation": offered(related, verdict),
                "suggested_from_claim_id": related.claim.id,
            }
        else:
            suggestion = suggest(await session.scalars(select(Evidence).where(Evidence.claim_id == claim_id)))
            values = {
                "suggested_state": suggestion.state,
                "suggested_confidence": suggestion.confidence,
                "suggested_explanation": suggestion.explanation,
                "suggested_from_claim_id": None,
            }
        await session.execute(update(Claim).where(Claim.id == claim_id).values(**values))
        offered_from[claim_id] = values["suggested_from_claim_id"]
    return offered_from


def offered(related: Related, verdict: Verdict) -> str:
    """ "corroborated on 2026-11-20 by Desk: Ana: three outlets confirm (the same claim in Wire, claim 12)"."""
    why = f": {verdict.rationale}" if verdict.rationale else ""
    return (
        f"{verdict.state} on {verdict.at:%Y-%m-%d} by {verdict.by}{why} "
        f"(the same claim in {related.article.source}, claim {related.claim.id}; similarity {related.similarity:.2f})"
    )
