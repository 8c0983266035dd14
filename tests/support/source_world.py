"""A "source world": one real HTTP server on loopback that plays every outside service the providers talk to.

It speaks the real wire formats, over a real socket, of:

- a MediaWiki Action API at `/w/api.php` (also `/<lang>/w/api.php`, for a `{lang}` in the URL setting):
  `list=search`, and `prop=extracts|info` with TextExtracts' one-whole-extract-per-request limit;
- the GDELT DOC 2.0 API at `/api/v2/doc/doc` (`mode=artlist&format=json`; plain-text refusals);
- Google Fact Check Tools at `/v1alpha1/claims:search` (needs `key=` the test key);
- a SearxNG instance at `/search` (`format=json`);
- the pages they point at: news articles `/news/<slug>`, wiki articles `/wiki/<Title>`, fact-check reviews
  `/factchecks/<slug>`, and two outlet feeds, `/feeds/harbour-herald.rss` (RSS 2.0) and
  `/feeds/eastern-dispatch.atom` (Atom).

The content is written for the tests: a story about North Korean soldiers sent to Russia. Some pages
support claims of the story ("more than 10,000 soldiers", combat in Kursk, "go all out"), others contradict
them (a Kremlin denial, analysts disputing "the world's biggest hotspot"); one gives "about 12,000
soldiers". Search endpoints rank the world's documents by keyword overlap with the query, so answers follow
the query, and every result URL points back at this server.

Usage::

    with source_world(latency=0.0) as world:
        settings = world.settings(sources_per_provider=3)   # every provider pointed at the world
        world.fail("gdelt", "500")                           # one endpoint misbehaves ...
        world.heal()                                         # ... until healed
        world.calls("mediawiki")                             # query parameters of each request it got

By hand: `python -m tests.support.source_world --port 8900 [--latency 0.2]` prints the environment to export.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import parse_qsl, quote, urlsplit
from xml.etree import ElementTree as ET

from shared.config import Settings
from tests.support.web import Exchange, RecordedRequest, WebServer, serve

FACTCHECK_TOOLS_KEY = "sw-test-key-4c1d9e7b2a"  # the Fact Check Tools key the world accepts
SITENAME = "World Encyclopedia"  # the MediaWiki's site name (query.general.sitename)
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

ENDPOINTS = ("mediawiki", "gdelt", "factcheck_tools", "searxng", "pages", "feeds")
FAULTS = ("down", "500", "garbage", "html", "empty", "shape", "error", "slow")
"""What `fail` can make an endpoint do:

- down: hang up without answering;
- 500: an HTML "500 Internal Server Error" page;
- garbage: 200 application/json that is not JSON;
- html: 200 text/html maintenance page (echoing the request, as some proxies do);
- empty: a valid answer with no results;
- shape: valid JSON of the wrong shape (with junk items);
- error: the service's own error report (MediaWiki's error object with HTTP 200, GDELT's plain-text refusal,
  Fact Check Tools' 400, SearxNG's 403 when JSON is disabled; 404 for pages and feeds);
- slow: answer only after `slow_seconds`.
"""

# The story. Dates are ISO 8601 UTC.


@dataclass(frozen=True)
class NewsArticle:
    slug: str
    title: str
    outlet: str | None  # the page's og:site_name; None: the page names no site
    domain: str  # what GDELT calls its domain
    country: str
    published: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/news/{self.slug}"


@dataclass(frozen=True)
class WikiPage:
    title: str
    intro: str
    sections: tuple[tuple[str, str], ...]  # (heading, text)
    touched: str

    @property
    def path(self) -> str:
        return "/wiki/" + self.title.replace(" ", "_")

    def extract(self, intro_only: bool = False) -> str:
        """Like TextExtracts' plain text: the lead, then '== Heading ==' sections separated by blank lines."""
        if intro_only:
            return self.intro
        return self.intro + "".join(f"\n\n\n== {heading} ==\n{text}" for heading, text in self.sections)


@dataclass(frozen=True)
class FactCheck:
    slug: str
    claim: str
    claimant: str
    claim_date: str
    publisher: str
    site: str
    title: str
    review_date: str
    rating: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/factchecks/{self.slug}"


