"""The search providers against the source world: real loopback servers speaking the real wire formats.

Nothing is mocked: each provider goes through the real SSRF-safe fetcher (loopback allowed by setting) to
tests/support/source_world.py, whose request log shows what the provider asked for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from xml.etree import ElementTree as ET

import httpx
import pytest

from shared.claims.quantities import find_quantities
from shared.config import Settings
from shared.evidence.fetcher import SafeFetcher, new_http_client
from shared.evidence.pipeline import gather_evidence
from shared.evidence.providers.base import ClaimContext, ProviderResult
from shared.evidence.providers.factcheck_tools import FactCheckTools
from shared.evidence.providers.gdelt import Gdelt
from shared.evidence.providers.mediawiki import MediaWiki, tidy_extract
from shared.evidence.providers.searxng import SearxNG
from shared.evidence.queries import build_query
from tests.support.services import ROOT
from tests.support.source_world import (
    ARTICLES,
    CLAIMS,
    FACTCHECK_TOOLS_KEY,
    SITENAME,
    WIKI_PAGES,
    SourceWorld,
    rank,
    source_world,
)

PROVIDERS = {"mediawiki": MediaWiki, "gdelt": Gdelt, "factcheck_tools": FactCheckTools, "searxng": SearxNG}
ARTICLE_BY_PATH = {a.path: a for a in ARTICLES}
WIKI_BY_PATH = {w.path: w for w in WIKI_PAGES}
ABOUT_12000 = "/news/seoul-about-12000-soldiers"


@pytest.fixture(scope="module")
def running_world() -> Iterator[SourceWorld]:
    with source_world() as world:
        yield world


@pytest.fixture
def world(running_world: SourceWorld) -> Iterator[SourceWorld]:
    """The module's world with no faults and an empty request log."""
    running_world.reset()
    running_world.slow_seconds = 5.0
    yield running_world
    running_world.reset()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client() as client:
        yield client


def claim(text: str, *, language: str = "en") -> ClaimContext:
    """A claim as the worker builds it, with the quantities extraction stores."""
    quantities = [asdict(q) for q in find_quantities(text)]
    return ClaimContext(1, text, None, quantities, language, None, [], text)


async def run(
    name: str, settings: Settings, client: httpx.AsyncClient, text: str, *, language: str = "en"
) -> ProviderResult:
    provider = PROVIDERS[name](settings)
    fetcher = SafeFetcher.from_settings(client, settings)
    async with asyncio.timeout(30):  # a provider that hangs fails the test instead of the run
        return await provider.search(claim(text, language=language), fetcher)


def path_of(world: SourceWorld, url: str) -> str:
    assert url.startswith(world.base_url + "/"), url
    return url.removeprefix(world.base_url)


def assert_well_formed(result: ProviderResult, world: SourceWorld) -> None:
    for finding in result.findings:
        path_of(world, finding.url)
        assert finding.title and finding.publisher
        assert finding.passage.strip()
        assert finding.passage_end - finding.passage_start == len(finding.passage)
        assert 0.15 <= finding.relevance <= 1.0
        assert re.fullmatch(r"[0-9a-f]{64}", finding.content_hash)
        assert finding.stance in ("supports", "refutes", "unclear")


# MediaWiki.


