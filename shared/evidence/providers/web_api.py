"""What the search-API providers share: request URLs, JSON read defensively, secrets kept out of reports.

A search API is untrusted input like any page: it may answer garbage, an HTML error page, JSON of another
shape, or nothing at all. Everything here turns such answers into a `Problem` a person can read, and the
accessors below never raise on a wrong shape, so a provider can walk a response without try/except.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from shared.evidence.fetcher import FetchedPage, FetchError, SafeFetcher
from shared.evidence.providers.base import Finding, Problem

JSON = "application/json"
PREVIEW_CHARS = 200
MAX_URL_CHARS = 2048

# Requests and reports


def with_params(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to its query string (percent-encoded, spaces as %20)."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote, safe="")))


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret (as written or percent-encoded) replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return text


def public_url(url: str, secrets: Iterable[str] = ()) -> str:
    """`url` without the query parameters whose value is a secret (an API key), fit to show and store."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return url
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if v not in secrets]
    shown = urlunsplit(parts._replace(query=urlencode(kept, quote_via=quote, safe="")))
    return scrub(shown, secrets)


def primary_language(tag: str | None) -> str | None:
    """The primary subtag of a language tag ("en-GB" -> "en"), or None when it names no language."""
    primary = re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()
    if re.fullmatch(r"[a-z]{2,3}", primary) and primary not in {"und", "mul", "zxx", "mis"}:
        return primary
    return None


# Reading JSON


async def get_json(
    fetcher: SafeFetcher,
    url: str,
    *,
    provider: str,
    service: str,
    secrets: Iterable[str] = (),
    not_json: str | None = None,
) -> object | Problem:
    """The parsed JSON at `url`, or a Problem naming `service` ("GDELT search") and what went wrong.

    `secrets` never appear in the Problem (reason or URL). `not_json` replaces "<service> answered ... instead
    of JSON" when the answer is plain words, which is how some services refuse a request (GDELT: "GDELT did
    not accept the query").
    """
    secrets = [s for s in secrets if s]
    shown = public_url(url, secrets)
    try:
        page = await fetcher.fetch(url, accept=JSON)
    except FetchError as exc:
        return Problem(provider, scrub(f"{service} failed: {exc.reason}", secrets), shown)
    return parse_json(page, provider=provider, service=service, url=shown, secrets=secrets, not_json=not_json)


def parse_json(
    page: FetchedPage,
    *,
    provider: str,
    service: str,
    url: str,
    secrets: Iterable[str] = (),
    not_json: str | None = None,
) -> object | Problem:
    text = page.text().lstrip("\ufeff")
    if not text.strip():
        return Problem(provider, f"{service} answered an empty body instead of JSON", url)
    try:
        return json.loads(text, strict=False)  # strict=False: raw control characters inside strings happen
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        pass
    body = text.lstrip()
    if body.startswith("<"):
        lead = f"{service} answered an HTML page instead of JSON"
    elif page.content_type == JSON or page.content_type.endswith("+json"):
        lead = f"{service} answered {page.content_type} that is not valid JSON"
    else:  # plain words: how some services (GDELT) refuse a request
        lead = not_json or f"{service} answered {page.content_type or 'a body'} instead of JSON"
    # Scrubbed before the preview is cut short, so no part of a secret can survive at the cut.
    return Problem(provider, f"{lead}: {preview(scrub(text, secrets))}", url)


_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# Control characters (but tab and newline) and lone surrogates: no text, and PostgreSQL refuses NUL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """A short readable rendering of a body: an HTML page's title and text without tags, on one line."""
    text = text[:50_000]
    title = _TITLE.search(text)
    body = _TAGS.sub(" ", _SCRIPTS.sub(" ", _TITLE.sub(" ", text)))
    shown = " ".join(part for part in (title.group(1) if title else "", body) if part)
    shown = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", shown))).strip()
    shown = _CONTROLS.sub("", shown).replace("\ufffd", "")
    if not shown:
        return "(nothing readable)"
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"


# Walking untrusted JSON: never raise on a wrong shape.


def dig(value: object, *keys: str) -> object:
    """value[k1][k2]... through dicts only; None as soon as something is missing or not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def text_of(value: object, limit: int = 10_000) -> str | None:
    """A non-empty string, stripped and capped, without control characters; None for anything else."""
    if not isinstance(value, str):
        return None
    value = _CONTROLS.sub("", value[:limit]).strip()
    return value or None


def http_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL with a host; None otherwise (javascript:, relative, junk)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS or _SPACE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def with_publisher(finding: Finding, publisher: str | None) -> Finding:
    """Name the publisher when the page named none: page readers fall back to the host (127.0.0.1:8000)."""
    current = (finding.publisher or "").lower().removeprefix("www.")
    try:
        netloc = urlsplit(finding.url).netloc.lower().removeprefix("www.")
    except ValueError:
        netloc = ""
    if publisher and (not current or current in (netloc, host_of(finding.url))):
        return replace(finding, publisher=publisher)
    return finding