ARTICLES: tuple[NewsArticle, ...] = (
    NewsArticle(
        slug="allies-more-than-10000-troops",
        title="Allies say more than 10,000 North Korean troops are now in Russia",
        outlet="Harbour Herald",
        domain="harbourherald.example",
        country="United Kingdom",
        published="2024-10-29T08:10:00Z",
        paragraphs=(
            "Washington, Seoul and Kyiv said on Monday that more than 10,000 North Korean soldiers have been sent "
            "to Russia, the largest estimate yet of a deployment that Pyongyang still refuses to acknowledge.",
            "A Pentagon spokesperson told reporters that the troops had travelled by ship and by rail from North "
            "Korea's east coast to training grounds in the Russian Far East, and that several thousand of them had "
            "since moved west towards the front.",
            "South Korea's intelligence service said the soldiers came mostly from special forces units and had "
            "been handed Russian uniforms and identity papers, which it called an attempt to hide where they "
            "came from.",
            "Ukraine's military intelligence said the first units had already reached the Kursk region, where "
            "Ukrainian forces have held a strip of Russian territory since August.",
            "The Kremlin neither confirmed nor denied the reports. North Korea's foreign ministry called them "
            "groundless.",
        ),
    ),
    NewsArticle(
        slug="seoul-about-12000-soldiers",
        title="Seoul now puts the North Korean deployment at about 12,000 soldiers",
        outlet="Eastern Dispatch",
        domain="easterndispatch.example",
        country="South Korea",
        published="2024-11-01T03:30:00Z",
        paragraphs=(
            "South Korean intelligence believes that about 12,000 North Korean soldiers are now in Russia, "
            "lawmakers said on Friday after a closed-door briefing by the spy agency.",
            "The figure is higher than earlier estimates. The agency told the lawmakers that the troops were "
            "spread across several bases and that some had been taught basic Russian words for the battlefield.",
            "The lawmakers said the agency could not yet confirm whether any of the soldiers had taken part in "
            "fighting.",
            "Officials in Seoul said they were considering sending observers to Ukraine to study the tactics of "
            "the North Korean units.",
        ),
    ),
    NewsArticle(
        slug="kursk-first-clashes",
        title="Ukraine reports first combat with North Korean units in Kursk",
        outlet="Capital Ledger",
        domain="capitalledger.example",
        country="United States",
        published="2024-11-05T14:00:00Z",
        paragraphs=(
            "Ukrainian forces fought North Korean soldiers for the first time in the Kursk region, Ukraine's "
            "defence minister said on Tuesday, describing a brief clash along the front line.",
            "The minister said the North Korean units had gone into combat alongside Russian marines and "
            "paratroopers, and that more of them were being moved towards Kursk.",
            "Washington said it could not yet confirm the clash but had seen North Korean soldiers being moved "
            "into the region.",
            "Military analysts said the deployment spared Moscow a new and unpopular round of mobilisation at home.",
        ),
    ),
    NewsArticle(
        slug="kremlin-denies-combat-role",
        title="Kremlin denies North Korean soldiers are fighting in Kursk",
        outlet="Eastern Dispatch",
        domain="easterndispatch.example",
        country="South Korea",
        published="2024-11-06T09:45:00Z",
        paragraphs=(
            "The Kremlin on Wednesday denied that North Korean soldiers had fought Ukrainian forces in the Kursk "
            "region, calling the reports from Kyiv a provocation.",
            "A Kremlin spokesman said cooperation with Pyongyang was a matter for the two countries and involved "
            "no combat role, and he declined to say how many North Korean personnel were in Russia.",
            "Pyongyang said its relations with Moscow were in line with international law.",
        ),
    ),
    NewsArticle(
        slug="go-all-out-war-preparations",
        title='Kim tells his army to "go all out" in preparing for war',
        outlet="Peninsula Review",
        domain="peninsulareview.example",
        country="South Korea",
        published="2024-11-08T01:20:00Z",
        paragraphs=(
            'North Korean leader Kim Jong Un urged his army to "go all out" in preparing for war, state media '
            "reported on Friday, in a speech to senior commanders at a military university in Pyongyang.",
            'Kim called the Korean peninsula "the world\'s biggest hotspot", said the danger of a nuclear war '
            "there had never been greater, and blamed joint exercises by the United States and South Korea.",
            "The speech did not mention Russia or the reports that North Korean soldiers had been sent there.",
            "South Korea's defence ministry said it was watching for signs of further provocations.",
            "According to KCNA, Kim ardently called upon the participants, battalion commanders and political "
            "instructors, to bring about a substantial and fundamental improvement in their capabilities for "
            "fighting an actual war.",
        ),
    ),
    NewsArticle(
        slug="is-korea-the-biggest-hotspot",
        title="Is the Korean peninsula really the world's biggest hotspot?",
        outlet=None,
        domain="northernwire.example",
        country="Canada",
        published="2024-11-09T12:00:00Z",
        paragraphs=(
            "Security analysts on Saturday disputed the claim that the Korean peninsula is the world's biggest "
            "hotspot, saying the wars in Ukraine and the Middle East are far more dangerous today.",
            "The peninsula is not the world's biggest hotspot, a researcher at a conflict monitoring group said, "
            "noting that the two Koreas have not fought a large battle since the armistice of 1953.",
            "Other analysts warned against playing down the risk, since both sides have moved troops and "
            "artillery closer to the border this year.",
        ),
    ),
    NewsArticle(
        slug="river-wendle-defences-hold",
        title="River defences hold as the storm passes over the valley",
        outlet="Valley Courier",
        domain="valleycourier.example",
        country="United Kingdom",
        published="2024-11-03T18:00:00Z",
        paragraphs=(
            "The new flood defences along the River Wendle held overnight as the storm passed, the Environment "
            "Agency said on Sunday, and no homes were flooded in Harlow Vale.",
            "Engineers will inspect the barriers on Monday. The Mill Street gauge peaked at 2.1 metres, well "
            "below last winter's record.",
        ),
    ),
    NewsArticle(
        slug="chip-exports-record",
        title="South Korean chip exports reach a record high",
        outlet="Capital Ledger",
        domain="capitalledger.example",
        country="United States",
        published="2024-11-01T06:00:00Z",
        paragraphs=(
            "South Korea's semiconductor exports reached a record in October, the trade ministry in Seoul said, "
            "as demand for memory chips used in data centres kept growing.",
            "Shipments to China and the United States rose by more than a fifth from a year earlier.",
        ),
    ),
)