async def test_mediawiki_searches_then_reads_each_page_extract(world, client):
    text = CLAIMS["more_than_10000"]
    result = await run("mediawiki", world.settings(), client, text)

    search, *extracts = world.calls("mediawiki")
    assert search == {
        "action": "query",
        "list": "search",
        "srsearch": build_query(claim(text)).search_string(),
        "srlimit": "3",
        "format": "json",
        "formatversion": "2",
    }
    ranked = rank(search["srsearch"], [(p.title, p.extract()) for p in WIKI_PAGES])
    expected_titles = {WIKI_PAGES[i].title for i in ranked[:3]}
    # One request per title: TextExtracts gives one whole-article extract per request.
    assert {e["titles"] for e in extracts} == expected_titles and len(extracts) == 3
    for params in extracts:
        assert params["action"] == "query" and params["prop"] == "extracts|info"
        assert params["explaintext"] == "1" and params["inprop"] == "url"
        assert params["format"] == "json" and params["formatversion"] == "2"
    assert world.paths("pages") == []  # the extracts are the text: no page is fetched

    assert result.tried == 3 and result.problems == []
    assert_well_formed(result, world)
    main = next(f for f in result.findings if f.url == world.url("/wiki/North_Korean_troops_in_Russia"))
    assert main.title == "North Korean troops in Russia"
    assert main.publisher == SITENAME  # query.general.sitename, asked for with the extract
    extract = tidy_extract(WIKI_BY_PATH["/wiki/North_Korean_troops_in_Russia"].extract())
    assert extract[main.passage_start : main.passage_end] == main.passage
    assert "10,000" in main.passage and "==" not in main.passage


async def test_mediawiki_puts_the_claims_language_in_the_url(world, client):
    settings = world.settings(mediawiki_url=world.url("/{lang}/w/api.php"))

    english = await run("mediawiki", settings, client, CLAIMS["kursk_combat"], language="en-GB")
    assert set(world.paths("mediawiki")) == {"/en/w/api.php"}
    assert english.findings

    world.reset()
    german = await run("mediawiki", settings, client, CLAIMS["kursk_combat"], language="de")
    assert set(world.paths("mediawiki")) == {"/de/w/api.php"}
    # The German wiki of the world is empty: nothing found is not a failure.
    assert german.findings == [] and german.tried == 0
    assert [p.url for p in german.problems] == [None] and "no pages found" in german.problems[0].reason

    world.reset()
    await run("mediawiki", settings, client, CLAIMS["kursk_combat"], language="und")
    assert set(world.paths("mediawiki")) == {"/en/w/api.php"}  # no language: English


async def test_the_worlds_mediawiki_keeps_the_textextracts_limit(world, client):
    """Why the provider asks one title per request: several titles get one extract and a `continue`."""
    fetcher = SafeFetcher.from_settings(client, world.settings())
    url = world.url(
        "/w/api.php?action=query&prop=extracts|info&explaintext=1&inprop=url&format=json&formatversion=2"
        "&titles=Kursk_Oblast|Korean_Peninsula"
    )
    answer = (await fetcher.fetch(url)).body.decode()
    pages = json.loads(answer)["query"]["pages"]
    assert [("extract" in p) for p in pages] == [True, False]
    assert "exlimit" in answer and "excontinue" in answer


# GDELT.


async def test_gdelt_lists_articles_then_reads_them(world, client):
    text = CLAIMS["more_than_10000"]
    result = await run("gdelt", world.settings(), client, text)

    assert world.calls("gdelt") == [
        {
            "query": build_query(claim(text)).gdelt_string(),
            "mode": "artlist",
            "format": "json",
            "maxrecords": "3",
            "sort": "hybridrel",
        }
    ]
    fetched = world.paths("pages")
    assert len(fetched) == len(set(fetched)) == 3 and all(p.startswith("/news/") for p in fetched)
    assert result.tried == 3 and result.problems == []
    assert_well_formed(result, world)
    assert {path_of(world, f.url) for f in result.findings} <= set(fetched)
    for finding in result.findings:  # the page's own site name
        assert finding.publisher == ARTICLE_BY_PATH[path_of(world, finding.url)].outlet
    assert world.url("/news/allies-more-than-10000-troops") in {f.url for f in result.findings}


async def test_gdelt_names_the_domain_when_the_page_names_no_site(world, client):
    result = await run("gdelt", world.settings(sources_per_provider=6), client, CLAIMS["hotspot"])
    by_path = {path_of(world, f.url): f for f in result.findings}
    assert ARTICLE_BY_PATH["/news/is-korea-the-biggest-hotspot"].outlet is None
    # The page reader falls back to the host ("127.0.0.1:port"); GDELT's domain is the better name.
    assert by_path["/news/is-korea-the-biggest-hotspot"].publisher == "northernwire.example"


