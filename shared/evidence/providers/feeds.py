"""Items of the feeds a newsroom trusts, already stored by polling: matched without any request per claim."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.evidence.fetcher import SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.queries import build_query
from shared.evidence.scoring import finding_from_text
from shared.feeds.matching import matching_documents


class FeedItems:
    name = "feeds"

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.limit = settings.sources_per_provider

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.feeds)

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        async with self.sessions() as session:
            documents = await matching_documents(session, build_query(claim), limit=self.limit)
        if not documents:
            return ProviderResult(problems=[Problem(self.name, "no feed item matches the claim")])
        findings = await asyncio.to_thread(_assess_all, self.name, claim, documents)
        return ProviderResult(findings=[f for f in findings if f is not None], tried=len(documents))


def _assess_all(provider: str, claim: ClaimContext, documents) -> list[Finding | None]:
    return [_finding(provider, claim, d) for d in documents]


def _finding(provider: str, claim: ClaimContext, document) -> Finding | None:
    text = "\n".join(p for p in (document.title, document.text) if p)
    return finding_from_text(
        provider, claim, url=document.url, title=document.title, publisher=document.publisher, text=text
    )
