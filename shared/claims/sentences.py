"""Split an article body into sentences with exact character offsets.

The offsets are the contract: ``body[s.start:s.end] == s.text`` for every sentence, so a claim can
be highlighted in the original article. The text is never altered; only surrounding whitespace is
left out of the span.

One pass over each line: candidate ends (terminal punctuation, closing quotes, whitespace) are found
with one precompiled regex and each is accepted or rejected by looking at the few characters around
it, so the cost is linear in the length of the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


# Not frozen: a frozen dataclass's constructor sets each field through object.__setattr__, four times the cost,
# and the extractor makes one for every sentence.
@dataclass(slots=True)
class Sentence:
    text: str
    start: int
    end: int
    is_heading: bool


def _word_set(spec: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string, for readable word lists."""
    return frozenset(spec.split())


# Any line break ends a sentence: CRLF, CR, LF and the Unicode line and paragraph separators.
_LINE = re.compile(r"[^\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
# A wire-style section tag at the start of a line, e.g. "[WORLD]"; it is a heading of its own.
_TAG = re.compile(r"\[[^\[\]]{1,40}\]")
# A candidate end: terminal punctuation, then closing quotes or brackets, then whitespace. Decimals
# ("3.5") and grouped numbers ("100,000") never match because no whitespace follows the point.
# The first point is a class of its own, not part of "[...]+": a pattern that starts with a class lets the
# engine skip to the next candidate in C (a line is split in 0.55 of the time).
_END = re.compile(r"[.!?\u2026][.!?\u2026]*[\"'\u201d\u2019)\]]*(?=\s)")
_QUOTE_MARK = re.compile('["\u201c\u201d]')
_CLOSERS = "\"'\u201d\u2019)]"
_WORD = re.compile(r"[A-Za-z]+")

# Abbreviations that precede a name, a number or a date and so never end a sentence: "Dr. Lee",
# "Gen. Park", "Jan. 5", "e.g. floods".
_NEVER_END = _word_set(
    "mr mrs ms dr prof st gen lt col maj capt cmdr adm sgt cpl gov sen rep rev hon pres supt insp "
    "jan feb mar apr jun jul aug sep sept oct nov dec vs approx est fig vol pp cf e.g i.e"
)
# Abbreviations that often do end a sentence ("... by the U.S. The ministry said"); they end one
# only when the next word is a usual sentence opener.
_SOMETIMES_END = _word_set("etc inc corp ltd co jr sr a.m p.m u.s u.k u.n e.u")
_SENTENCE_OPENERS = _word_set(
    "The A An It Its He She They We I This That These Those There Their His Her Our But And Or So Yet "
    "In On At As After Before When While However Meanwhile Officials Police Some Many Most"
)
# Short words in a title that are not capitalised ("Strength of the Nation").
_MINOR_WORDS = _word_set("a an and as at but by for from in into of on or over the to up via vs with")

_MAX_HEADING_WORDS = 20
_MAX_HEADING_CHARS = 200
# A quote longer than this is not protected from splitting: a stray or missing quote mark must not
# glue a whole paragraph into one sentence.
_MAX_PROTECTED_QUOTE = 400


def split_sentences(body: str) -> list[Sentence]:
    """Sentences of ``body`` in order, headings included and marked."""
    sentences: list[Sentence] = []
    last_content = len(body.rstrip())  # a heading must be followed by more text
    for line in _LINE.finditer(body):
        start, end = _trim(body, line.start(), line.end())
        if start == end:
            continue
        tag = _TAG.match(body, start, end)
        if tag:
            sentences.append(Sentence(tag.group(), tag.start(), tag.end(), True))
            start, end = _trim(body, tag.end(), end)
            if start == end:
                continue
        pieces = _split_line(body, start, end)
        if len(pieces) == 1 and end < last_content and _looks_like_heading(pieces[0][0], _next_char(body, end)):
            text, s, e = pieces[0]
            sentences.append(Sentence(text, s, e, True))
            continue
        sentences.extend(Sentence(text, s, e, False) for text, s, e in pieces)
    return sentences


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _split_line(body: str, start: int, end: int) -> list[tuple[str, int, int]]:
    pieces: list[tuple[str, int, int]] = []
    quotes = _quote_spans(body, start, end)
    q = 0
    current = start
    for m in _END.finditer(body, start, end):
        nxt = m.end()
        while nxt < end and body[nxt].isspace():
            nxt += 1
        if nxt >= end:
            break
        # Inside a quotation that closes later on the line: '"We will rebuild. We start Monday," she
        # said.' stays one sentence, so the quote keeps its attribution.
        while q < len(quotes) and quotes[q][1] < m.start():
            q += 1
        if q < len(quotes) and quotes[q][0] < m.start() and m.end() <= quotes[q][1]:
            continue
        if _is_boundary(body, m.start(), m.group(), nxt):
            s, e = _trim(body, current, m.end())
            pieces.append((body[s:e], s, e))
            current = nxt
    s, e = _trim(body, current, end)
    if s < e:
        pieces.append((body[s:e], s, e))
    return pieces


def _quote_spans(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) positions of the double quotations that open and close on this line."""
    spans: list[tuple[int, int]] = []
    opened = -1
    for m in _QUOTE_MARK.finditer(body, start, end):
        i = m.start()
        ch = m.group()
        if ch == "\u201c" or (ch == '"' and opened < 0):
            opened = i
        elif (ch == "\u201d" or ch == '"') and opened >= 0:
            if i - opened <= _MAX_PROTECTED_QUOTE:
                spans.append((opened, i))
            opened = -1
    return spans


def _is_boundary(body: str, punct_start: int, punct: str, nxt: int) -> bool:
    following = body[nxt]
    # '"Go now!" he said' and "the U.S. military": a lowercase word continues the sentence.
    if following.islower():
        return False
    terminal = punct.rstrip(_CLOSERS)
    if terminal != ".":
        return True  # "?", "!", an ellipsis or a run of points before a capital
    token = _token_before(body, punct_start)
    if not token:
        return True
    lowered = token.lower()
    if len(token) == 1 and token.isupper():
        return False  # an initial: "J. R. R. Tolkien"
    if lowered in _NEVER_END:
        return False
    if lowered in ("no", "nos"):
        return not following.isdigit()  # "No. 5" but "She said no. Then ..."
    if lowered in _SOMETIMES_END or "." in token:
        opener = _WORD.match(body, nxt)
        return opener is not None and opener.group() in _SENTENCE_OPENERS
    return True


def _token_before(body: str, pos: int) -> str:
    """The word (with inner points, as in "U.S") right before the point at ``pos``."""
    i = pos
    limit = max(0, pos - 12)
    while i > limit and (body[i - 1].isalnum() or body[i - 1] == "."):
        i -= 1
    return body[i:pos]


def _next_char(body: str, pos: int) -> str:
    while pos < len(body) and body[pos].isspace():
        pos += 1
    return body[pos : pos + 1]


def _looks_like_heading(text: str, next_char: str) -> bool:
    if len(text) > _MAX_HEADING_CHARS:
        return False
    words = text.split()
    if len(words) > _MAX_HEADING_WORDS or not any(ch.isalpha() for ch in text):
        return False
    if next_char.islower() or words[-1].lower() in _MINOR_WORDS:
        return False  # a hard-wrapped sentence going on in the next line, not a heading
    last = text.rstrip(_CLOSERS)[-1:]
    if last and last not in ".!?\u2026:;,":
        return True  # no terminal punctuation at all
    # A title-case question or exclamation: "The US-North Korea Relationship: A New Low?"
    if last in "?!" and len(words) <= 12:
        significant = [w for w in words if w.lower().strip("\"'\u201c\u2018") not in _MINOR_WORDS]
        return all(_starts_capitalised(w) for w in significant)
    return False


def _starts_capitalised(word: str) -> bool:
    for ch in word:
        if ch.isalnum():
            return ch.isupper() or ch.isdigit()
    return True