async def test_gdelt_refusal_in_plain_text_becomes_the_problem(world, client):
    world.fail("gdelt", "error")
    result = await run("gdelt", world.settings(), client, CLAIMS["kursk_combat"])
    assert result.findings == [] and result.tried == 1
    [problem] = result.problems
    assert problem.reason.startswith("GDELT did not accept the query: ")
    assert "Queries containing OR'd terms must be surrounded by ()." in problem.reason
    assert problem.url.startswith(world.url("/api/v2/doc/doc?"))


async def test_gdelt_articles_that_cannot_be_fetched_are_failed_sources(world, client):
    world.fail("pages", "500")
    settings = world.settings()
    result = await run("gdelt", settings, client, CLAIMS["more_than_10000"])
    assert result.findings == [] and result.tried == 3
    assert len(result.problems) == 3
    assert all(p.reason.startswith("article not fetched: HTTP 500") and p.url for p in result.problems)
    # As the pipeline counts it: sources were tried and none could be read.
    outcome = await gather_evidence(
        claim(CLAIMS["more_than_10000"]), [Gdelt(settings)], SafeFetcher.from_settings(client, settings)
    )
    assert outcome.nothing_worked


# The "about 12,000" page against "more than 10,000".


async def test_about_12000_page_gives_a_quantity_mismatch_on_more_than_10000(world, client):
    result = await run("gdelt", world.settings(sources_per_provider=6), client, CLAIMS["more_than_10000"])
    finding = next(f for f in result.findings if f.url == world.url(ABOUT_12000))
    assert "about 12,000 North Korean soldiers" in finding.passage
    mismatches = [s for s in finding.signals if s["kind"] == "quantity_mismatch"]
    assert mismatches, finding.signals
    assert "12,000" in mismatches[0]["source"] and "10,000" in mismatches[0]["claim"]


# Google Fact Check Tools.


async def test_factcheck_tools_request_and_a_refuting_review(world, client):
    text = CLAIMS["100000"]
    result = await run("factcheck_tools", world.settings(), client, text)

    assert world.calls("factcheck_tools") == [
        {
            "query": build_query(claim(text)).search_string(),
            "key": FACTCHECK_TOOLS_KEY,
            "languageCode": "en",
            "pageSize": "3",
        }
    ]
    assert world.paths("pages") == []  # the review is in the answer: nothing else is fetched
    assert result.tried == 1 and result.problems == []
    assert_well_formed(result, world)
    top = result.findings[0]
    assert top.url == world.url("/factchecks/no-100000-soldiers")
    assert top.publisher == "Verity Desk"
    assert top.title == "No, North Korea has not sent 100,000 soldiers to Russia"
    assert top.passage == "North Korea has sent 100,000 soldiers to fight for Russia in Ukraine.\nRated: False"
    assert (top.passage_start, top.passage_end) == (0, len(top.passage))
    assert top.stance == "refutes"
    kinds = {s["kind"]: s["detail"] for s in top.signals}
    assert "False" in kinds["fact_check_rating"]
    assert kinds["fact_check_review"] == (
        "Verity Desk rated it “False” on 2024-10-30; claim made by Viral social media posts on 2024-10-27"
    )


async def test_factcheck_tools_supporting_review_and_a_rating_about_another_figure(world, client):
    result = await run("factcheck_tools", world.settings(), client, CLAIMS["more_than_10000"])
    by_path = {path_of(world, f.url): f for f in result.findings}

    mostly_true = by_path["/factchecks/more-than-10000-mostly-true"]
    assert mostly_true.passage.endswith("\nRated: Mostly true")
    assert mostly_true.stance == "supports"
    assert result.findings[0] is mostly_true  # the closest reviewed claim first

    # "100,000 soldiers" rated False says nothing against "more than 10,000": not a refutation of ours.
    other_figure = by_path["/factchecks/no-100000-soldiers"]
    assert other_figure.stance == "unclear"
    assert any(s["kind"] == "quantity_mismatch" for s in other_figure.signals)
    assert any(s["kind"] == "fact_check_rating" for s in other_figure.signals)


