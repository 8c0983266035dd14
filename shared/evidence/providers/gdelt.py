"""GDELT DOC 2.0 API: news articles matching the claim, then the top articles read through the fetcher.

Request: `<gdelt_url>?query=<gdelt_string>&mode=artlist&format=json&maxrecords=N&sort=hybridrel`.
Answer: `{"articles": [{"url", "url_mobile", "title", "seendate", "socialimage", "domain", "language",
"sourcecountry"}]}`; with no match GDELT answers `{}`, and a query it does not accept ("keyword too short",
bad operators) gets a plain-text message instead of JSON, which becomes the Problem's reason.

`tried` counts the articles read (or 1 when the search itself failed).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from shared.evidence.fetcher import FetchError, SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.providers.web_api import as_list, dig, get_json, http_url, text_of, with_params, with_publisher
from shared.evidence.queries import build_query
from shared.evidence.scoring import finding_from_page

if TYPE_CHECKING:
    from shared.config import Settings


class Gdelt:
    name = "gdelt"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.gdelt_url.strip()
        self._limit = settings.sources_per_provider

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.gdelt_url.strip())

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        query = build_query(claim).gdelt_string()
        if not query.strip():
            return ProviderResult(problems=[Problem(self.name, "the claim gives no terms to search for")])
        articles = await self._articles(fetcher, query)
        if isinstance(articles, Problem):
            return ProviderResult(problems=[articles], tried=1)
        if not articles:
            return ProviderResult(problems=[Problem(self.name, f"GDELT found no articles for: {query}")])
        outcomes = await asyncio.gather(*(self._read(claim, fetcher, *article) for article in articles))
        result = ProviderResult(tried=len(articles))
        for outcome in outcomes:
            if isinstance(outcome, Problem):
                result.problems.append(outcome)
            elif outcome is not None:
                result.findings.append(outcome)
        read = len(articles) - len(result.problems)
        if read and not result.findings:
            result.problems.append(Problem(self.name, f"none of the {read} articles read has a passage on the claim"))
        return result

    async def _articles(self, fetcher: SafeFetcher, query: str) -> list[tuple[str, str | None, str | None]] | Problem:
        """(url, title, domain) of the top articles, at most N, each URL once."""
        url = with_params(
            self._url,
            {
                "query": query,
                "mode": "artlist",
                "format": "json",
                "maxrecords": str(self._limit),
                "sort": "hybridrel",
            },
        )
        answer = await get_json(
            fetcher, url, provider=self.name, service="GDELT search", not_json="GDELT did not accept the query"
        )
        if isinstance(answer, Problem):
            return answer
        if not isinstance(answer, dict):
            return Problem(self.name, "GDELT answered JSON that is not an object", url)
        items = dig(answer, "articles")
        if items is None:
            return []  # GDELT's answer when nothing matched: {}
        if not isinstance(items, list):
            return Problem(self.name, "GDELT answered JSON whose articles are not a list", url)
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for item in as_list(items):
            link = http_url(dig(item, "url"))
            if link is not None and link not in found:
                found[link] = (link, text_of(dig(item, "title"), 500), text_of(dig(item, "domain"), 255))
        if items and not found:
            return Problem(self.name, f"GDELT answered {len(items)} articles without a usable URL", url)
        return list(found.values())[: self._limit]

    async def _read(
        self, claim: ClaimContext, fetcher: SafeFetcher, url: str, title: str | None, domain: str | None
    ) -> Finding | Problem | None:
        try:
            fetched = await fetcher.fetch(url)
        except FetchError as exc:
            return Problem(self.name, f"article not fetched: {exc.reason}", url)
        finding = await asyncio.to_thread(finding_from_page, self.name, claim, url, fetched)
        if finding is None:
            return None
        if finding.title is None and title:
            finding = replace(finding, title=title)
        return with_publisher(finding, domain)
