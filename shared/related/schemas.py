from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RelatedArticleRead(BaseModel):
    id: int
    source: str
    title: str
    url: str | None
    published_at: datetime | None


class VerdictRead(BaseModel):
    state: str = Field(description="corroborated or disputed.")
    by: str = Field(description="The name of the key that gave it.")
    rationale: str | None
    at: datetime


class RelatedClaimRead(BaseModel):
    claim_id: int
    text: str
    state: str = Field(description="unverified, corroborated or disputed.")
    article: RelatedArticleRead
    similarity: float = Field(description="0 to 1; linked at FACTCHECK_RELATED_MIN_SIMILARITY or more.")
    matched: dict = Field(description="What the two share: figures, dates, names, terms.")
    earlier: bool = Field(description="True if the related claim was stored before this one.")
    verdict: VerdictRead | None = Field(description="The verdict people gave it, if it has one now.")


class RelatedPage(BaseModel):
    items: list[RelatedClaimRead] = Field(description="Most similar first.")