async def test_factcheck_tools_language_filter(world, client):
    result = await run("factcheck_tools", world.settings(), client, CLAIMS["100000"], language="ko-KR")
    assert world.calls("factcheck_tools")[0]["languageCode"] == "ko"
    assert result.findings == [] and result.tried == 1
    assert [p.url for p in result.problems] == [None]  # found nothing: not a failure
    assert "no fact-checks found" in result.problems[0].reason


@pytest.mark.parametrize("fault", [None, "down", "500", "garbage", "html", "empty", "shape", "error"])
async def test_factcheck_tools_key_never_leaves_the_request(world, client, caplog, fault):
    if fault:
        world.fail("factcheck_tools", fault)
    caplog.set_level(logging.DEBUG)  # httpx logs request URLs (with the query string) at INFO

    result = await run("factcheck_tools", world.settings(), client, CLAIMS["100000"])

    assert world.calls("factcheck_tools")[0]["key"] == FACTCHECK_TOOLS_KEY  # it was sent ...
    assert FACTCHECK_TOOLS_KEY not in repr(result)  # ... but is in no Problem and no Finding
    assert FACTCHECK_TOOLS_KEY not in caplog.text  # ... and in no log line
    if fault != "down":
        assert "HTTP Request" in caplog.text  # (the URL was logged, redacted)
    if fault is None:
        assert result.findings
    else:
        assert result.problems and not result.findings
        for problem in result.problems:
            assert "key=" not in (problem.url or "")
    if fault == "html":  # the error page echoed the request, key included: scrubbed
        assert "***" in result.problems[0].reason


# SearxNG.


async def test_searxng_searches_then_reads_the_result_pages(world, client):
    text = CLAIMS["kursk_combat"]
    result = await run("searxng", world.settings(), client, text)

    assert world.calls("searxng") == [
        {"q": build_query(claim(text)).search_string(), "format": "json", "language": "en"}
    ]
    assert world.paths("searxng") == ["/search"]
    fetched = world.paths("pages")
    assert len(fetched) == len(set(fetched)) == 3
    assert result.tried == 3 and result.problems == []
    assert_well_formed(result, world)
    assert {path_of(world, f.url) for f in result.findings} <= set(fetched)
    by_path = {path_of(world, f.url): f for f in result.findings}
    assert by_path["/news/kursk-first-clashes"].publisher == "Capital Ledger"
    assert not any(s["kind"] == "snippet_only" for f in result.findings for s in f.signals)


async def test_searxng_language_all_when_the_claim_has_none(world, client):
    await run("searxng", world.settings(), client, CLAIMS["kursk_combat"], language="und")
    assert world.calls("searxng")[0]["language"] == "all"


async def test_searxng_falls_back_to_the_snippet_when_a_page_cannot_be_fetched(world, client):
    world.fail("/news/kursk-first-clashes", "down")
    result = await run("searxng", world.settings(), client, CLAIMS["kursk_combat"])

    url = world.url("/news/kursk-first-clashes")
    [problem] = result.problems
    assert problem.url == url and problem.reason.startswith("page not fetched: ")
    fallback = next(f for f in result.findings if f.url == url)
    assert fallback.title == "Ukraine reports first combat with North Korean units in Kursk"
    assert "Kursk" in fallback.passage
    [signal] = [s for s in fallback.signals if s["kind"] == "snippet_only"]
    assert "search snippet" in signal["detail"]
    # The other pages were read in full.
    assert all(not any(s["kind"] == "snippet_only" for s in f.signals) for f in result.findings if f is not fallback)


async def test_searxng_403_says_to_enable_json(world, client):
    world.fail("searxng", "error")
    result = await run("searxng", world.settings(), client, CLAIMS["kursk_combat"])
    [problem] = result.problems
    assert problem.reason == "SearxNG search failed: HTTP 403 (is the json format enabled in its search.formats?)"