WIKI_PAGES: tuple[WikiPage, ...] = (
    WikiPage(
        title="North Korean troops in Russia",
        intro="In October 2024 the governments of the United States, South Korea and Ukraine reported that North "
        "Korea had sent soldiers to Russia to support its war against Ukraine. According to these reports, more "
        "than 10,000 North Korean soldiers were in Russia by the end of October 2024.",
        sections=(
            (
                "Deployment",
                "The soldiers were reportedly taken by sea to Vladivostok and trained at bases in the Russian Far "
                "East before being moved west. South Korean intelligence said most came from special forces units.",
            ),
            (
                "Combat in Kursk",
                "In early November 2024 Ukrainian officials reported the first combat between Ukrainian forces and "
                "North Korean soldiers in the Kursk region. Russia denied that North Korean soldiers were fighting.",
            ),
            (
                "Reactions",
                "South Korea said it would consider supplying weapons to Ukraine. North Korea called the reports "
                "groundless.",
            ),
        ),
        touched="2024-11-10T08:00:00Z",
    ),
    WikiPage(
        title="Kursk Oblast",
        intro="Kursk Oblast is a federal subject of Russia on the border with Ukraine. Its administrative centre "
        "is the city of Kursk.",
        sections=(
            (
                "History",
                "In August 2024 Ukrainian forces crossed the border into the oblast and took control of several "
                "hundred square kilometres. Later that year North Korean soldiers were reported in the region.",
            ),
            ("Geography", "The oblast lies on the Central Russian Upland and is known for its black soil."),
        ),
        touched="2024-11-07T08:00:00Z",
    ),
    WikiPage(
        title="Korean Peninsula",
        intro="The Korean Peninsula is a peninsula in East Asia, divided since 1945 between North Korea and South "
        "Korea.",
        sections=(
            (
                "Security",
                "The peninsula is often described as one of the most dangerous places on Earth. The Korean War "
                "ended in 1953 with an armistice rather than a peace treaty.",
            ),
        ),
        touched="2024-10-01T08:00:00Z",
    ),
    WikiPage(
        title="River Wendle",
        intro="The River Wendle is a river in the Harlow Vale valley, known for its floods.",
        sections=(("Flood defences", "New flood barriers were finished in 2024 after the floods of 2023."),),
        touched="2024-09-01T08:00:00Z",
    ),
)

FACT_CHECKS: tuple[FactCheck, ...] = (
    FactCheck(
        slug="no-100000-soldiers",
        claim="North Korea has sent 100,000 soldiers to fight for Russia in Ukraine.",
        claimant="Viral social media posts",
        claim_date="2024-10-27T00:00:00Z",
        publisher="Verity Desk",
        site="veritydesk.example",
        title="No, North Korea has not sent 100,000 soldiers to Russia",
        review_date="2024-10-30T10:00:00Z",
        rating="False",
        paragraphs=(
            "Posts shared thousands of times claim that North Korea has sent 100,000 soldiers to fight for Russia "
            "in Ukraine. This is false.",
            "The governments of the United States, South Korea and Ukraine estimate that more than 10,000 North "
            "Korean soldiers are in Russia, a tenth of the figure in the posts.",
        ),
    ),
    FactCheck(
        slug="more-than-10000-mostly-true",
        claim="More than 10,000 North Korean soldiers are in Russia, say Washington, Seoul and Kyiv.",
        claimant="US Department of Defense",
        claim_date="2024-10-28T00:00:00Z",
        publisher="Checkpoint Review",
        site="checkpointreview.example",
        title="Are more than 10,000 North Korean soldiers in Russia?",
        review_date="2024-11-02T09:00:00Z",
        rating="Mostly true",
        paragraphs=(
            "Three governments say that more than 10,000 North Korean soldiers are in Russia. We rate this "
            "mostly true: the estimate is consistent across Washington, Seoul and Kyiv, but it has not been "
            "confirmed independently, and Russia and North Korea have not acknowledged the deployment.",
        ),
    ),
    FactCheck(
        slug="go-all-out-missing-context",
        claim="Kim Jong Un ordered his army to go all out to help Russia win in Ukraine.",
        claimant="Online commentators",
        claim_date="2024-11-08T00:00:00Z",
        publisher="Verity Desk",
        site="veritydesk.example",
        title='Kim\'s "go all out" speech did not mention Ukraine',
        review_date="2024-11-10T12:00:00Z",
        rating="Missing context",
        paragraphs=(
            'Kim Jong Un did urge his army to "go all out" in preparing for war, but the speech, as state media '
            "reported it, did not mention Russia or Ukraine.",
        ),
    ),
    FactCheck(
        slug="wendle-budget-cuts",
        claim="The River Wendle flood defences failed because of budget cuts.",
        claimant="A local councillor",
        claim_date="2024-02-01T00:00:00Z",
        publisher="Checkpoint Review",
        site="checkpointreview.example",
        title="Did budget cuts sink the Wendle defences?",
        review_date="2024-02-05T00:00:00Z",
        rating="Unproven",
        paragraphs=("The agency's reports do not show whether the budget played a part in the failure.",),
    ),
)

