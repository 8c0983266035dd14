"""MediaWiki (Wikipedia by default): full-text search, then the plain-text extracts of the top pages.

Two kinds of request to the Action API (`action=query`, `format=json&formatversion=2`):

1. `list=search&srsearch=<query>&srlimit=N` -> `query.search[].title`;
2. `prop=extracts|info&explaintext=1&inprop=url&titles=<title>` (+ `meta=siteinfo` for the site's name)
   -> `query.pages[]` with `extract` and `canonicalurl`, `query.general.sitename`.

The extracts are asked for one title per request, concurrently: TextExtracts returns a whole-article
extract for only ONE page per request (several only with `exintro`, the lead section alone), so a batch
of titles would answer one extract and a `continue` for the rest. MediaWiki reports its errors with
HTTP 200 and `{"error": {"code", "info"}}`; those become Problems too.

`tried` counts the pages read (or 1 when the search itself failed); an empty search tried nothing.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from shared.evidence.fetcher import SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.providers.web_api import (
    as_list,
    dig,
    get_json,
    http_url,
    primary_language,
    text_of,
    with_params,
)
from shared.evidence.queries import build_query
from shared.evidence.scoring import finding_from_text

if TYPE_CHECKING:
    from shared.config import Settings

DEFAULT_LANGUAGE = "en"
DEFAULT_SITENAME = "Wikipedia"
_HEADING = re.compile(r"^\s*=+\s*(.*?)\s*=+\s*$")


class MediaWiki:
    name = "mediawiki"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.mediawiki_url.strip()
        self._limit = settings.sources_per_provider

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.mediawiki_url.strip())

    def endpoint(self, language: str) -> str:
        """The API URL for the claim's language: `{lang}` becomes its primary subtag (en-GB -> en)."""
        return self._url.replace("{lang}", primary_language(language) or DEFAULT_LANGUAGE)

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        query = build_query(claim).search_string()
        if not query.strip():
            return ProviderResult(problems=[Problem(self.name, "the claim gives no terms to search for")])
        api = self.endpoint(claim.language)
        titles = await self._search(fetcher, api, query)
        if isinstance(titles, Problem):
            return ProviderResult(problems=[titles], tried=1)
        if not titles:
            return ProviderResult(problems=[Problem(self.name, f"no pages found for: {query}")])
        pages = await asyncio.gather(*(self._page(fetcher, api, title) for title in titles))
        read = [p for p in pages if not isinstance(p, Problem)]
        result = ProviderResult(problems=[p for p in pages if isinstance(p, Problem)], tried=len(titles))
        # Scoring long extracts is CPU work: off the event loop, in one go.
        findings = await asyncio.to_thread(lambda: [self._finding(claim, *page) for page in read])
        result.findings = [f for f in findings if f is not None]
        if read and not result.findings:
            result.problems.append(Problem(self.name, f"none of the {len(read)} pages read has a passage on the claim"))
        return result

    async def _search(self, fetcher: SafeFetcher, api: str, query: str) -> list[str] | Problem:
        url = with_params(
            api,
            {
                "action": "query",
                "list": "search",
                "srsearch": query,
                "srlimit": str(self._limit),
                "format": "json",
                "formatversion": "2",
            },
        )
        answer = await get_json(fetcher, url, provider=self.name, service="MediaWiki search")
        if isinstance(answer, Problem):
            return answer
        if (error := _api_error(answer)) is not None:
            return Problem(self.name, f"MediaWiki search failed: {error}", url)
        hits = dig(answer, "query", "search")
        if not isinstance(hits, list):
            return Problem(self.name, "MediaWiki search answered JSON without a query.search list", url)
        titles = [t for hit in hits if (t := text_of(dig(hit, "title"), 300))]
        if hits and not titles:
            return Problem(self.name, f"MediaWiki search answered {len(hits)} results without a title", url)
        return list(dict.fromkeys(titles))[: self._limit]

    async def _page(self, fetcher: SafeFetcher, api: str, title: str) -> tuple[str, str, str, str] | Problem:
        """(title, url, site name, extract) of one page."""
        url = with_params(
            api,
            {
                "action": "query",
                "prop": "extracts|info",
                "explaintext": "1",
                "inprop": "url",
                "titles": title,
                "redirects": "1",
                "meta": "siteinfo",
                "siprop": "general",
                "format": "json",
                "formatversion": "2",
            },
        )
        answer = await get_json(fetcher, url, provider=self.name, service=f"MediaWiki extract of “{title}”")
        if isinstance(answer, Problem):
            return answer
        if (error := _api_error(answer)) is not None:
            return Problem(self.name, f"MediaWiki extract of “{title}” failed: {error}", url)
        pages = dig(answer, "query", "pages")
        # formatversion=2 gives a list; a server that ignored it gives {pageid: page}.
        pages = list(pages.values()) if isinstance(pages, dict) else as_list(pages)
        page = next((p for p in pages if isinstance(p, dict) and not p.get("missing") and not p.get("invalid")), None)
        if page is None:
            return Problem(self.name, f"MediaWiki has no page “{title}” (any more)", url)
        extract = text_of(page.get("extract"), 1_000_000)
        if extract is None:
            return Problem(self.name, f"MediaWiki gave no text for “{title}”", url)
        page_title = text_of(page.get("title"), 300) or title
        page_url = http_url(page.get("canonicalurl")) or http_url(page.get("fullurl")) or _article_url(api, page_title)
        sitename = text_of(dig(answer, "query", "general", "sitename"), 200) or DEFAULT_SITENAME
        return page_title, page_url, sitename, extract

    def _finding(self, claim: ClaimContext, title: str, url: str, sitename: str, extract: str) -> Finding | None:
        text = tidy_extract(extract)
        return finding_from_text(self.name, claim, url=url, title=title, publisher=sitename, text=text)


def tidy_extract(extract: str) -> str:
    """A plain-text extract as page text: '== Heading ==' markers dropped, one line per paragraph, no blank lines."""
    lines = (_HEADING.sub(r"\1", line).strip() for line in extract.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _api_error(answer: object) -> str | None:
    """MediaWiki's own error report ({"error": {"code", "info"}}, sent with HTTP 200), if any."""
    error = dig(answer, "error")
    if error is None:
        return None
    info = text_of(dig(error, "info"), 300) or text_of(dig(error, "code"), 100) or "an unspecified error"
    code = text_of(dig(error, "code"), 100)
    return f"{info} ({code})" if code and code != info else info


def _article_url(api: str, title: str) -> str:
    """https://host/wiki/Title, for a server that did not give the page's URL."""
    parts = urlsplit(api)
    return urlunsplit((parts.scheme, parts.netloc, "/wiki/" + quote(title.replace(" ", "_")), "", ""))
