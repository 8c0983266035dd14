"""Feeds: RSS and Atom parsed, items stored once and refreshed when changed, matched by full-text search."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from shared.evidence.fetcher import FetchedPage
from shared.evidence.providers.base import ClaimContext
from shared.evidence.queries import build_query
from shared.feeds.matching import matching_documents
from shared.feeds.models import Feed, SourceDocument
from shared.feeds.polling import lock_due_feeds, parse_feed, store_feed

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Valley Courier</title><link>https://courier.example/</link>
<item><title>Wendle flood: 1,200 homes under water</title><link>https://courier.example/wendle</link>
<description>&lt;p&gt;The Environment Agency said more than &lt;b&gt;1,200 homes&lt;/b&gt; were flooded in
Harlow Vale after the River Wendle burst its banks.&lt;/p&gt;</description>
<pubDate>Wed, 04 Mar 2026 09:00:00 GMT</pubDate></item>
<item><title>Council approves budget</title><link>https://courier.example/budget</link>
<description>The council approved a budget of 48 million pounds for the coming year.</description></item>
<item><title>No link here</title><description>dropped</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Rail Monitor</title><id>urn:rail</id>
<updated>2026-03-05T10:00:00Z</updated>
<entry><title>Kestow line closed</title><link href="https://rail.example/kestow"/><id>urn:1</id>
<updated>2026-03-05T10:00:00Z</updated>
<content type="html">&lt;p&gt;Services between Harlow Vale and Kestow were suspended after 2 km of track
was washed away.&lt;/p&gt;</content></entry></feed>"""


def page(body: bytes, content_type: str, url: str = "https://feeds.example/feed") -> FetchedPage:
    return FetchedPage(url=url, status=200, content_type=content_type, body=body, encoding="utf-8")


def claim(text: str) -> ClaimContext:
    return ClaimContext(1, text, None, [], "en", None, [], text)


def test_rss_and_atom_items_with_plain_text():
    rss = parse_feed(page(RSS, "application/rss+xml"))
    assert rss.title == "Valley Courier"
    assert [e.url for e in rss.entries] == ["https://courier.example/wendle", "https://courier.example/budget"]
    first = rss.entries[0]
    assert first.text.startswith("The Environment Agency said more than 1,200 homes were flooded")
    assert "<" not in first.text and first.published_at.isoformat() == "2026-03-04T09:00:00+00:00"
    atom = parse_feed(page(ATOM, "application/atom+xml"))
    assert atom.title == "Rail Monitor" and atom.entries[0].url == "https://rail.example/kestow"
    assert "2 km of track" in atom.entries[0].text


def test_garbage_is_not_a_feed():
    import pytest

    with pytest.raises(ValueError, match="not a feed"):
        parse_feed(page(b"<html><body>Not found</body></html>", "text/html"))


async def test_items_are_stored_once_refreshed_when_changed_and_found_by_claim(db):
    async with db() as session, session.begin():
        [feed_id] = await lock_due_feeds(session, ["https://feeds.example/feed"], every=timedelta(minutes=15))
        parsed = parse_feed(page(RSS, "application/rss+xml"))
        assert await store_feed(session, feed_id, parsed) == 2
        assert await store_feed(session, feed_id, parsed) == 2  # polled again: nothing new
        edited = parse_feed(page(RSS.replace(b"48 million", b"52 million"), "application/rss+xml"))
        await store_feed(session, feed_id, edited)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(SourceDocument)) == 2
        budget = await session.scalar(select(SourceDocument).where(SourceDocument.url.like("%budget")))
        assert "52 million" in budget.text and budget.publisher == "Valley Courier"
        feed = await session.get(Feed, feed_id)
        assert feed.title == "Valley Courier" and feed.last_error is None and feed.last_polled_at
        found = await matching_documents(
            session, build_query(claim("More than 1,200 homes were flooded in Harlow Vale.")), limit=3
        )
        assert found and found[0].url == "https://courier.example/wendle"
        nothing = await matching_documents(session, build_query(claim("Volcano erupts in Iceland.")), limit=3)
        assert nothing == []


async def test_a_feed_is_due_once_per_interval(db):
    urls = ["https://a.example/rss", "https://b.example/atom"]
    async with db() as session, session.begin():
        assert len(await lock_due_feeds(session, urls, every=timedelta(minutes=15))) == 2
    async with db() as session, session.begin():
        assert await lock_due_feeds(session, urls, every=timedelta(minutes=15)) == []  # not due again yet
        assert await lock_due_feeds(session, urls[:1], every=timedelta(minutes=15)) == []
        await session.execute(update(Feed).values(next_poll_at=func.now() - timedelta(seconds=1)))
    async with db() as session, session.begin():
        # A feed taken out of the configuration is no longer polled.
        assert len(await lock_due_feeds(session, urls[1:], every=timedelta(minutes=15))) == 1
