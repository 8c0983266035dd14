"""The check-worthiness model: a logistic regression, evaluated in plain Python, and its explanation.

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
from itertools import compress, repeat
from pathlib import Path

WEIGHTS = Path(__file__).with_name("weights") / "checkworthiness.json"

_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LETTERS = (2, 3, 4, 5)  # lengths of the letter n-grams within a word
_REASONS = 5  # how many features a sentence's reasons name
_MIN_REASON = 0.15  # a feature moving the logit less than this is not worth naming
_WORD_CACHE = 50_000  # words whose letter n-gram sums are kept

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


class Model:
    def __init__(self, weights: dict) -> None:
        self.bias: float = weights["bias"]
        self.cues: dict[str, float] = weights["cues"]
        self.words: dict[str, float] = weights["words"]
        self.letters: dict[str, float] = weights["letters"]
        self._strength = {gram: abs(weight) for gram, weight in self.words.items()}
        # A word's letter n-grams always weigh the same: their sum and their count, worked out once per word.
        self._letter_sum: dict[str, float] = {}
        self._letter_count: dict[str, int] = {}

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Model:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def score(self, words: list[str], cues: dict[str, str]) -> float:
        """Check-worthiness, 0..1 rounded to 3 decimals, of a sentence's lowercase words and cues."""
        folded = fold(words)
        grams = word_grams(folded)
        # The API scores in several threads: each call keeps its own reference to the caches, and a full
        # cache is replaced, never cleared under another thread's feet.
        sums, counts = self._letter_sum, self._letter_count
        new = set(folded).difference(sums)
        if len(sums) + len(new) > _WORD_CACHE:
            sums, counts, new = {}, {}, set(folded)
            self._letter_sum, self._letter_count = sums, counts
        for word in new:
            letters = letter_grams(word)
            sums[word] = sum(map(self.letters.get, letters, repeat(0.0)))
            counts[word] = len(letters)
        # Sums over maps of dict lookups run in C: this is the hot path of every ingest.
        logit = (
            self.bias
            + sum(map(self.words.get, grams, repeat(0.0))) / math.sqrt(len(grams) or 1)
            + sum(map(sums.__getitem__, folded)) / math.sqrt(sum(map(counts.__getitem__, folded)) or 1)
            + sum(map(self.cues.get, cues, repeat(0.0)))
        )
        return round(1.0 / (1.0 + math.exp(-logit)), 3)

    def reasons(self, words: list[str], cues: dict[str, str]) -> tuple[str, ...]:
        """The cues and wording that moved the score most, strongest first; "against: ..." when down."""
        grams = word_grams(fold(words))
        norm = 1.0 / math.sqrt(len(grams) or 1)
        # Only wording strong enough to be named is sorted; figures are named by their cue, not as "000".
        distinct = list(set(grams))
        weak = _MIN_REASON / norm
        strong = compress(distinct, map(weak.__le__, map(self._strength.get, distinct, repeat(0.0))))
        moved = [(self.words[g] * norm, g, None) for g in strong if "0" not in g]
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
