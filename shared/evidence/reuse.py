"""Evidence of a claim the desk has decided, read again for a new claim found to be the same.

Not copied blindly: each stored passage is assessed against the new claim's own wording (its figures,
its attribution), as if its source had been fetched again; a passage that does not bear on the new claim
is left out. Each finding says where it came from (a ``reused`` signal with the claim and evidence ids).
Only the passage was stored, so the stance is judged on the passage alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from shared.evidence.models import Evidence
from shared.evidence.pipeline import Outcome
from shared.evidence.providers.base import ClaimContext
from shared.evidence.scoring import finding_from_text


def reassess(claim: ClaimContext, evidence: Iterable[Evidence], from_claim_id: int) -> Outcome:
    """CPU work: call it through asyncio.to_thread from async code."""
    outcome = Outcome()
    for item in evidence:
        outcome.tried += 1
        signal = {
            "kind": "reused",
            "detail": f"read again from the passage stored for claim {from_claim_id} (the same claim); not fetched",
            "claim_id": from_claim_id,
            "evidence_id": item.id,
        }
        finding = finding_from_text(
            item.provider, claim, url=item.url, title=item.title, publisher=item.publisher, text=item.passage,
            extra_signals=(signal,),
        )  # fmt: skip
        if finding is not None:
            outcome.findings.append(
                replace(
                    finding,
                    # Offsets stay those of the source text the passage was found in.
                    passage_start=item.passage_start + finding.passage_start,
                    passage_end=item.passage_start + finding.passage_end,
                    content_hash=item.content_hash,
                )
            )
    return outcome
