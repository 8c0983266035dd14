from __future__ import annotations

import asyncio
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.claims.schemas import ClaimRead
from shared.validation import SPACES, HttpUrl, Moment, NonBlankText, Text, not_blank_pattern

# Characters that show nothing: a body of only these is as empty as one of spaces.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE), None)


class ArticleCreate(BaseModel):
    title: NonBlankText = Field(min_length=1, max_length=500, description="Headline, at most 500 characters.")
    body: Text = Field(
        description="Full text. Not empty, nor only white space or zero-width characters; at most "
        "FACTCHECK_MAX_BODY_BYTES (1 MB) in UTF-8 (413 beyond).",
        json_schema_extra={"pattern": not_blank_pattern(SPACES + INVISIBLE)},
    )
    url: HttpUrl | None = Field(default=None, description="Where the article is published (absolute http(s)).")
    source: NonBlankText = Field(
        default="api", min_length=1, max_length=200, description="Outlet or feed it comes from."
    )
    external_id: Text | None = Field(
        default=None, min_length=1, max_length=500, description="The sender's id; with source, the idempotency key."
    )
    published_at: Moment | None = Field(default=None, description="ISO 8601; without a zone, UTC.")
    language: str = Field(
        default="en",
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        description="BCP 47 tag. Claims are extracted from English only.",
    )
    links: list[HttpUrl] = Field(default_factory=list, max_length=100, description="Sources the article cites.")

    @field_validator("body")
    @classmethod
    def _body_not_blank(cls, value: str) -> str:
        if not value.translate(_INVISIBLE).strip():
            raise ValueError("must not be empty or only white space (zero-width characters included)")
        return value


class ArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str | None
    title: str
    url: str | None
    language: str
    links: list[str]
    published_at: datetime | None
    received_at: datetime
    body: str
    extraction_note: str | None = Field(description="Why no claims were extracted, when none were.")
    claims: list[ClaimRead]


CLAIMS_AT_ONCE = 500


async def article_read(article: dict, claims: list[dict]) -> ArticleRead:
    """A stored article and its claims as answered. The claims are validated a few hundred at a time with a
    pause between, in which the event loop answers other requests: a huge article's thousands of claims
    would otherwise hold it for a tenth of a second and more."""
    read: list[ClaimRead] = []
    for start in range(0, len(claims), CLAIMS_AT_ONCE):
        if start:
            await asyncio.sleep(0)
        read += [ClaimRead.model_validate(claim) for claim in claims[start : start + CLAIMS_AT_ONCE]]
    return ArticleRead.model_validate({**article, "claims": read})
