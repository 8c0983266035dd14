"""The links an article cites (its `links` and the http(s) URLs in its body), read for the claim."""

from __future__ import annotations

import asyncio
import re

from shared.evidence.fetcher import FetchError, SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.scoring import finding_from_page

URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
MAX_LINKS = 10


def cited_urls(links: list[str], body: str) -> list[str]:
    """Each cited URL once, in order: the declared links first, then those in the text."""
    found = [m.group(0).rstrip(".,;:!?") for m in URL_IN_TEXT.finditer(body)]
    return list(dict.fromkeys([*links, *found]))[:MAX_LINKS]


class CitedLinks:
    name = "cited_links"

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        urls = cited_urls(claim.article_links, claim.article_body)
        if not urls:
            return ProviderResult(problems=[Problem(self.name, "the article cites no links")])
        outcomes = await asyncio.gather(*(self._read(claim, fetcher, url) for url in urls))
        result = ProviderResult(tried=len(urls))
        for outcome in outcomes:
            (result.problems if isinstance(outcome, Problem) else result.findings).extend(
                [outcome] if outcome is not None else []
            )
        return result

    async def _read(self, claim: ClaimContext, fetcher: SafeFetcher, url: str) -> Finding | Problem | None:
        try:
            fetched = await fetcher.fetch(url)
        except FetchError as exc:
            return Problem(self.name, f"not fetched: {exc.reason}", url)
        # Reading and scoring a large page is CPU work (tens of ms): off the event loop, other fetches go on.
        return await asyncio.to_thread(finding_from_page, self.name, claim, url, fetched)
