"""The verdict suggested for a claim: the one people gave the same claim elsewhere, else what its evidence says.

A verdict people gave a linked claim (shared/related) is the stronger suggestion: the desk has decided that
statement already. It is offered, never applied: the claim's state changes only by a person's transition.
Refreshed when the claim's evidence changes (the worker), when it is linked, and when a linked claim is moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.claims.models import Claim
from shared.evidence.models import Evidence
from shared.evidence.verdict import suggest
from shared.related.links import Related, Verdict, earlier_verdicts


async def refresh_suggestions(session: AsyncSession, claim_ids: Iterable[int]) -> dict[int, int | None]:
    """Each claim's suggestion worked out again; claim id -> the claim whose verdict it offers (None: evidence).

    In four statements at most whatever the number of claims (a transition refreshes every claim linked to the
    one moved): the newest verdicts of their linked claims and those claims, the evidence of the others, and the
    update.
    """
    ids = sorted(set(claim_ids))  # updated in id order, as every refresh updates them
    if not ids:
        return {}
    decided = await earlier_verdicts(session, ids)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    undecided = [claim_id for claim_id in ids if claim_id not in decided]
    if undecided:
        for item in await session.scalars(
            select(Evidence).where(Evidence.claim_id.in_(undecided)).order_by(Evidence.id)
        ):
            evidence[item.claim_id].append(item)
    rows = []
    for claim_id in ids:
        if claim_id in decided:
            related, verdict = decided[claim_id]
            values = {
                "suggested_state": verdict.state,
                "suggested_confidence": related.similarity,
                "suggested_explanation": offered(related, verdict),
                "suggested_from_claim_id": related.claim.id,
            }
        else:
            suggestion = suggest(evidence[claim_id])
            values = {
                "suggested_state": suggestion.state,
                "suggested_confidence": suggestion.confidence,
                "suggested_explanation": suggestion.explanation,
                "suggested_from_claim_id": None,
            }
        rows.append({"id": claim_id, **values})
    await session.execute(update(Claim), rows)  # by primary key: one statement, executed for each row
    return {row["id"]: row["suggested_from_claim_id"] for row in rows}


def offered(related: Related, verdict: Verdict) -> str:
    """ "corroborated on 2026-11-20 by Desk: Ana: three outlets confirm (the same claim in Wire, claim 12)"."""
    why = f": {verdict.rationale}" if verdict.rationale else ""
    return (
        f"{verdict.state} on {verdict.at:%Y-%m-%d} by {verdict.by}{why} "
        f"(the same claim in {related.article.source}, claim {related.claim.id}; similarity {related.similarity:.2f})"
    )