# Every provider, every way its service can fail: a readable Problem, never an exception.

EXPECTED_REASON = {
    "down": "SERVICE failed: could not connect",
    "500": "SERVICE failed: HTTP 500",
    "garbage": "SERVICE answered application/json that is not valid JSON: ",
    "html": "SERVICE answered an HTML page instead of JSON: Down for maintenance /",
    "shape": "",
}
SERVICE = {
    "mediawiki": "MediaWiki search",
    "gdelt": "GDELT search",
    "factcheck_tools": "Fact Check Tools search",
    "searxng": "SearxNG search",
}
ERROR_REASON = {
    "mediawiki": "MediaWiki search failed: A database query error has occurred. (internal_api_error_DBQueryError)",
    "gdelt": "GDELT did not accept the query: Queries containing OR'd terms must be surrounded by ().",
    "factcheck_tools": "Fact Check Tools search failed: HTTP 400",
    "searxng": "SearxNG search failed: HTTP 403 (is the json format enabled in its search.formats?)",
}
SHAPE_REASON = {
    "mediawiki": "MediaWiki search answered JSON without a query.search list",
    "gdelt": "GDELT answered 5 articles without a usable URL",
    "factcheck_tools": "Fact Check Tools answered 3 claims without a usable review (URL, rating and claim text)",
    "searxng": "SearxNG answered 3 results without a usable URL",
}


@pytest.mark.parametrize("fault", ["down", "500", "garbage", "html", "shape", "error"])
@pytest.mark.parametrize("name", PROVIDERS)
async def test_a_failing_service_is_a_readable_problem(world, client, name, fault):
    world.fail(name, fault)
    result = await run(name, world.settings(), client, CLAIMS["more_than_10000"])

    assert result.findings == [] and result.tried == 1
    [problem] = result.problems
    assert problem.provider == name
    assert problem.url is not None and problem.url.startswith(world.base_url)  # a failed source
    if fault == "error":
        assert problem.reason == ERROR_REASON[name]
    elif fault == "shape":
        assert problem.reason == SHAPE_REASON[name]
    else:
        assert problem.reason.startswith(EXPECTED_REASON[fault].replace("SERVICE", SERVICE[name])), problem.reason
    assert len(problem.reason) < 400 and "\n" not in problem.reason


@pytest.mark.parametrize("name", PROVIDERS)
async def test_an_empty_answer_is_nothing_found_not_a_failure(world, client, name):
    world.fail(name, "empty")
    settings = world.settings()
    result = await run(name, settings, client, CLAIMS["more_than_10000"])

    assert result.findings == []
    [problem] = result.problems
    assert problem.url is None and re.search(r"\bno\b|nothing", problem.reason), problem.reason
    outcome = await gather_evidence(
        claim(CLAIMS["more_than_10000"]), [PROVIDERS[name](settings)], SafeFetcher.from_settings(client, settings)
    )
    assert not outcome.nothing_worked


@pytest.mark.parametrize("name", PROVIDERS)
async def test_a_server_that_is_down_is_a_readable_problem(world, client, name):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = world.settings(
        mediawiki_url=closed + "/w/api.php",
        gdelt_url=closed + "/api/v2/doc/doc",
        factcheck_tools_url=closed + "/v1alpha1/claims:search",
        searxng_url=closed,
    )
    result = await run(name, settings, client, CLAIMS["kursk_combat"])
    assert result.findings == [] and result.tried == 1
    [problem] = result.problems
    assert problem.reason.startswith(f"{SERVICE[name]} failed: could not connect"), problem.reason
    assert problem.url.startswith(closed)
    assert world.requests == []


