"""What a provider is given, what it returns, and the interface every provider implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from shared.evidence.fetcher import SafeFetcher


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """A claim with what providers may need of its article. Plain data: providers never touch the database."""

    claim_id: int
    text: str
    attribution: str | None
    quantities: list[dict]
    language: str
    article_url: str | None
    article_links: list[str]
    article_body: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A passage of a source that bears on the claim: becomes one evidence row."""

    provider: str
    url: str
    title: str | None
    publisher: str | None
    passage: str
    passage_start: int
    passage_end: int
    relevance: float
    content_hash: str
    stance: str = "unclear"
    signals: list[dict] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a provider could not do, in words a person can read."""

    provider: str
    reason: str
    url: str | None = None


@dataclass(slots=True)
class ProviderResult:
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # How many sources were tried; a provider with nothing to try did not fail.
    tried: int = 0


class Provider(Protocol):
    name: str

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult: ...
