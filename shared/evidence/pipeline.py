"""Running every enabled provider for a claim. A provider that fails does not stop the others."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.evidence.fetcher import SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, Provider
from shared.evidence.providers.cited_links import CitedLinks
from shared.evidence.providers.factcheck_tools import FactCheckTools
from shared.evidence.providers.feeds import FeedItems
from shared.evidence.providers.gdelt import Gdelt
from shared.evidence.providers.mediawiki import MediaWiki
from shared.evidence.providers.searxng import SearxNG

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    tried: int = 0  # sources tried
    failed: int = 0  # sources that could not be read

    @property
    def nothing_worked(self) -> bool:
        """Sources were tried and none could be read: the verification failed."""
        return self.tried > 0 and not self.findings and self.failed >= self.tried


SEARCH_PROVIDERS = (MediaWiki, Gdelt, FactCheckTools, SearxNG)


def enabled_providers(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[Provider]:
    """Cited links always; each other provider when its configuration turns it on."""
    providers: list[Provider] = [CitedLinks()]
    providers += [cls(settings) for cls in SEARCH_PROVIDERS if cls.enabled(settings)]
    if FeedItems.enabled(settings):
        providers.append(FeedItems(settings, sessions))  # matched in the database, not over the network
    return providers


async def gather_evidence(claim: ClaimContext, providers: list[Provider], fetcher: SafeFetcher) -> Outcome:
    results = await asyncio.gather(*(p.search(claim, fetcher) for p in providers), return_exceptions=True)
    outcome = Outcome()
    for provider, result in zip(providers, results, strict=True):
        if isinstance(result, Exception):
            log.warning("provider %s failed on claim %s", provider.name, claim.claim_id, exc_info=result)
            outcome.problems.append(Problem(provider.name, f"provider error: {type(result).__name__}: {result}"))
            outcome.tried += 1
            outcome.failed += 1
            continue
        outcome.findings.extend(result.findings)
        outcome.problems.extend(result.problems)
        outcome.tried += result.tried
        outcome.failed += sum(1 for p in result.problems if p.url is not None)
    return outcome