@pytest.mark.parametrize("name", PROVIDERS)
async def test_a_slow_service_times_out_as_a_problem(world, client, name):
    world.slow_seconds = 3.0
    world.fail(name, "slow")
    started = time.monotonic()
    result = await run(name, world.settings(fetch_timeout_seconds=0.5), client, CLAIMS["kursk_combat"])
    assert time.monotonic() - started < 2.5
    [problem] = result.problems
    assert problem.reason == f"{SERVICE[name]} failed: timed out after 0.5 s"


# Enabled or not.


def test_providers_are_enabled_by_their_settings(world):
    everything = world.settings()
    assert all(provider.enabled(everything) for provider in PROVIDERS.values())

    off = Settings(_env_file=None, mediawiki_url="", gdelt_url=" ", factcheck_tools_key="", searxng_url="")
    assert not any(provider.enabled(off) for provider in PROVIDERS.values())
    assert not FactCheckTools.enabled(world.settings(factcheck_tools_key=""))
    assert not FactCheckTools.enabled(world.settings(factcheck_tools_url=""))

    defaults = Settings(_env_file=None, factcheck_tools_key="", searxng_url="")
    assert MediaWiki.enabled(defaults) and Gdelt.enabled(defaults)  # public services, on by default
    assert not FactCheckTools.enabled(defaults) and not SearxNG.enabled(defaults)  # need a key / an instance


# The source world itself.


async def test_every_search_result_points_back_at_the_world(world, client):
    settings = world.settings(sources_per_provider=10)
    for name in PROVIDERS:
        await run(name, settings, client, CLAIMS["hotspot"])
    fetcher = SafeFetcher.from_settings(client, settings)
    urls = {f"{world.base_url}{p}" for p in world.paths("pages")}
    assert urls
    for url in urls:
        page = await fetcher.fetch(url)
        assert page.status == 200 and page.content_type == "text/html"


async def test_feeds_are_real_rss_and_atom(world, client):
    settings = world.settings()
    fetcher = SafeFetcher.from_settings(client, settings)
    rss_url, atom_url = settings.feeds
    rss = await fetcher.fetch(rss_url)
    assert rss.content_type == "application/rss+xml"
    channel = ET.fromstring(rss.body).find("channel")
    items = channel.findall("item")
    assert items and all(i.findtext("link").startswith(world.base_url + "/news/") for i in items)
    assert all(re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", i.findtext("pubDate")) for i in items)

    atom = await fetcher.fetch(atom_url)
    assert atom.content_type == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.body).findall("a:entry", ns)
    assert entries and all(e.find("a:link", ns).get("href").startswith(world.base_url + "/news/") for e in entries)
    for link in [*(i.findtext("link") for i in items), *(e.find("a:link", ns).get("href") for e in entries)]:
        assert (await fetcher.fetch(link)).status == 200


async def test_latency_is_added_to_every_response(client):
    with source_world(latency=0.3) as slow:
        fetcher = SafeFetcher.from_settings(client, slow.settings())
        started = time.monotonic()
        await fetcher.fetch(slow.url("/news/kursk-first-clashes"))
        assert time.monotonic() - started >= 0.3


def test_the_world_runs_by_hand_and_prints_the_environment():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.source_world", "--port", "0", "--latency", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line or line.startswith("# Ctrl-C"):
                break
            lines.append(line.strip())
        exports = dict(re.fullmatch(r"export (FACTCHECK_\w+)=(.*)", line).groups() for line in lines[1:])
        assert set(exports) >= {
            "FACTCHECK_MEDIAWIKI_URL",
            "FACTCHECK_GDELT_URL",
            "FACTCHECK_FACTCHECK_TOOLS_URL",
            "FACTCHECK_FACTCHECK_TOOLS_KEY",
            "FACTCHECK_SEARXNG_URL",
            "FACTCHECK_FEEDS",
            "FACTCHECK_FETCH_ALLOW_HOSTS",
        }
        answer = httpx.get(
            exports["FACTCHECK_SEARXNG_URL"] + "/search?q=Kursk&format=json", timeout=10, trust_env=False
        )
        assert answer.json()["results"]
    finally:
        process.terminate()
        process.wait(timeout=10)
