"""Google Fact Check Tools `claims:search`: what fact-checkers already published about similar claims.

Request: `<url>?query=<q>&key=<key>&languageCode=<lang>&pageSize=N`.
Answer: `{"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name", "site"}, "url",
"title", "reviewDate", "textualRating", "languageCode"}]}]}`, or `{}` when nothing matched.

Each ClaimReview whose reviewed claim matches ours becomes a Finding: the passage is the reviewed claim and
its rating, the stance comes from the rating. A rating judges the claim the fact-checker reviewed, not
ours: when the two differ on a figure (a `quantity_mismatch` signal), the stance becomes "unclear" (unless a
figure rated true lies within our claim's bound).

The API key is a secret: it is sent, but never appears in a Problem, a Finding or a log line (a filter on
the `httpx` and `httpcore` loggers, which print request URLs, replaces it with ***).
`tried` is 1: the one request is the source.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from shared.evidence.fetcher import SafeFetcher
from shared.evidence.providers.base import ClaimContext, Finding, Problem, ProviderResult
from shared.evidence.providers.web_api import (
    as_list,
    dig,
    get_json,
    http_url,
    primary_language,
    public_url,
    scrub,
    text_of,
    with_params,
)
from shared.evidence.queries import build_query
from shared.evidence.scoring import assess, rating_stance

if TYPE_CHECKING:
    from shared.config import Settings

SERVICE = "Fact Check Tools"
# httpx logs every request URL at INFO ("HTTP Request: GET https://...&key=..."); workers log at INFO.
_LOGGERS_WITH_URLS = ("httpx", "httpcore")


class _RedactKey(logging.Filter):
    """Replaces the key in every record of a logger that may print request URLs."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot format itself is not ours to fix
            return True
        if self.secret in message or quote(self.secret, safe="") in message:
            record.msg, record.args = scrub(message, [self.secret]), None
        return True


def _keep_out_of_logs(secret: str) -> None:
    for name in _LOGGERS_WITH_URLS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactKey) and f.secret == secret for f in logger.filters):
            logger.addFilter(_RedactKey(secret))


class FactCheckTools:
    name = "factcheck_tools"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.factcheck_tools_url.strip()
        self._key = settings.factcheck_tools_key.strip()
        self._limit = settings.sources_per_provider
        if self._key:
            _keep_out_of_logs(self._key)

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.factcheck_tools_url.strip() and settings.factcheck_tools_key.strip())

    def __repr__(self) -> str:  # never the key
        return f"FactCheckTools(url={self._url!r})"

    async def search(self, claim: ClaimContext, fetcher: SafeFetcher) -> ProviderResult:
        query = build_query(claim).search_string()
        if not query.strip():
            return ProviderResult(problems=[Problem(self.name, "the claim gives no terms to search for")])
        params = {"query": query, "key": self._key}
        if language := primary_language(claim.language):
            params["languageCode"] = language
        params["pageSize"] = str(self._limit)
        url = with_params(self._url, params)
        shown = public_url(url, [self._key])
        answer = await get_json(fetcher, url, provider=self.name, service=f"{SERVICE} search", secrets=[self._key])
        if isinstance(answer, Problem):
            return ProviderResult(problems=[answer], tried=1)
        reviews = _reviews(answer)
        if isinstance(reviews, str):
            return ProviderResult(problems=[Problem(self.name, self._scrub(reviews), shown)], tried=1)
        if not reviews:
            return ProviderResult(problems=[Problem(self.name, f"no fact-checks found for: {query}")], tried=1)
        findings = await asyncio.to_thread(lambda: [self._finding(claim, review) for review in reviews])
        result = ProviderResult(tried=1)
        best: dict[str, Finding] = {}  # one finding per review URL (evidence is unique per claim, provider, url)
        for finding in findings:
            if finding is not None and (finding.url not in best or finding.relevance > best[finding.url].relevance):
                best[finding.url] = finding
        result.findings = sorted(best.values(), key=lambda f: -f.relevance)
        if not result.findings:
            result.problems.append(
                Problem(self.name, f"{len(reviews)} fact-checks found, none about this claim: {query}")
            )
        return result

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._key])

    def _finding(self, claim: ClaimContext, review: dict) -> Finding | None:
        reviewed, rating = review["text"], review["rating"]
        assessment = assess(claim, reviewed)
        if assessment is None:
            return None
        passage = self._scrub(f"{reviewed}\nRated: {rating}")
        stance, signals = rating_stance(rating)
        signals = [*signals, {"kind": "fact_check_review", "detail": self._scrub(_review_detail(review))}]
        mismatches = [s for s in assessment.signals if s.get("kind") == "quantity_mismatch"]
        if mismatches:
            # The rating judges the figure the fact-checker reviewed, not ours. Only a figure found true and
            # within our claim's bound ("about 12,000" true, claim "more than 10,000") still bears on ours.
            signals += mismatches
            if not (stance == "supports" and all(s.get("relation") == "within" for s in mismatches)):
                stance = "unclear"
        return Finding(
            provider=self.name,
            url=self._scrub(review["url"]),
            title=self._scrub(review["title"]) if review["title"] else None,
            publisher=self._scrub(review["publisher"]) if review["publisher"] else None,
            passage=passage,
            passage_start=0,
            passage_end=len(passage),
            relevance=assessment.relevance,
            content_hash=hashlib.sha256(passage.encode()).hexdigest(),
            stance=stance,
            signals=signals,
        )


def _reviews(answer: object) -> list[dict] | str:
    """Each usable ClaimReview flattened with its claim, or a sentence saying what is wrong with the answer."""
    if not isinstance(answer, dict):
        return f"{SERVICE} answered JSON that is not an object"
    if "error" in answer:  # Google's error shape, in case a proxy passes it on with 200
        message = text_of(dig(answer, "error", "message"), 300) or "an unspecified error"
        return f"{SERVICE} search failed: {message}"
    claims = answer.get("claims")
    if claims is None:
        return []  # the API's answer when nothing matched: {}
    if not isinstance(claims, list):
        return f"{SERVICE} answered JSON whose claims are not a list"
    reviews = []
    for item in claims:
        text = text_of(dig(item, "text"), 2_000)
        for review in as_list(dig(item, "claimReview")):
            url, rating = http_url(dig(review, "url")), text_of(dig(review, "textualRating"), 200)
            if text is None or url is None or rating is None:
                continue
            reviews.append(
                {
                    "text": text,
                    "claimant": text_of(dig(item, "claimant"), 300),
                    "claim_date": text_of(dig(item, "claimDate"), 40),
                    "url": url,
                    "title": text_of(dig(review, "title"), 500),
                    "publisher": text_of(dig(review, "publisher", "name"), 300)
                    or text_of(dig(review, "publisher", "site"), 300),
                    "review_date": text_of(dig(review, "reviewDate"), 40),
                    "rating": rating,
                }
            )
    if claims and not reviews:
        return f"{SERVICE} answered {len(claims)} claims without a usable review (URL, rating and claim text)"
    return reviews


def _review_detail(review: dict) -> str:
    """'Verity Desk rated it "False" on 2024-10-30; claim made by Viral posts on 2024-10-28'."""
    detail = f"{review['publisher'] or 'a fact-checker'} rated it “{review['rating']}”"
    if review["review_date"]:
        detail += f" on {review['review_date'][:10]}"
    if review["claimant"] or review["claim_date"]:
        detail += f"; claim made by {review['claimant'] or 'an unnamed claimant'}"
        if review["claim_date"]:
            detail += f" on {review['claim_date'][:10]}"
    return detail
