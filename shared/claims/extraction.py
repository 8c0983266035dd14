"""Check-worthy claims of an article body: the sentences a fact-checker would pick, with why.

Pure functions, no I/O: the ingest path and the preview (POST /v1/extract) call ``extract_claims``;
``score_sentences`` gives every sentence with its score, claim or not (the benchmark and the tests use it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from shared.claims.quantities import Quantity
from shared.claims.scoring import ScoredSentence, score_in_order
from shared.claims.sentences import split_sentences

__all__ = ["ExtractedClaim", "ScoredSentence", "extract_claims", "fingerprint", "score_sentences"]


@dataclass(slots=True)  # not frozen, as a frozen one costs four times as much to make (see Sentence)
class ExtractedClaim:
    text: str  # == body[char_start:char_end] exactly
    char_start: int
    char_end: int
    score: float  # check-worthiness, 0.0..1.0, rounded to 3 decimals
    reasons: tuple[str, ...]  # the cues and wording that moved the score most, readable
    attribution: str | None  # who said or reported it
    quantities: tuple[Quantity, ...]  # offsets into ``text``
    fingerprint: str  # sha256 of the normalised text, for duplicates across articles


def score_sentences(body: str) -> list[ScoredSentence]:
    """Every sentence of ``body`` in order, headings included, with its score and reasons."""
    return score_in_order(split_sentences(body))


def extract_claims(body: str, threshold: float = 0.5) -> list[ExtractedClaim]:
    """The sentences scoring at least ``threshold``, in order; headings never are claims."""
    return [
        ExtractedClaim(
            text=s.text,
            char_start=s.start,
            char_end=s.end,
            score=s.score,
            reasons=s.reasons,
            attribution=s.attribution,
            quantities=s.quantities,
            fingerprint=fingerprint(s.text),
        )
        for s in score_sentences(body)
        if s.score >= threshold and not s.is_heading
    ]


# Thousands separators go ("10,000" and "10000" are one figure); a decimal point between digits
# stays ("3.5" is not "35"); every other punctuation mark or symbol becomes a space.
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")  # the comma first: the engine jumps from comma to comma
# Likewise a character class first: the engine skips letters, digits and spaces in C. "_" is a word
# character, so it goes separately.
_PUNCTUATION = re.compile(r"[^\w\s](?!(?<=\d\.)\d)")
# In ASCII text (most text) every mark but the point becomes a space through one byte table, and only the points
# are left to a pattern: a fingerprint in two thirds of the time.
_ASCII_MARKS = bytes([b if chr(b).isalnum() or chr(b).isspace() or chr(b) == "." else 32 for b in range(256)])
_POINT = re.compile(r"\.(?!(?<=\d\.)\d)")


def fingerprint(text: str) -> str:
    """Stable across runs and articles: lowercase, punctuation and whitespace folded, then sha256."""
    if text.isascii():  # NFKC leaves ASCII unchanged, and casefold() of ASCII is lower()
        normalised = _THOUSANDS.sub("", text.lower())
        normalised = _POINT.sub(" ", normalised.encode("ascii").translate(_ASCII_MARKS).decode("ascii"))
    else:
        normalised = unicodedata.normalize("NFKC", text).casefold()
        normalised = _THOUSANDS.sub("", normalised)
        normalised = _PUNCTUATION.sub(" ", normalised).replace("_", " ")
    normalised = " ".join(normalised.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