CLAIMS = {
    "more_than_10000": "More than 10,000 North Korean soldiers have been sent to Russia, according to Washington, "
    "Seoul and Kyiv.",
    "100000": "North Korea has sent 100,000 soldiers to fight for Russia in Ukraine.",
    "kursk_combat": "North Korean soldiers have fought Ukrainian forces in the Kursk region.",
    "go_all_out": 'Kim Jong Un urged his army to "go all out" in preparing for war.',
    "hotspot": "The Korean peninsula is the world's biggest hotspot.",
}
"""Claims about the story, for tests and benchmarks (each has pages for and, for some, against it)."""

FEED_PATHS = {
    "/feeds/harbour-herald.rss": ("Harbour Herald: World", "rss", (0, 4, 6)),
    "/feeds/eastern-dispatch.atom": ("Eastern Dispatch: Korea", "atom", (1, 3)),
}
"""path -> (feed title, format, indices into ARTICLES)."""

WIKI_LANGUAGES = ("en", "de", "fr", "ko", "ru", "uk", "ja")  # /<lang>/w/api.php; the content is English only

# Keyword ranking.

_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+")
_STOPWORD_TEXT = """
    the and for that this with from have has had are was were been not but its their they them than into
    over said says about more most very also what when where which who will would there
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def terms(text: str) -> set[str]:
    """Lower-case content words (light plural folding) and numbers without separators."""
    found = set()
    for token in _TOKEN.findall(text.lower()):
        if token[0].isdigit():
            found.add(token.replace(",", ""))
        elif len(token) >= 3 and token not in _STOPWORDS:
            found.add(token[:-1] if len(token) > 4 and token.endswith("s") and not token.endswith("ss") else token)
    return found


def rank(query: str, documents: list[tuple[str, str]], *, excluded: set[str] = frozenset()) -> list[int]:
    """Indices of `documents` ((title, text) pairs) sharing a term with `query`, best first."""
    wanted = terms(query)
    scored = []
    for index, (title, text) in enumerate(documents):
        title_terms, text_terms = terms(title), terms(text)
        if excluded & (title_terms | text_terms):
            continue
        score = sum(2 * (t in title_terms) + (t in text_terms) for t in wanted)
        if score:
            scored.append((-score, index))
    return [index for _, index in sorted(scored)]


# The server.

Answer = tuple[int, str, bytes]  # status, content type, body
Params = dict[str, str]


def _json(value: object, status: int = 200) -> Answer:
    return status, JSON_TYPE, json.dumps(value, ensure_ascii=False).encode()


def _compact(iso: str) -> str:
    """2024-10-29T08:10:00Z -> 20241029T081000Z (GDELT's seendate)."""
    return iso.replace("-", "").replace(":", "")


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")), usegmt=True)


class SourceWorld:
    """The running world. `base_url`, `url(path)`, `requests`, `calls(endpoint)`, `fail`, `heal`, settings."""

    def __init__(self, web: WebServer, latency: float = 0.0) -> None:
        self.web = web
        self.latency = latency
        self.slow_seconds = 5.0
        self.base_url = web.base_url
        self._faults: dict[str, str] = {}
        self._routes: dict[str, str] = {}  # path -> endpoint name
        self._register()

    # For tests.

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (method, path with query, lower-cased headers)."""
        return list(self.web.requests)

    def calls(self, endpoint: str) -> list[Params]:
        """The query parameters of each request `endpoint` ("mediawiki", "gdelt", ...) received, in order."""
        return [
            dict(parse_qsl(urlsplit(r.path).query, keep_blank_values=True))
            for r in self.web.requests
            if self._routes.get(urlsplit(r.path).path) == endpoint
        ]

    def paths(self, endpoint: str) -> list[str]:
        """The paths (without query) of the requests `endpoint` received, in order."""
        return [urlsplit(r.path).path for r in self.web.requests if self._routes.get(urlsplit(r.path).path) == endpoint]

    def fail(self, target: str, fault: str) -> None:
        """Make an endpoint (one of ENDPOINTS) or a single path ("/news/...") misbehave: one of FAULTS."""
        if target not in ENDPOINTS and target not in self._routes:
            raise ValueError(f"unknown endpoint or path: {target}")
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        self._faults[target] = fault

    def heal(self, target: str | None = None) -> None:
        """Undo `fail` for one target, or for all."""
        if target is None:
            self._faults.clear()
        else:
            self._faults.pop(target, None)

    def reset(self) -> None:
        """No faults, an empty request log."""
        self.heal()
        self.web.clear_log()

    def settings_overrides(self) -> dict[str, str]:
        """FACTCHECK_* environment values pointing every provider (and the feeds) at this world."""
        return {
            "FACTCHECK_MEDIAWIKI_URL": self.url("/w/api.php"),
            "FACTCHECK_GDELT_URL": self.url("/api/v2/doc/doc"),
            "FACTCHECK_FACTCHECK_TOOLS_URL": self.url("/v1alpha1/claims:search"),
            "FACTCHECK_FACTCHECK_TOOLS_KEY": FACTCHECK_TOOLS_KEY,
            "FACTCHECK_SEARXNG_URL": self.base_url,
            "FACTCHECK_FEEDS": ",".join(self.url(path) for path in FEED_PATHS),
            "FACTCHECK_FETCH_ALLOW_HOSTS": self.web.host,
        }

    def settings(self, **overrides: object) -> Settings:
        """Settings with `settings_overrides()` applied (no .env file read), plus `overrides` by field name."""
        fields: dict[str, object] = {
            name.removeprefix("FACTCHECK_").lower(): value for name, value in self.settings_overrides().items()
        }
        return Settings(_env_file=None, **{**fields, **overrides})

    # Routing.

    def _register(self) -> None:
        self._add("/w/api.php", "mediawiki", lambda p: self._mediawiki(p, "en"))
        for lang in WIKI_LANGUAGES:
            self._add(f"/{lang}/w/api.php", "mediawiki", lambda p, lang=lang: self._mediawiki(p, lang))
        self._add("/api/v2/doc/doc", "gdelt", self._gdelt)
        self._add("/v1alpha1/claims:search", "factcheck_tools", self._factcheck_tools)
        self._add("/search", "searxng", self._searxng)
        for article in ARTICLES:
            self._add(article.path, "pages", lambda _p, a=article: (200, HTML_TYPE, _article_html(a).encode()))
        for page in WIKI_PAGES:
            self._add(page.path, "pages", lambda _p, w=page: (200, HTML_TYPE, _wiki_html(w).encode()))
        for check in FACT_CHECKS:
            self._add(check.path, "pages", lambda _p, c=check: (200, HTML_TYPE, _fact_check_html(c).encode()))
        for path in FEED_PATHS:
            self._add(path, "feeds", lambda _p, path=path: self._feed(path))

    def _add(self, path: str, endpoint: str, answer: Callable[[Params], Answer]) -> None:
        self._routes[path] = endpoint

        def handle(ex: Exchange) -> None:
            if self.latency and not ex.sleep(self.latency):
                return
            fault = self._faults.get(path) or self._faults.get(endpoint)
            if fault == "down":
                return  # hang up without a word
            if fault == "slow" and not ex.sleep(self.slow_seconds):
                return
            params = dict(parse_qsl(urlsplit(ex.path).query, keep_blank_values=True))
            status, content_type, body = (
                answer(params) if fault in (None, "slow") else self._fault_answer(endpoint, fault, params, ex.path)
            )
            ex.start(status, {"Content-Length": str(len(body))}, content_type=content_type)
            if ex.method != "HEAD":
                ex.write(body)

        self.web.handle(path, handle)

    def _fault_answer(self, endpoint: str, fault: str, params: Params, path: str) -> Answer:
        if fault == "500":
            page = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>"
            return (
                500,
                HTML_TYPE,
                (page + "<p>The server encountered an unexpected condition.</p></body></html>").encode(),
            )
        if fault == "garbage":
            return 200, JSON_TYPE, b'{"query": {"search": [{"title": "North Kor\xff\xfe\x00<<<' + b"\x8b" * 40
        if fault == "html":
            page = (
                "<!doctype html><html><head><title>Down for maintenance</title><style>h1{color:red}</style></head>"
                f"<body><p>{escape(path)}: could not be served.</p><h1>We'll be right back</h1>"
                "<p>This service is down for scheduled maintenance.</p></body></html>"
            )
            return 200, HTML_TYPE, page.encode()
        empty: dict[str, Answer] = {
            "mediawiki": _json(
                {"batchcomplete": True, "query": {"searchinfo": {"totalhits": 0}, "search": [], "pages": []}}
            ),
            "gdelt": _json({}),
            "factcheck_tools": _json({}),
            "searxng": _json({"query": params.get("q", ""), "number_of_results": 0, "results": [], "answers": []}),
            "pages": (200, HTML_TYPE, b"<html><head></head><body></body></html>"),
            "feeds": (200, "application/rss+xml", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'),
        }
        shapes: dict[str, Answer] = {
            "mediawiki": _json({"query": {"search": {"0": "North Korea"}, "pages": "none"}}),
            "gdelt": _json({"articles": [42, None, "x", {"url": "javascript:alert(1)"}, {"title": "no url"}]}),
            "factcheck_tools": _json({"claims": [{"text": 7, "claimReview": "False"}, None, {"claimReview": [{}]}]}),
            "searxng": _json({"results": [{"url": ["http://x"]}, {"url": "/relative"}, 3]}),
            "pages": _json([1, 2, 3]),
            "feeds": _json([1, 2, 3]),
        }
        errors: dict[str, Answer] = {
            "mediawiki": _json(
                {
                    "error": {
                        "code": "internal_api_error_DBQueryError",
                        "info": "A database query error has occurred.",
                    },
                    "servedby": "mw-api-test",
                }
            ),
            "gdelt": (200, HTML_TYPE, b"Queries containing OR'd terms must be surrounded by ()."),
            "factcheck_tools": _json(
                {
                    "error": {
                        "code": 400,
                        "message": "Request contains an invalid argument.",
                        "status": "INVALID_ARGUMENT",
                    }
                },
                400,
            ),
            "searxng": (
                403,
                HTML_TYPE,
                b"<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>",
            ),
            "pages": (404, HTML_TYPE, b"<html><head><title>Not found</title></head><body>Not found</body></html>"),
            "feeds": (404, HTML_TYPE, b"<html><head><title>Not found</title></head><body>Not found</body></html>"),
        }
        return {"empty": empty, "shape": shapes, "error": errors}[fault][endpoint]

    # MediaWiki Action API.

    def _mediawiki(self, params: Params, lang: str) -> Answer:
        pages = WIKI_PAGES if lang == "en" else ()
        if params.get("format") != "json":
            # Without format=json MediaWiki answers its HTML-wrapped "jsonfm" help format.
            return (
                200,
                HTML_TYPE,
                b"<html><body><pre>This is the HTML representation of the JSON format.</pre></body></html>",
            )
        v2 = params.get("formatversion") == "2"
        if params.get("action") != "query":
            return _json(_mw_error("badvalue", f'Unrecognized value for parameter "action": {params.get("action")}.'))
        answer: dict = {"batchcomplete": True if v2 else ""}
        query: dict = {}
        if params.get("list") == "search":
            if not params.get("srsearch"):
                return _json(_mw_error("missingparam", 'The "srsearch" parameter must be set.'))
            limit = _int(params.get("srlimit"), 10, 1, 500)
            found = rank(params["srsearch"], [(p.title, p.extract()) for p in pages])
            hits = [pages[i] for i in found]
            query["searchinfo"] = {"totalhits": len(hits)}
            query["search"] = [
                {
                    "ns": 0,
                    "title": page.title,
                    "pageid": 1000 + WIKI_PAGES.index(page),
                    "size": len(page.extract()),
                    "wordcount": len(page.extract().split()),
                    "snippet": _snippet(page.intro, params["srsearch"]),
                    "timestamp": page.touched,
                }
                for page in hits[:limit]
            ]
            if len(hits) > limit:
                answer["continue"] = {"sroffset": limit, "continue": "-||"}
        if "titles" in params:
            props = params.get("prop", "").split("|")
            titles = [t for t in params["titles"].split("|") if t.strip()][:50]
            intro_only = params.get("exintro") not in (None, "0", "false")
            result_pages = []
            extracts_given = 0
            for title in titles:
                wanted = title.replace("_", " ").strip()
                wanted = wanted[:1].upper() + wanted[1:]
                page = next((p for p in pages if p.title == wanted), None)
                if page is None:
                    result_pages.append({"ns": 0, "title": wanted, "missing": True})
                    continue
                entry: dict = {"pageid": 1000 + WIKI_PAGES.index(page), "ns": 0, "title": page.title}
                # TextExtracts gives whole-article extracts for one page per request (several only with exintro).
                if "extracts" in props and (intro_only or extracts_given == 0):
                    text = page.extract(intro_only)
                    entry["extract"] = (
                        text
                        if "explaintext" in params
                        else "".join(f"<p>{escape(line)}</p>" for line in text.split("\n") if line)
                    )
                    extracts_given += 1
                if "info" in props:
                    entry |= {"contentmodel": "wikitext", "pagelanguage": "en", "touched": page.touched}
                    if "url" in params.get("inprop", "").split("|"):
                        entry |= {
                            "fullurl": self.url(page.path),
                            "editurl": self.url(f"/w/index.php?title={quote(page.title)}&action=edit"),
                            "canonicalurl": self.url(page.path),
                        }
                result_pages.append(entry)
            if "extracts" in props and not intro_only and len([p for p in result_pages if "pageid" in p]) > 1:
                answer["warnings"] = {
                    "extracts": {
                        "warnings": '"exlimit" was too large for a whole article extracts request, lowered to 1.'
                    }
                }
                answer["continue"] = {"excontinue": 1, "continue": "||info"}
            query["pages"] = (
                result_pages if v2 else {str(p.get("pageid", -1 - i)): p for i, p in enumerate(result_pages)}
            )
        if params.get("meta") == "siteinfo":
            query["general"] = {
                "mainpage": "Main Page",
                "base": self.url("/wiki/Main_Page"),
                "sitename": SITENAME,
                "lang": lang,
                "server": self.base_url,
                "articlepath": "/wiki/$1",
            }
        answer["query"] = query
        return _json(answer)

    # GDELT DOC 2.0.

    def _gdelt(self, params: Params) -> Answer:
        query = params.get("query", "")
        words, phrases, excluded = _gdelt_terms(query)
        if not words and not phrases:
            return 200, HTML_TYPE, b"Please specify a query."
        if any(len(w) < 3 for w in words):
            return 200, HTML_TYPE, b"Your search contained a keyword that was too short (at least 3 characters)."
        if params.get("mode", "").lower() != "artlist":
            return 200, HTML_TYPE, b"Invalid mode specified."
        if params.get("format", "").lower() != "json":
            return 200, HTML_TYPE, b"<html><body><table><tr><td>HTML output</td></tr></table></body></html>"
        limit = _int(params.get("maxrecords"), 75, 1, 250)
        documents = [(a.title, " ".join(a.paragraphs)) for a in ARTICLES]
        found = rank(" ".join([*words, *phrases]), documents, excluded=excluded)
        # A phrase must appear as written.
        found = [i for i in found if all(p.lower() in " ".join(documents[i]).lower() for p in phrases)]
        if not found:
            return _json({})
        return _json(
            {
                "articles": [
                    {
                        "url": self.url(ARTICLES[i].path),
                        "url_mobile": "",
                        "title": ARTICLES[i].title,
                        "seendate": _compact(ARTICLES[i].published),
                        "socialimage": self.url(f"/img/{ARTICLES[i].slug}.jpg"),
                        "domain": ARTICLES[i].domain,
                        "language": "English",
                        "sourcecountry": ARTICLES[i].country,
                    }
                    for i in found[:limit]
                ]
            }
        )

    # Google Fact Check Tools.

    def _factcheck_tools(self, params: Params) -> Answer:
        key = params.get("key")
        if not key:
            return _google_error(403, "The request is missing a valid API key.", "PERMISSION_DENIED")
        if key != FACTCHECK_TOOLS_KEY:
            return _google_error(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT")
        if not params.get("query"):
            return _google_error(400, "Request contains an invalid argument.", "INVALID_ARGUMENT")
        language = params.get("languageCode", "").split("-")[0].lower()
        limit = _int(params.get("pageSize"), 10, 1, 100)
        # Only English reviews exist here: another language finds nothing.
        checks = list(FACT_CHECKS) if language in ("", "en") else []
        found = [checks[i] for i in rank(params["query"], [(c.title, c.claim) for c in checks])]
        if not found:
            return _json({})
        answer: dict = {
            "claims": [
                {
                    "text": c.claim,
                    "claimant": c.claimant,
                    "claimDate": c.claim_date,
                    "claimReview": [
                        {
                            "publisher": {"name": c.publisher, "site": c.site},
                            "url": self.url(c.path),
                            "title": c.title,
                            "reviewDate": c.review_date,
                            "textualRating": c.rating,
                            "languageCode": "en",
                        }
                    ],
                }
                for c in found[:limit]
            ]
        }
        if len(found) > limit:
            answer["nextPageToken"] = "CAo"
        return _json(answer)

    # SearxNG.

    def _searxng(self, params: Params) -> Answer:
        query = params.get("q", "")
        if params.get("format") != "json":
            return (
                200,
                HTML_TYPE,
                f"<html><body><h1>SearxNG</h1><p>Results for {escape(query)}</p></body></html>".encode(),
            )
        documents: list[tuple[str, str, str, str | None]] = [  # title, text, path, date
            *((a.title, " ".join(a.paragraphs), a.path, a.published) for a in ARTICLES),
            *((w.title, w.extract(), w.path, None) for w in WIKI_PAGES),
            *((c.title, " ".join(c.paragraphs), c.path, c.review_date) for c in FACT_CHECKS),
        ]
        engines = ("duckduckgo", "brave", "wikipedia")
        results = []
        for position, i in enumerate(rank(query, [(d[0], d[1]) for d in documents])[:10], start=1):
            title, text, path, date = documents[i]
            engine = "wikipedia" if path.startswith("/wiki/") else engines[position % 2]
            results.append(
                {
                    "url": self.url(path),
                    "title": title,
                    "content": _best_sentence(text, query),
                    "engine": engine,
                    "engines": [engine],
                    "parsed_url": ["http", urlsplit(self.base_url).netloc, path, "", "", ""],
                    "template": "default.html",
                    "positions": [position],
                    "publishedDate": date.replace("Z", "") if date else None,
                    "score": round(1.0 / position, 3),
                    "category": "general",
                }
            )
        return _json(
            {
                "query": query,
                "number_of_results": len(results),
                "results": results,
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [],
            }
        )

    # Feeds.

    def _feed(self, path: str) -> Answer:
        title, kind, indices = FEED_PATHS[path]
        articles = [ARTICLES[i] for i in indices]
        if kind == "rss":
            return 200, "application/rss+xml; charset=utf-8", _rss(title, self.url(path), self, articles)
        return 200, "application/atom+xml; charset=utf-8", _atom(title, self.url(path), self, articles)


# Answers.


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value is not None else default
    except ValueError:
        return default


def _mw_error(code: str, info: str) -> dict:
    return {"error": {"code": code, "info": info, "docref": "See /w/api.php for API usage."}, "servedby": "mw-test"}


def _google_error(status: int, message: str, reason: str) -> Answer:
    return _json({"error": {"code": status, "message": message, "status": reason}}, status)


def _gdelt_terms(query: str) -> tuple[list[str], list[str], set[str]]:
    """(bare words, quoted phrases, excluded terms) of a GDELT query; operators (sourcelang:...) are ignored."""
    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"', " ", query).replace("(", " ").replace(")", " ")
    words, excluded = [], set()
    for token in rest.split():
        if token.upper() == "OR" or ":" in token or "<" in token or ">" in token:
            continue
        if token.startswith("-"):
            excluded |= terms(token[1:])
        else:
            words.append(token)
    return words, phrases, excluded


def _snippet(text: str, query: str) -> str:
    wanted = terms(query)
    words = text.split()[:30]
    return " ".join(f'<span class="searchmatch">{escape(w)}</span>' if terms(w) & wanted else escape(w) for w in words)


def _best_sentence(text: str, query: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    wanted = terms(query)
    best = max(sentences, key=lambda s: len(terms(s) & wanted))
    return best[:300]


def _page(title: str, site: str | None, published: str | None, paragraphs: tuple[str, ...]) -> str:
    meta = [f'<meta property="og:title" content="{escape(title)}">']
    if site:
        meta.append(f'<meta property="og:site_name" content="{escape(site)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{published}">')
    body = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(title, quote=False)}{" | " + escape(site, quote=False) if site else ""}</title>
{chr(10).join(meta)}
</head><body>
<header><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/business">Business</a></nav></header>
<main><article>
<h1>{escape(title, quote=False)}</h1>
{body}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/news/chip-exports-record">Chip exports at a record</a></li></ul></aside>
<footer>{"&copy; " + escape(site, quote=False) if site else "All rights reserved"}. Terms | Privacy | Contact</footer>
</body></html>"""


def _article_html(article: NewsArticle) -> str:
    return _page(article.title, article.outlet, article.published, article.paragraphs)


def _wiki_html(page: WikiPage) -> str:
    paragraphs = (page.intro, *(f"{heading}. {text}" for heading, text in page.sections))
    return _page(page.title, SITENAME, None, paragraphs)


def _fact_check_html(check: FactCheck) -> str:
    paragraphs = (f"Claim: {check.claim} ({check.claimant})", *check.paragraphs, f"Our rating: {check.rating}.")
    return _page(check.title, check.publisher, check.review_date, paragraphs)


def _rss(title: str, feed_url: str, world: SourceWorld, articles: list[NewsArticle]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", title), ("link", world.base_url + "/"), ("description", f"{title}, the latest")):
        ET.SubElement(channel, tag).text = text
    ET.SubElement(channel, "language").text = "en-gb"
    ET.SubElement(channel, "lastBuildDate").text = _rfc822(max(a.published for a in articles))
    for article in articles:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = world.url(article.path)
        ET.SubElement(item, "description").text = article.paragraphs[0]
        ET.SubElement(item, "pubDate").text = _rfc822(article.published)
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = world.url(article.path)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _atom(title: str, feed_url: str, world: SourceWorld, articles: list[NewsArticle]) -> bytes:
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")
    ET.SubElement(feed, f"{{{ns}}}title").text = title
    ET.SubElement(feed, f"{{{ns}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ns}}}link", {"rel": "self", "href": feed_url})
    ET.SubElement(feed, f"{{{ns}}}updated").text = max(a.published for a in articles)
    for article in articles:
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        ET.SubElement(entry, f"{{{ns}}}title").text = article.title
        ET.SubElement(entry, f"{{{ns}}}id").text = world.url(article.path)
        ET.SubElement(entry, f"{{{ns}}}link", {"rel": "alternate", "href": world.url(article.path)})
        ET.SubElement(entry, f"{{{ns}}}updated").text = article.published
        ET.SubElement(entry, f"{{{ns}}}published").text = article.published
        author = ET.SubElement(entry, f"{{{ns}}}author")
        ET.SubElement(author, f"{{{ns}}}name").text = article.outlet or article.domain
        ET.SubElement(entry, f"{{{ns}}}summary").text = article.paragraphs[0]
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@contextmanager
def source_world(latency: float = 0.0, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[SourceWorld]:
    """Run the source world on `host` and a free port (or `port`) until the block ends.

    `latency` seconds are added to every response (for benchmarks).
    """
    with serve(host, port) as web:
        yield SourceWorld(web, latency)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.source_world",
        description="Serve the test source world (MediaWiki, GDELT, Fact Check Tools, SearxNG, pages, feeds).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8900, help="port to listen on (default 8900; 0: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    args = parser.parse_args(argv)
    with source_world(args.latency, host=args.host, port=args.port) as world:
        print(f"# source world at {world.base_url} (latency {args.latency} s); export these, then `make run`:")
        for name, value in world.settings_overrides().items():
            print(f"export {name}={shlex.quote(value)}")
        print("# Ctrl-C to stop.", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
