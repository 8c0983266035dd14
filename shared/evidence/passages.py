"""Finding the passage of a source that best matches a claim.

The source is cut into sentences (with their offsets), sentences are grouped into overlapping windows
of a few sentences, and each window is scored by how much of the claim's "weight" it covers:

- a claim word's weight is its rarity across the windows (IDF-like: a word found in every window says
  little about which window is the right one), times a boost for numbers and capitalised names, which
  are what a claim usually hinges on;
- words are normalised lightly (lower case, no punctuation, "4,000" == "4000", simple plural and
  suffix folding so "troops" matches "troop"), and stopwords are ignored.

The relevance of a window is the share of the claim's weight it covers, 0..1. Pure and deterministic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

NUMBER_BOOST = 2.0
NAME_BOOST = 1.5
MAX_SENTENCE_CHARS = 400  # longer "sentences" (tables, unpunctuated text) are cut, so no window is a blob


@dataclass(frozen=True)
class Passage:
    text: str  # == source_text[start:end]
    start: int
    end: int
    relevance: float  # 0..1: the share of the claim's weighted words found in this passage


def best_passages(claim_text: str, source_text: str, *, limit: int = 1, window_sentences: int = 2) -> list[Passage]:
    """The passages of `source_text` that best match `claim_text`, best first, not overlapping.

    Passages with nothing in common with the claim are not returned, so the list may be shorter than
    `limit` or empty.
    """
    claim_weights = _claim_boosts(claim_text)
    sentences = split_sentences(source_text)
    if limit < 1 or not claim_weights or not sentences:
        return []
    # Only claim terms can score, so each sentence keeps just those.
    sentence_terms = [claim_weights.keys() & terms_of(source_text[start:end]) for start, end in sentences]
    windows = _windows(sentences, sentence_terms, max(1, window_sentences))

    # Rarity of each claim term over the windows; a term no window has gets the highest weight.
    document_frequency = Counter(term for _, _, terms in windows for term in terms)
    n = len(windows)
    weights = {
        term: boost * (1.0 + math.log((n + 1) / (document_frequency[term] + 1)))
        for term, boost in claim_weights.items()
    }
    total = sum(weights.values())

    scored = []
    for start, end, terms in windows:
        covered = sum(weights[t] for t in terms)
        if covered > 0:
            # Best coverage first; among equals the shorter window, then the earlier one.
            scored.append((-covered, end - start, start, end))
    scored.sort()

    chosen: list[Passage] = []
    for neg_covered, _, start, end in scored:
        if any(start < p.end and p.start < end for p in chosen):
            continue
        relevance = round(min(1.0, -neg_covered / total), 4)
        chosen.append(Passage(source_text[start:end], start, end, relevance))
        if len(chosen) == limit:
            break
    return chosen


# Sentences.

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a line break.
_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s)|\n""")
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof sr jr st mt vs etc e.g i.e inc ltd co corp gov gen col lt sgt rep sen fig "
    "jan feb mar apr jun jul aug sep sept oct nov dec approx dept univ"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)*[^\W\d_]$")  # J, U.S, e.g


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group() != "\n" and _is_abbreviation(text[start : match.start()]):
            continue
        _add_sentence(text, start, match.end(), spans)
        start = match.end()
    _add_sentence(text, start, len(text), spans)
    return spans


def _is_abbreviation(before: str) -> bool:
    """True if the period just after `before` ends an abbreviation (Dr.) or an initial (J.), not a sentence."""
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or bool(_INITIALS.match(word))


def _add_sentence(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    # Trim whitespace, then cut over-long sentences at a space so one blob cannot cover every claim.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        _add_sentence(text, start, cut, spans)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start and any(ch.isalnum() for ch in text[start:end]):
        spans.append((start, end))


def _windows(
    sentences: list[tuple[int, int]], sentence_terms: list[set[str]], size: int
) -> list[tuple[int, int, set[str]]]:
    """Overlapping runs of `size` consecutive sentences: (start, end, terms)."""
    count = max(1, len(sentences) - size + 1)
    windows = []
    for i in range(count):
        group = range(i, min(i + size, len(sentences)))
        terms = set().union(*(sentence_terms[j] for j in group))
        windows.append((sentences[group[0]][0], sentences[group[-1]][1], terms))
    return windows


# Words.

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*")
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say according
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def terms_of(text: str) -> list[str]:
    """The normalised content words of `text`, in order."""
    return [term for word in _TOKEN.findall(text) if (term := _normalise(word)) is not None]


def _tokens(text: str) -> list[tuple[str, str]]:
    """(original, normalised) for each content word of `text`."""
    return [(word, term) for word in _TOKEN.findall(text) if (term := _normalise(word)) is not None]


@lru_cache(maxsize=65_536)  # words repeat a lot in a long source; this is most of the time spent
def _normalise(word: str) -> str | None:
    """The term a word counts as, or None for stopwords and single letters."""
    if word[0].isdigit():
        return _number(word)
    lowered = word.lower().replace("’", "'")
    if lowered.endswith("'s"):
        lowered = lowered[:-2]
    if lowered in _STOPWORDS or len(lowered) < 2:
        return None
    return _stem(lowered)


def _number(word: str) -> str:
    # "4,000" and "4000" are the same number; "3.50" and "3.5" too. A comma followed by exactly three
    # digits is a thousands separator; any other comma is a decimal comma ("3,5" in much of Europe).
    parts = re.split(r"[.,]", word)
    separators = re.findall(r"[.,]", word)
    digits = parts[0].lstrip("0") or "0"
    for separator, part in zip(separators, parts[1:], strict=True):
        digits += part if separator == "," and len(part) == 3 else "." + part
    if digits.count(".") == 1:
        digits = digits.rstrip("0").rstrip(".")
    return digits


def _stem(word: str) -> str:
    """Very light suffix folding; the same on both sides is what matters, not linguistic accuracy."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _claim_boosts(claim_text: str) -> dict[str, float]:
    """Each claim term with its boost: numbers and capitalised names count more."""
    boosts: dict[str, float] = {}
    for original, term in _tokens(claim_text):
        if original[0].isdigit():
            boost = NUMBER_BOOST
        elif original[0].isupper():
            boost = NAME_BOOST
        else:
            boost = 1.0
        boosts[term] = max(boost, boosts.get(term, 0.0))
    return boosts
