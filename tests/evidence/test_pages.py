"""Reading pages: main text and metadata without boilerplate; never a crash on garbage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shared.evidence.fetcher import FetchedPage, SafeFetcher, new_http_client
from shared.evidence.pages import Page, read_page
from tests.support.web import WebServer

ARTICLE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Troops to leave the northern border | Daily Planet</title>
  <meta property="og:title" content="Troops to leave the northern border">
  <meta property="og:site_name" content="Daily Planet">
  <meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
</head>
<body>
  <header>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
    <li><a href="/subscribe">Subscribe for 1 euro a week</a></li></ul></nav>
  </header>
  <main>
    <article>
      <h1>Troops to leave the northern border</h1>
      <p class="byline">By Clara Jensen, 5 March 2024</p>
      <p>The government said on Tuesday that 4,000 troops would leave the northern border by the end
      of March, ending a deployment that began two years ago.</p>
      <p>Defence minister Anna Berg told parliament that the decision followed talks with neighbouring
      countries and a review of the security situation along the frontier.</p>
      <p>Opposition parties criticised the move, saying it came too early and that smuggling in the
      region had increased by 12 percent since last year.</p>
    </article>
  </main>
  <aside><h2>Most read</h2><ul><li><a href="/a">Celebrity wedding photos</a></li></ul></aside>
  <footer><p>Copyright 2024 Daily Planet Media. All rights reserved.</p>
  <p><a href="/privacy">Privacy policy</a> | <a href="/cookies">Cookie settings</a></p></footer>
</body>
</html>
"""


def html_page(body: bytes | str, content_type: str = "text/html") -> FetchedPage:
    if isinstance(body, str):
        body = body.encode()
    return FetchedPage("https://planet.example/world/troops", 200, content_type, body, None)


def test_article_gives_text_and_metadata_without_boilerplate() -> None:
    page = read_page(html_page(ARTICLE))

    assert page.url == "https://planet.example/world/troops"
    assert page.title == "Troops to leave the northern border"
    assert page.publisher == "Daily Planet"
    assert page.published == "2024-03-05"
    assert "4,000 troops would leave the northern border" in page.text
    assert "Defence minister Anna Berg told parliament" in page.text
    assert "smuggling in the region had increased by 12 percent" in page.text
    for boilerplate in ("Subscribe", "Most read", "Celebrity", "All rights reserved", "Cookie settings"):
        assert boilerplate not in page.text


def test_paragraphs_are_lines() -> None:
    text = read_page(html_page(ARTICLE)).text

    lines = text.split("\n")
    assert any(line.startswith("The government said on Tuesday") for line in lines)
    assert any(line.startswith("Opposition parties criticised") for line in lines)
    assert "  " not in text  # the source's line wrapping and indentation are gone


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n\t ",
        b"<html",
        b"<html><body></body></html>",
        b"\x00\xff\xfe garbage <<<>>> &&& </p></div>",
        bytes(range(256)) * 40,
        b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
        b"<p " + b"a" * 200_000 + b">",
        b"<html><head><title>Only a title</title></head><body><script>var x = 1;</script></body></html>",
    ],
)
def test_garbage_html_does_not_crash(body: bytes) -> None:
    page = read_page(html_page(body))

    assert isinstance(page, Page)
    assert isinstance(page.text, str)


def test_empty_html_gives_empty_text() -> None:
    assert read_page(html_page(b"")) == Page("https://planet.example/world/troops", None, "", None, None)


def test_plain_text_unwraps_paragraphs() -> None:
    body = "First paragraph that was\nwrapped by hand.\n\n\nSecond   paragraph.\r\n"

    page = read_page(html_page(body, "text/plain"))

    assert page.text == "First paragraph that was wrapped by hand.\nSecond paragraph."
    assert page.title is None


def test_feed_text_and_title_without_external_entities() -> None:
    feed = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><title>Planet feed</title>
<item><title>Troops leave</title><description>4,000 troops leave. &secret;</description></item>
</channel></rss>"""

    page = read_page(html_page(feed, "application/rss+xml"))

    assert page.title == "Planet feed"
    assert "4,000 troops leave." in page.text
    assert "root:" not in page.text


def test_broken_feed_falls_back_to_text() -> None:
    page = read_page(html_page(b"<rss><channel><title>cut off", "application/rss+xml"))

    assert "cut off" in page.text


# The whole way: fetched from a real server, then read.


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client() as client:
        yield client


async def test_fetched_article_is_read(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/world/troops", ARTICLE)
    fetcher = SafeFetcher(
        client,
        allow_hosts=["127.0.0.1"],
        max_bytes=1_000_000,
        timeout=5,
        connect_timeout=1,
        max_redirects=2,
        user_agent="test",
    )

    page = read_page(await fetcher.fetch(web.url("/world/troops")))

    assert page.url == web.url("/world/troops")
    assert page.publisher == "Daily Planet"
    assert "4,000 troops" in page.text
