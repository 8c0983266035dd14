from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider: str = Field(description="Which provider found it, e.g. cited_links.")
    url: str
    title: str | None
    publisher: str | None
    passage: str = Field(description="The passage of the source that best matches the claim.")
    passage_start: int = Field(description="Offsets of the passage in the source's extracted text.")
    passage_end: int
    relevance: float = Field(description="How well the passage matches the claim, 0 to 1.")
    stance: str = Field(description="supports, refutes or unclear.")
    signals: list[dict]
    fetched_at: datetime
