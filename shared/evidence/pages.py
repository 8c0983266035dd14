"""Reading a fetched page: its main text, title, publisher and date.

HTML goes through trafilatura, which drops navigation, footers and other boilerplate. Paragraphs in
`Page.text` are separated by newlines, so passages (see `passages.py`) can point into it by offset.
Nothing here touches the network: the page has already been fetched by the SSRF-safe fetcher.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass

import trafilatura
from lxml import etree
from trafilatura.settings import DEFAULT_CONFIG

from shared.evidence.fetcher import FetchedPage

log = logging.getLogger(__name__)

# Pages read lately, by URL and content: read_page is called from several threads at once.
_RECENT_PAGES = 128
_recent: OrderedDict[tuple[str, bytes], Page] = OrderedDict()
_recent_lock = threading.Lock()

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"})

# trafilatura's own timeout uses signals, which only work in the main thread; our workers bound the
# whole task instead.
_CONFIG = deepcopy(DEFAULT_CONFIG)
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")

# An XML parser that never loads external entities or DTDs (XXE) and refuses entity expansion bombs.
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class Page:
    url: str
    title: str | None
    text: str  # main text; paragraphs separated by "\n"; "" if none could be found
    publisher: str | None  # the site's name, e.g. "Daily Planet"
    published: str | None  # ISO date, e.g. "2024-03-05"


def read_page(page: FetchedPage) -> Page:
    """The readable content of a fetched page. Never raises on bad input; the text may be empty."""
    if page.content_type in HTML_TYPES:
        # The same page is often read for every claim of an article (its cited links): extracting its text
        # is the costliest step of verification, so a page already read is not read again.
        key = (page.url, hashlib.sha256(page.body).digest())
        with _recent_lock:
            cached = _recent.get(key)
            if cached is not None:
                _recent.move_to_end(key)
                return cached
        result = _read_html(page)
        with _recent_lock:
            _recent[key] = result
            if len(_recent) > _RECENT_PAGES:
                _recent.popitem(last=False)
        return result
    if page.content_type in XML_TYPES:
        return _read_xml(page)
    return Page(page.url, None, _plain_text(page.text()), None, None)


def _read_html(page: FetchedPage) -> Page:
    html = page.text()
    if not html.strip():
        return Page(page.url, None, "", None, None)
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=page.url,
            fast=True,  # the main extractor only: the fallback extractors cost as much again, for little
            with_metadata=True,
            include_comments=False,  # reader comments are not the publisher's statement
            include_tables=True,
            include_images=False,
            include_links=False,
            config=_CONFIG,
        )
    except Exception:  # trafilatura/lxml can fail in many ways on hostile markup; a page is optional
        log.warning("could not extract %s", page.url, exc_info=True)
        doc = None
    if doc is None:
        # Nothing worth calling main text; the metadata (title at least) may still be there.
        return _metadata_only(page.url, html)
    return Page(
        url=page.url,
        title=_clean(doc.title),
        text=_tidy(doc.text or ""),
        publisher=_clean(doc.sitename),
        published=_clean(doc.date),
    )


def _metadata_only(url: str, html: str) -> Page:
    try:
        meta = trafilatura.extract_metadata(html, default_url=url)
    except Exception:
        meta = None
    if meta is None:
        return Page(url, None, "", None, None)
    return Page(url, _clean(meta.title), "", _clean(meta.sitename), _clean(meta.date))


def _read_xml(page: FetchedPage) -> Page:
    """RSS, Atom and other XML: all text content, one element per line; the first <title> as title."""
    try:
        root = etree.fromstring(page.body, parser=_XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return Page(page.url, None, _tidy(page.text()), None, None)
    if root is None:
        return Page(page.url, None, "", None, None)
    lines = [t.strip() for t in root.itertext() if t.strip()]
    title = next((el.text for el in root.iter() if _local_name(el) == "title" and el.text), None)
    return Page(page.url, _clean(title), "\n".join(lines), None, None)


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


_SPACES = re.compile(r"[ \t\f\v\r\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Control characters (NUL above all, which PostgreSQL cannot store) and unpaired surrogates carry no text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _tidy(text: str) -> str:
    """Collapse runs of spaces, one paragraph per line, no blank lines, no edge whitespace, no controls."""
    text = _SPACES.sub(" ", _CONTROLS.sub("", text.replace("\r\n", "\n")))
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _plain_text(text: str) -> str:
    """Plain text: if blank lines separate paragraphs, unwrap the hard-wrapped lines inside each one."""
    text = text.replace("\r\n", "\n")
    if _BLANK_LINES.search(text):
        text = "\n".join(p.replace("\n", " ") for p in _BLANK_LINES.split(text))
    return _tidy(text)


def _clean(value: str | None) -> str | None:
    value = _CONTROLS.sub("", value or "").strip()
    return value or None
