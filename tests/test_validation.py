"""The field types' patterns, which the OpenAPI document states, accept exactly what their validators accept."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.articles.schemas import ArticleCreate
from shared.review.transitions import ENTITY_TAG_PATTERN, parse_if_match
from shared.validation import HTTP_URL_PATTERN, MOMENT_PATTERN, HttpUrl, Moment, NonBlankText, Text

URLS = [
    "http://example.org", "HTTPS://example.org/a?b=c#d", " https://example.org/x\n", "http://user:pw@host:8080/",
    "http://a@b@host/", "http://[::1]/", "http://[2001:db8::1]:443/x", "http://[::ffff:192.0.2.1]/",
    "http://[1:2:3:4:5:6:7:8]/", "http://bücher.example/", "http://host:/",
    "ftp://example.org", "http://", "http:///path", "http://:80/", "http://host:port/", "http://[::1/",
    "http://[1::2::3]/", "http://[::ffff:01.2.3.4]/", "http://exa mple.org", "http://example.org/\x7f\x01",
    "http://example.org/\u3000", "http://ex]ample.org", "mailto:someone@example.org", "//example.org",
]  # fmt: skip
TEXTS = ["a", " a ", "\u200ba", "\x1c", " \t\n", "\x00", "a\x00", "\u3000", "\x85x", "\U0001f600"]
MOMENTS = [
    "2026-11-18T09:00:00Z", "2026-11-18T09:00:00", "2026-11-18", "0002-01-01T00:00:00+23:59",
    "9998-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "0.5", "1700000000", "-1",
    "yesterday",
]  # fmt: skip
ETAGS = ['"3"', "3", ' "3" ', '"3', '3"', 'W/"3"', "*", '"1", "2"', "", "\t7\t", "12345678901234567890"]


def _accepted(type_, value) -> bool:
    try:
        TypeAdapter(type_).validate_python(value)
    except ValidationError:
        return False
    return True


def _pattern(type_) -> str:
    return TypeAdapter(type_).json_schema()["pattern"]


@pytest.mark.parametrize("url", URLS)
def test_a_url_is_accepted_exactly_when_the_documented_pattern_matches(url):
    assert _pattern(HttpUrl) == HTTP_URL_PATTERN
    assert _accepted(HttpUrl, url) == bool(re.search(HTTP_URL_PATTERN, url)), url


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("type_", [Text, NonBlankText], ids=["Text", "NonBlankText"])
def test_a_text_is_accepted_exactly_when_the_documented_pattern_matches(type_, text):
    assert _accepted(type_, text) == bool(re.search(_pattern(type_), text)), repr(text)


@pytest.mark.parametrize("body", TEXTS + ["\u200b\u200c\ufeff", "\u00ad x"])
def test_an_article_body_is_accepted_exactly_when_the_documented_pattern_matches(body):
    pattern = ArticleCreate.model_json_schema()["properties"]["body"]["pattern"]
    assert _accepted(ArticleCreate, {"title": "t", "body": body}) == bool(re.search(pattern, body)), repr(body)


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_moment_outside_the_documented_years_or_not_iso_8601_text_is_refused(moment):
    if not re.search(MOMENT_PATTERN, moment):
        assert not _accepted(Moment, moment), moment
    else:  # and every one accepted comes out as a moment in UTC that PostgreSQL can store
        assert TypeAdapter(Moment).validate_python(moment).utcoffset() is not None


@pytest.mark.parametrize("value", ETAGS)
def test_if_match_is_read_exactly_when_the_documented_pattern_matches(value):
    assert (parse_if_match(value) is not None) == bool(re.search(ENTITY_TAG_PATTERN, value)), repr(value)
