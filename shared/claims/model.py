"""The check-worthiness model: a logistic regression, evaluated in Python alone, and its explanation.

Features, the same at training and at run time (``grams`` and the cues of ``scoring.py``):

- words and word pairs of the sentence, lowercased, digits folded to 0 ("in 2016" and "in 1998" are
  one feature), weighted 1/sqrt(count) so that long sentences do not score higher for being long;
- the first and last three letters of each longer word, the character n-grams that carry grammar
  ("-ed", "-est", "-ion"), likewise weighted;
- the named cues a fact-checker looks for: a figure, a date, a named source, a direct quote, the
  writer's opinion or speculation, a question, and so on (``shared/claims/scoring.py``).

The score is sigmoid(bias + the weights of the features present). The bias is shifted at training so
that the threshold chosen on the development splits is 0.5 (``make train-claims``). The reasons are
the features that moved the score most, in words: a cue with what shows it ("a figure: 100,000
troops"), or wording ("wording: 'voted against'"); never a character n-gram.

The weights are learned from ClaimBuster (Arslan, Hassan, Li and Tremayne, "A Benchmark Dataset of
Check-worthy Factual Claims", ICWSM 2020, doi:10.5281/zenodo.3609356, CC BY) and from the news
sentences written for the project (``data/``).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from importlib import resources
from itertools import chain, repeat
from pathlib import Path
from typing import NamedTuple, cast

# Found from the package, not from __file__: in a module compiled by mypyc (native.py) that is the path it was
# compiled from, relative to the directory it was compiled in.
WEIGHTS = Path(str(resources.files("shared.claims"))) / "weights" / "checkworthiness.json"

_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LETTERS = (2, 3, 4, 5)  # lengths of the letter n-grams within a word
_REASONS = 5  # how many features a sentence's reasons name
_MIN_REASON = 0.15  # a feature moving the logit less than this is not worth naming
_WORD_CACHE = 50_000  # words whose weights are kept
_PAIR_CACHE = 100_000  # word pairs whose weights are kept

# How each cue reads in a reason; "named source" and "unnamed source" carry their own wording.
CUE_LABELS = {
    "figure": "a figure",
    "approximate figure": "an approximate figure",
    "counted figure": "a figure with what it counts",
    "date": "a date",
    "time": "a time",
    "event": "an event",
    "named source": "",
    "unnamed source": "",
    "interpretation": "the writer's interpretation",
    "direct quote": "a direct quote",
    "quoted phrase": "a quoted phrase",
    "quote with its source": "a quote with who said it",
    "names": "names",
    "a name": "names",
    "concrete action": "a concrete action",
    "first-person record": "a first-person record",
    "comparison": "a comparison",
    "opinion, the writer's": "the writer's opinion",
    "opinion, the source's": "the source's opinion",
    "speculation, the writer's": "the writer's speculation",
    "speculation, the source's": "a hedge, the source's",
    "future, the writer's": "a prediction",
    "future, the source's": "a prediction, the source's",
    "evaluative claim": "an evaluative claim",
    "evaluative word": "evaluative wording",
    "hedged report with a figure": "a hedged report of a figure",
    "speculation with nothing to check": "the writer's guess, with no figure or source",
    "opinion with nothing to check": "the writer's view, with no figure or source",
    "heading": "a heading",
    "question": "a question",
    "very short": "very short",
    "very long": "very long",
}


def fold(words: list[str]) -> list[str]:
    """Lowercase words with every digit as 0: "in 2016" and "in 1998" are one feature.

    Words are ASCII (the tokeniser takes letters, digits, apostrophes and hyphens), so the bytes are
    translated: a table lookup in C, several times faster than str.translate.
    """
    return " ".join(words).encode("ascii").translate(_DIGITS).decode("ascii").split()


def word_grams(folded: list[str]) -> list[str]:
    """The words and the pairs of neighbouring words."""
    return folded + list(map(" ".join, zip(folded, folded[1:], strict=False)))


def letter_grams(word: str) -> list[str]:
    """The 2- to 5-letter n-grams of " word ", edges marked by the spaces: "-ed ", "est ", " un"."""
    padded = f" {word} "
    return [padded[i : i + n] for n in _LETTERS for i in range(len(padded) - n + 1)]


class Weighed(NamedTuple):
    """A sentence's words as the model weighs them, worked out once for its score and its reasons."""

    folded: tuple[str, ...]
    words: tuple[float, ...]  # the weight of each word
    pairs: list[float]  # the weight of each pair of neighbouring words
    letter_sums: tuple[float, ...]  # per word, its letter n-grams' weights summed
    letter_counts: tuple[int, ...]  # per word, how many letter n-grams it has


