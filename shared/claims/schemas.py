from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import Text


class QuantityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    value: float
    unit: str | None
    text: str
    approximate: bool


class ExtractedClaimRead(BaseModel):
    """A claim as the extractor sees it: text, exact offsets into the body, score and why."""

    model_config = ConfigDict(from_attributes=True)

    text: str
    char_start: int = Field(description="Offset into the body: body[char_start:char_end] == text.")
    char_end: int
    score: float = Field(description="Check-worthiness, 0 to 1; claims score at least the threshold (default 0.5).")
    reasons: list[str] = Field(
        description="The cues and wording that moved the score most, strongest first, each with what in the "
        'sentence shows it ("a figure: 100,000 troops"); "against: ..." for those that lowered it.'
    )
    attribution: str | None = Field(description="Who said or reported it, when the text says.")
    quantities: list[QuantityRead]


class ClaimRead(ExtractedClaimRead):
    id: int
    article_id: int
    state: str = Field(description="unverified, corroborated or disputed.")
    version: int = Field(description="Bumped on every change; send it back in If-Match.")
    assignee: str | None
    suggested_state: str | None = Field(
        description="The verdict suggested (never the decision): the one people gave the same claim in another "
        "article when there is one (see `suggested_from_claim_id`), else what the evidence suggests."
    )
    suggested_confidence: float | None = Field(
        description="0 to 1: the evidence's strength, or the similarity of the claim whose verdict is offered."
    )
    suggested_explanation: str | None = Field(
        description='Why, in one line: "corroborated on 2026-11-20 by Desk: Ana: three outlets confirm (the same '
        'claim in Wire, claim 12; similarity 0.91)", or the evidence summed up.'
    )
    suggested_from_claim_id: int | None = Field(
        description="The claim of another article, found to be the same, whose verdict is offered; null if none."
    )
    created_at: datetime
    updated_at: datetime


class ExtractRequest(BaseModel):
    text: Text = Field(min_length=1, description="Text to find check-worthy claims in. Nothing is stored.")
    threshold: float | None = Field(
        default=None, ge=0, le=1, strict=True, description="Minimum score; the service's default. A number, not true."
    )


class ExtractResponse(BaseModel):
    claims: list[ExtractedClaimRead]
