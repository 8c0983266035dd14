"""SearxNG (a self-hosted metasearch engine): web results for the claim, the top pages read through the fetcher.

Request: `<searxng_url>/search?q=<q>&format=json&language=<lang>`.
Answer: `{"results": [{"url", "title", "content", "engine", "publishedDate", ...}], "unresponsive_engines": ...}`.
SearxNG answers 403 when its settings do not enable the JSON format (`search.formats`), which is said so.

A page that cannot be fetched falls back to the result's `content` snippet, assessed on its own; its finding
carries a `snippet_only` signal, and the failed fetch is still reported as a Problem.
`tried` counts the result pages tried (or 1 when the search itself failed).
"""

from __future__ import annotations

import asyncio
import html
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shared.evidence.fetcher import FetchError, SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.providers.web_api import (
    as_list,
    dig,
    get_json,
    host_of,
    http_url,
    primary_language,
    text_of,
    with_params,
    with_publisher,
)
from shared.evidence.queries import build_query
from shared.evidence.scoring import finding_from_page, finding_from_text

if TYPE_CHECKING:
    from shared.config import Settings

_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class _Result:
    url: str
    title: str | None
    snippet: str | None


class SearxNG:
    name = "searxng"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.searxng_url.strip()
        self._limit = settings.sources_per_provider

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.searxng_url.strip())

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        query = build_query(claim).search_string()
        if not query.strip():
            return ProviderResult(problems=[Problem(self.name, "the claim gives no terms to search for")])
        results = await self._results(fetcher, query, primary_language(claim.language) or "all")
        if isinstance(results, Problem):
            return ProviderResult(problems=[results], tried=1)
        if isinstance(results, str):
            return ProviderResult(problems=[Problem(self.name, results)])
        outcomes = await asyncio.gather(*(self._read(claim, fetcher, r) for r in results))
        result = ProviderResult(tried=len(results))
        for finding, problem in outcomes:
            result.findings.extend([finding] if finding is not None else [])
            result.problems.extend([problem] if problem is not None else [])
        if not result.findings and len(result.problems) < len(results):
            result.problems.append(Problem(self.name, "none of the result pages read has a passage on the claim"))
        return result

    async def _results(self, fetcher: SafeFetcher, query: str, language: str) -> list[_Result] | Problem | str:
        """The top results, each URL once; a Problem if the search failed, a sentence if it found nothing."""
        url = with_params(self._url.rstrip("/") + "/search", {"q": query, "format": "json", "language": language})
        answer = await get_json(fetcher, url, provider=self.name, service="SearxNG search")
        if isinstance(answer, Problem):
            if re.search(r"\bHTTP 403\b", answer.reason):
                answer = replace(answer, reason=answer.reason + " (is the json format enabled in its search.formats?)")
            return answer
        items = dig(answer, "results")
        if not isinstance(items, list):
            return Problem(self.name, "SearxNG answered JSON without a results list", url)
        found: dict[str, _Result] = {}
        for item in items:
            link = http_url(dig(item, "url"))
            if link is not None and link not in found:
                snippet = text_of(dig(item, "content"), 5_000)
                snippet = text_of(html.unescape(_TAGS.sub(" ", snippet))) if snippet else None
                found[link] = _Result(link, text_of(dig(item, "title"), 500), snippet)
        if items and not found:
            return Problem(self.name, f"SearxNG answered {len(items)} results without a usable URL", url)
        if not found:
            return f"SearxNG found nothing for: {query}{_unresponsive(answer)}"
        return list(found.values())[: self._limit]

    async def _read(
        self, claim: ClaimContext, fetcher: SafeFetcher, hit: _Result
    ) -> tuple[Finding | None, Problem | None]:
        try:
            fetched = await fetcher.fetch(hit.url)
        except FetchError as exc:
            problem = Problem(self.name, f"page not fetched: {exc.reason}", hit.url)
            if hit.snippet is None:
                return None, problem
            finding = await asyncio.to_thread(self._from_snippet, claim, hit, exc.reason)
            return finding, problem
        finding = await asyncio.to_thread(finding_from_page, self.name, claim, hit.url, fetched)
        if finding is None:
            return None, None
        if finding.title is None and hit.title:
            finding = replace(finding, title=hit.title)
        return with_publisher(finding, host_of(hit.url) or None), None

    def _from_snippet(self, claim: ClaimContext, hit: _Result, reason: str) -> Finding | None:
        assert hit.snippet is not None
        signal = {"kind": "snippet_only", "detail": f"page not fetched ({reason}): assessed the search snippet only"}
        return finding_from_text(
            self.name, claim, url=hit.url, title=hit.title, publisher=host_of(hit.url) or None, text=hit.snippet,
            extra_signals=(signal,),
        )  # fmt: skip


def _unresponsive(answer: object) -> str:
    """' (engines that did not answer: google: timeout, ...)' when SearxNG reports some."""
    names = []
    for entry in as_list(dig(answer, "unresponsive_engines"))[:5]:
        parts = [text_of(p, 100) for p in as_list(entry)]
        names.append(": ".join(p for p in parts if p))
    names = [n for n in names if n]
    return f" (engines that did not answer: {', '.join(names)})" if names else ""