class Model:
    def __init__(self, weights: dict) -> None:
        self.bias: float = weights["bias"]
        self.cues: dict[str, float] = weights["cues"]
        self.words: dict[str, float] = weights["words"]
        self.letters: dict[str, float] = weights["letters"]
        # Word pairs by their two words: looked up without joining each pair into a string first. The words
        # are interned, as the cache below interns them, so comparing keys compares pointers, not letters.
        self._pairs = {
            tuple(map(sys.intern, gram.split(" "))): weight for gram, weight in self.words.items() if " " in gram
        }
        # A word always weighs the same: its folded form, its own weight, and its letter n-grams' sum and
        # count, worked out once and then found with one lookup in a small dictionary.
        self._by_word: dict[str, tuple[str, float, float, int]] = {}
        # Likewise the pairs seen lately: a small dictionary stays in the processor's cache, the big one does not.
        self._by_pair: dict[tuple[str, str], float] = {}

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Model:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def score(self, words: list[str], cues: dict[str, str], weighed: Weighed | None = None) -> float:
        """Check-worthiness, 0..1 rounded to 3 decimals, of a sentence's lowercase words (``weigh(words)``
        if already worked out) and cues."""
        folded, unigrams, pairs, letter_sums, letter_counts = weighed or self.weigh(words)
        # Sums run in C, over the weights in the order word_grams gives them, so the sum is the one training
        # computes to the last bit: this is the hot path of every ingest.
        logit = (
            self.bias
            + sum(chain(unigrams, pairs)) / math.sqrt(len(folded) + len(pairs) or 1)
            + sum(letter_sums) / math.sqrt(sum(letter_counts) or 1)
            + sum(map(self.cues.get, cues, repeat(0.0)))
        )
        return round(1.0 / (1.0 + math.exp(-logit)), 3)

    def weigh(self, words: list[str]) -> Weighed:
        """What the score and the reasons of a sentence's lowercase words are made of."""
        return self.weigh_all([words])[0]

    def weigh_all(self, sentences: list[list[str]]) -> list[Weighed]:
        """``weigh`` of each of the sentences, their words looked up all at once: per sentence, setting up the
        lookups cost as much as making them."""
        words = list(chain.from_iterable(sentences))
        if not words:
            return [Weighed((), (), [], (), ()) for _ in sentences]
        try:  # nearly always every word is known: no set of the new ones is built
            folded, unigrams, letter_sums, letter_counts = zip(*map(self._by_word.__getitem__, words), strict=True)
        except KeyError:
            folded, unigrams, letter_sums, letter_counts = zip(*map(self._learn(words).__getitem__, words), strict=True)
        # The pairs are looked up over all the words at once, so each pair that spans two sentences is looked up
        # too, and left out when the pairs are sliced below.
        by_pair = self._by_pair
        known = list(map(by_pair.get, zip(folded, folded[1:], strict=False)))
        if None in known:  # pairs not seen lately: those are looked up in the weights and kept
            if len(by_pair) + known.count(None) > _PAIR_CACHE:
                by_pair = self._by_pair = {}
            pairs = [
                weight if weight is not None else by_pair.setdefault(pair, self._pairs.get(pair, 0.0))
                for weight, pair in zip(known, zip(folded, folded[1:], strict=False), strict=True)
            ]
        else:
            pairs = cast("list[float]", known)
        weighed = []
        start = 0
        for sentence in sentences:
            end = start + len(sentence)
            weighed.append(
                Weighed(
                    folded[start:end],
                    unigrams[start:end],
                    pairs[start : max(start, end - 1)],
                    letter_sums[start:end],
                    letter_counts[start:end],
                )
            )
            start = end
        return weighed

    def _learn(self, words: list[str]) -> dict[str, tuple[str, float, float, int]]:
        """The cache of words' weights, with ``words`` in it."""
        # The API scores in several threads: each call keeps its own reference to the cache, and a full
        # cache is replaced, never cleared under another thread's feet.
        by_word = self._by_word
        new = set(words).difference(by_word)
        if len(by_word) + len(new) > _WORD_CACHE:
            by_word = self._by_word = {}
            new = set(words)
        for word, folded_word in zip(new, fold(list(new)), strict=True):
            letters = letter_grams(folded_word)
            by_word[word] = (
                sys.intern(folded_word),
                self.words.get(folded_word, 0.0),
                sum(map(self.letters.get, letters, repeat(0.0))),
                len(letters),
            )
        return by_word

    def reasons(self, words: list[str], cues: dict[str, str], weighed: Weighed | None = None) -> tuple[str, ...]:
        """The cues and wording that moved the score most, strongest first; "against: ..." when down."""
        folded, unigrams, pairs, _, _ = weighed or self.weigh(words)
        norm = 1.0 / math.sqrt(len(folded) + len(pairs) or 1)
        # Only wording strong enough to be named is spelled out and sorted (a few grams of a sentence's
        # dozens); figures are named by their cue, not as "000". The grams come in the order word_grams
        # gives them, each once: between equal weights the wording that comes first in the sentence comes
        # first (the sort is stable), the same reasons in every process, whatever its hash seed.
        weak = _MIN_REASON / norm
        strong = {folded[i]: weight for i, weight in enumerate(unigrams) if weak <= abs(weight)}
        for i, weight in enumerate(pairs):
            if weak <= abs(weight):
                strong.setdefault(f"{folded[i]} {folded[i + 1]}", weight)
        moved: list[tuple[float, str, str | None]] = [
            (weight * norm, g, None) for g, weight in strong.items() if "0" not in g
        ]
        moved += [(self.cues.get(cue, 0.0), cue, shown) for cue, shown in cues.items()]
        moved.sort(key=_strength, reverse=True)
        reasons = []
        for weight, name, shown in moved[:_REASONS]:
            if abs(weight) < _MIN_REASON:
                break
            reason = f"wording: '{name}'" if shown is None else _cue_reason(name, shown)
            reasons.append(reason if weight > 0 else f"against: {reason}")
        return tuple(reasons)


def _strength(item: tuple) -> float:
    return abs(item[0])


def _cue_reason(cue: str, shown: str) -> str:
    label = CUE_LABELS.get(cue, cue)
    return f"{label}: {shown}" if label else shown


@functools.cache
def shipped() -> Model:
    """The weights in the repository, loaded once per process."""
    return Model.load()
