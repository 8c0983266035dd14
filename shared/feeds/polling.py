"""Polling feeds: which are due, reading one, and storing its items as source documents.

The relay sends `feeds.poll` for each configured feed when it is due (the same outbox idea as the
verification tasks: the schedule lives in the database, so nothing is missed while a process is down).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import feedparser
import lxml.html
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.evidence.fetcher import FetchedPage
from shared.feeds.models import Feed, SourceDocument

FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"


@dataclass(frozen=True, slots=True)
class Entry:
    url: str
    title: str | None
    text: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    entries: list[Entry]


async def lock_due_feeds(session: AsyncSession, urls: list[str], *, every: timedelta) -> list[int]:
    """The configured feeds due for a poll, each scheduled for its next one in the same transaction."""
    if not urls:
        return []
    await session.execute(pg_insert(Feed).values([{"url": u} for u in urls]).on_conflict_do_nothing())
    ids = list(
        await session.scalars(
            select(Feed.id)
            .where(Feed.url.in_(urls), Feed.next_poll_at <= func.now())
            .order_by(Feed.id)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        await session.execute(update(Feed).where(Feed.id.in_(ids)).values(next_poll_at=func.now() + every))
    return ids


async def feed_url(session: AsyncSession, feed_id: int) -> str | None:
    return await session.scalar(select(Feed.url).where(Feed.id == feed_id))


def parse_feed(page: FetchedPage) -> ParsedFeed:
    """RSS or Atom, by feedparser; items without a link are dropped (evidence needs a URL)."""
    parsed = feedparser.parse(page.body, response_headers={"content-location": page.url})
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a feed: {parsed.get('bozo_exception', 'unreadable')}")
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        html = (item.get("content") or [{}])[0].get("value") or item.get("summary") or ""
        entries.append(Entry(link, item.get("title"), _text_of(html), _moment(item)))
    return ParsedFeed(parsed.feed.get("title"), entries)


async def store_feed(session: AsyncSession, feed_id: int, parsed: ParsedFeed) -> int:
    """Insert new items and refresh changed ones; returns how many items the feed had."""
    if parsed.entries:
        rows = [
            {
                "feed_id": feed_id,
                "url": e.url,
                "title": e.title,
                "text": e.text,
                "publisher": parsed.title,
                "published_at": e.published_at,
                "content_hash": hashlib.sha256(f"{e.title}\n{e.text}".encode()).hexdigest(),
            }
            for e in {e.url: e for e in parsed.entries}.values()  # a feed may list an item twice
        ]
        statement = pg_insert(SourceDocument).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[SourceDocument.url],
                set_={c: statement.excluded[c] for c in ("title", "text", "publisher", "published_at", "content_hash")},
                where=SourceDocument.content_hash != statement.excluded.content_hash,
            )
        )
    await record_poll(session, feed_id, None, title=parsed.title)
    return len(parsed.entries)


async def record_poll(session: AsyncSession, feed_id: int, error: str | None, *, title: str | None = None) -> None:
    values = {"last_polled_at": func.now(), "last_error": error}
    if title:
        values["title"] = title
    await session.execute(update(Feed).where(Feed.id == feed_id).values(**values))


def _text_of(html: str) -> str:
    if not html.strip():
        return ""
    try:
        return " ".join(lxml.html.fromstring(html).text_content().split())
    except (ValueError, lxml.etree.ParserError):
        return " ".join(html.split())


def _moment(item) -> datetime | None:
    parsed = item.get("published_parsed") or item.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
