"""Request and response bodies of the review workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.claims.schemas import ClaimRead
from shared.validation import MAX_ID, NonBlankText

MAX_TEXT = 5000
MAX_CITED = 100

EvidenceId = Annotated[int, Field(ge=1, le=MAX_ID)]


class TransitionCreate(BaseModel):
    to: str = Field(min_length=1, max_length=50, description="The new state: unverified, corroborated or disputed.")
    rationale: NonBlankText = Field(
        min_length=1, max_length=MAX_TEXT, description="Why, for the audit trail. Required; not blank."
    )
    evidence_ids: list[EvidenceId] = Field(
        default_factory=list,
        max_length=MAX_CITED,
        description="Evidence of this claim that the verdict rests on (corroborated or disputed only).",
    )

    @field_validator("evidence_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class AssigneeUpdate(BaseModel):
    assignee: NonBlankText | None = Field(
        min_length=1,
        max_length=200,
        description="The name of an active key that may review claims; null to unassign.",
    )


class NoteCreate(BaseModel):
    text: NonBlankText = Field(min_length=1, max_length=MAX_TEXT, description="The note, 1 to 5000 characters.")


class ClaimEventRead(BaseModel):
    """One entry of a claim's audit trail."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: int
    kind: str = Field(description="transition, assignment or note.")
    actor: str = Field(description="The name of the key that made the change.")
    from_state: str | None = Field(description="With a transition: the state before.")
    to_state: str | None = Field(description="With a transition: the state after.")
    rationale: str | None = Field(description="A transition's rationale, or a note's text.")
    evidence_ids: list[int] = Field(description="With a transition: the evidence it cites.")
    assignee: str | None = Field(description="With an assignment: who has the claim now (null: nobody).")
    created_at: datetime


class HistoryPage(BaseModel):
    items: list[ClaimEventRead] = Field(description="Oldest first.")
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class QueueItem(ClaimRead):
    source: str = Field(description="The source of the claim's article.")
    mine: bool = Field(description="Assigned to the caller (else unassigned).")


class QueuePage(BaseModel):
    items: list[QueueItem] = Field(description="The caller's claims first, then unassigned ones.")
