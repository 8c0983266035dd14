"""`make train-claims`: learn the check-worthiness weights from the shipped data, reproducibly.

Trains on ``claimbuster-train`` and ``news-train``; picks the regularisation, the weight of the news
sentences and the threshold on ``claimbuster-dev`` and ``news-dev`` (the mean of their F1 scores, so
that speech and news count alike); never looks at a test split. The same data gives the same weights:
the solver is deterministic and the file is written with sorted keys and rounded weights.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from shared.claims.model import WEIGHTS, Model, fold, letter_grams, word_grams
from shared.claims.scoring import _Tokens, sentence_cues
from shared.claims.training.data import Example, load_splits

# What news needs where the debate data disagree: the writer's own guess or view, with no figure, date or
# source in the sentence, is never a claim in news (data/news/LABELLING.md), but in debates the same
# words ("we could cut taxes") sit near claims and the learned weights stay mild. Set from the guide, not
# fitted; `make eval-claims` shows what it does on every split ("no news rule").
NEWS_RULE = {"speculation with nothing to check": -1.0, "opinion with nothing to check": -1.0}
MIN_COUNT = 2  # a word or pair seen once in training teaches nothing that generalises
DECIMALS = 4  # weights are rounded in the file: small, and identical across runs
C_GRID = (2.0, 4.0, 8.0)
NEWS_WEIGHT_GRID = (2.0, 4.0)


@dataclass(frozen=True, slots=True)
class Featurised:
    tokens: list[str]  # the sentence's lowercase words, as Model.score takes them
    cues: dict[str, str]
    words: list[str]  # word grams
    letters: list[str]  # letter grams


def featurise(texts: Sequence[str]) -> list[Featurised]:
    out = []
    for text in texts:
        tokens = _Tokens(text).lowers
        folded = fold(tokens)
        letters = [g for word in folded for g in letter_grams(word)]
        out.append(Featurised(tokens, sentence_cues(text).cues, word_grams(folded), letters))
    return out


class Vocabulary:
    """Feature name -> column, for the three groups; grams seen fewer than MIN_COUNT times are left out."""

    def __init__(self, rows: list[Featurised]) -> None:
        words = Counter(g for r in rows for g in set(r.words))
        letters = Counter(g for r in rows for g in set(r.letters))
        cues = Counter(c for r in rows for c in r.cues)
        self.names: list[tuple[str, str]] = (
            [("words", g) for g in sorted(g for g, n in words.items() if n >= MIN_COUNT)]
            + [("letters", g) for g in sorted(g for g, n in letters.items() if n >= MIN_COUNT)]
            + [("cues", c) for c in sorted(cues)]
        )
        self.index = {name: i for i, name in enumerate(self.names)}

    def matrix(self, rows: list[Featurised]) -> csr_matrix:
        """The same values the model sums at run time: 1/sqrt(count) per gram occurrence, 1 per cue."""
        data, cols, indptr = [], [], [0]
        for r in rows:
            cells: dict[int, float] = {}
            for group, grams_ in (("words", r.words), ("letters", r.letters)):
                value = 1.0 / math.sqrt(len(grams_) or 1)
                for g in grams_:
                    col = self.index.get((group, g))
                    if col is not None:
                        cells[col] = cells.get(col, 0.0) + value
            for c in r.cues:
                col = self.index.get(("cues", c))
                if col is not None:
                    cells[col] = 1.0
            for col in sorted(cells):
                cols.append(col)
                data.append(cells[col])
            indptr.append(len(cols))
        return csr_matrix((data, cols, indptr), shape=(len(rows), len(self.names)))


def fit(train: list[Example], rows: list[Featurised], c: float, news_weight: float, news_rule: bool = True) -> dict:
    """Weights in the file's shape (threshold not yet folded into the bias)."""
    vocabulary = Vocabulary(rows)
    labels = np.array([e.label for e in train])
    sample_weight = np.array([news_weight if e.genre == "news" else 1.0 for e in train])
    lr = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
    lr.fit(vocabulary.matrix(rows), labels, sample_weight=sample_weight)
    weights: dict = {"bias": float(lr.intercept_[0]), "words": {}, "letters": {}, "cues": {}}
    for (group, name), w in zip(vocabulary.names, lr.coef_[0], strict=True):
        w = round(float(w), DECIMALS)
        if w:
            weights[group][name] = w
    for cue, shift in NEWS_RULE.items() if news_rule else ():
        weights["cues"][cue] = round(weights["cues"].get(cue, 0.0) + shift, DECIMALS)
    return weights


