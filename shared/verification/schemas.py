from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str = Field(description="pending, queued, running, done or failed.")
    attempts: int
    last_error: str | None = Field(description="Why the last run failed, in words a person can read.")
    problems: list[dict] = Field(description="What providers and fetches ran into, even on a task that is done.")
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
