"""How a source bears on a claim: the best passage, its relevance, agreement signals and a stance.

First version: the best passage and its relevance only; the stance is "unclear". (Refined separately.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from shared.evidence.fetcher import FetchedPage
from shared.evidence.pages import read_page
from shared.evidence.passages import best_passages
from shared.evidence.providers.base import ClaimContext, Finding

# Below this, the best passage shares too little with the claim to be worth a fact-checker's time.
MIN_RELEVANCE = 0.15


@dataclass(frozen=True, slots=True)
class Assessment:
    passage: str
    passage_start: int  # offsets into the source text
    passage_end: int
    relevance: float  # 0..1
    stance: str  # supports | refutes | unclear
    signals: list[dict] = field(default_factory=list)  # [{"kind": ..., "detail": ...}], why the stance


def assess(claim: ClaimContext, source_text: str) -> Assessment | None:
    """The source's best passage for the claim, or None when nothing in it is relevant enough."""
    passages = best_passages(claim.text, source_text, limit=1)
    if not passages or passages[0].relevance < MIN_RELEVANCE:
        return None
    best = passages[0]
    return Assessment(best.text, best.start, best.end, round(best.relevance, 3), "unclear", [])


def rating_stance(textual_rating: str) -> tuple[str, list[dict]]:
    """A fact-checker's textual rating ("False", "Mostly true", "Misleading"...) as a stance and its signal."""
    return "unclear", [{"kind": "fact_check_rating", "detail": textual_rating}]


def finding_from_page(provider: str, claim: ClaimContext, url: str, fetched: FetchedPage) -> Finding | None:
    """Read a fetched page and assess it against the claim: a finding, or None if nothing bears on it.

    CPU work (page extraction and scoring): call it through asyncio.to_thread from async code.
    """
    page = read_page(fetched)
    assessment = assess(claim, page.text)
    if assessment is None:
        return None
    return Finding(
        provider=provider,
        url=url,
        title=page.title,
        publisher=page.publisher,
        passage=assessment.passage,
        passage_start=assessment.passage_start,
        passage_end=assessment.passage_end,
        relevance=assessment.relevance,
        content_hash=hashlib.sha256(page.text.encode()).hexdigest(),
        stance=assessment.stance,
        signals=assessment.signals,
    )