def scores(model: Model, rows: list[Featurised]) -> np.ndarray:
    """Scores of featurised rows, computed as the service computes them."""
    return np.array([model.score(r.tokens, r.cues) for r in rows])


def f1(labels: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    tp = int(np.sum(predicted & (labels == 1)))
    precision = tp / max(1, int(predicted.sum()))
    recall = tp / max(1, int(labels.sum()))
    return precision, recall, (2 * precision * recall / (precision + recall) if tp else 0.0)


def best_threshold(dev: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """(threshold, mean dev F1): the threshold with the best mean F1 over the dev splits."""
    best = (0.5, -1.0)
    for t in np.round(np.arange(0.10, 0.91, 0.01), 2):
        mean = sum(f1(labels, s >= t)[2] for s, labels in dev) / len(dev)
        if mean > best[1] + 1e-9:
            best = (float(t), mean)
    return best


def train(splits: dict[str, list[Example]], log=print) -> tuple[dict, dict]:
    """(weights with the threshold folded into the bias, what was chosen and why)."""
    train_rows = splits["claimbuster-train"] + splits["news-train"]
    features = featurise([e.text for e in train_rows])
    dev = {name: (featurise([e.text for e in splits[name]]), np.array([e.label for e in splits[name]]))
           for name in ("claimbuster-dev", "news-dev")}  # fmt: skip
    best: tuple[float, dict, float, dict] | None = None
    for c, news_weight in itertools.product(C_GRID, NEWS_WEIGHT_GRID):
        weights = fit(train_rows, features, c, news_weight)
        model = Model(weights)
        threshold, mean = best_threshold([(scores(model, rows), labels) for rows, labels in dev.values()])
        settings = {"C": c, "news_weight": news_weight}
        log(f"  {settings} threshold={threshold:.2f}  mean dev F1={mean:.3f}")
        if best is None or mean > best[0] + 1e-9:
            best = (mean, settings, threshold, weights)
    assert best is not None
    mean, settings, threshold, weights = best
    weights["bias"] = round(weights["bias"] - math.log(threshold / (1 - threshold)), DECIMALS)
    chosen = {**settings, "dev_threshold": threshold, "mean_dev_f1": round(mean, 4)}
    return weights, chosen


def document(weights: dict, chosen: dict) -> str:
    """The weights file's text: sorted keys and rounded weights, so the same data gives the same bytes."""
    return json.dumps({
        "about": "Check-worthiness weights; see shared/claims/model.py. Derived from ClaimBuster (Arslan, "
        "Hassan, Li and Tremayne, ICWSM 2020, doi:10.5281/zenodo.3609356, CC BY) and data/news.",
        "chosen": chosen,
        **weights,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"  # fmt: skip


def same_weights(trained: object, shipped: object) -> bool:
    """The same features and choices, every number equal or one unit of the file's last decimal apart.

    Training twice on one machine gives the same bytes, but between two machines 93 of 70,000 weights were
    written one unit apart, nothing else differing: weights lying on a rounding edge, most likely because
    numpy picks its vector code by processor at run time and so sums in another order. Any change of code or
    data moves far more weights, and by more.
    """
    if isinstance(trained, dict) and isinstance(shipped, dict):
        return trained.keys() == shipped.keys() and all(same_weights(trained[k], shipped[k]) for k in trained)
    numbers = (int, float)
    if isinstance(trained, numbers) and isinstance(shipped, numbers) and not isinstance(trained, bool):
        return abs(trained - shipped) <= 1.5 * 10**-DECIMALS
    return trained == shipped


def write(weights: dict, chosen: dict, path: Path = WEIGHTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document(weights, chosen))


def main() -> None:
    check = sys.argv[1:] == ["--check"]  # CI: are the shipped weights what this code and data give?
    splits = load_splits()
    for name, rows in splits.items():
        print(f"{name:18} {len(rows):6} sentences, {sum(e.label for e in rows):5} check-worthy")
    print("Choosing C and the news weight on the dev splits:")
    weights, chosen = train(splits)
    if check:
        if not same_weights(json.loads(document(weights, chosen)), json.loads(WEIGHTS.read_text(encoding="utf-8"))):
            sys.exit(f"{WEIGHTS.name} is not what training gives today: run make train-claims and commit it.")
        print(f"{WEIGHTS.name} is what training gives.")
        return
    write(weights, chosen)
    size = WEIGHTS.stat().st_size
    print(f"Chosen: {chosen}. Wrote {WEIGHTS.relative_to(Path.cwd())} ({size / 1e6:.1f} MB, "
          f"{sum(len(weights[g]) for g in ('words', 'letters', 'cues'))} weights).", file=sys.stdout)  # fmt: skip


if __name__ == "__main__":
    main()
