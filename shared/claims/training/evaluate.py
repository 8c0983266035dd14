"""`make eval-claims`: precision, recall and F1 of the shipped weights on every split, beside references.

Four rows per split, all trained on the same training sentences in this run and thresholded on the dev
splits the same way (best mean dev F1), so the comparison is like for like:

- ``model``: the weights in the repository, scored exactly as the service scores (``shared/claims/model.py``);
- ``no news rule``: the same training without ``NEWS_RULE``, to show what the rule does;
- ``debate only``: the same features trained on ClaimBuster alone, to show what the news sentences add;
- ``baseline``: word (1-2) and character (2-5) n-gram TF-IDF with logistic regression, a plain reference.

Then the worst errors of the shipped model on the test splits: the most confident misses and false alarms.
"""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from shared.claims.model import WEIGHTS, Model
from shared.claims.training.data import Example, load_splits
from shared.claims.training.train import best_threshold, f1, featurise, fit, scores

_DEV = ("claimbuster-dev", "news-dev")
_SHOWN_ERRORS = 5


def _baseline(train: list[Example], texts: dict[str, list[str]]) -> dict[str, np.ndarray]:
    vectorisers = [
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    ]
    x = hstack([v.fit_transform([e.text for e in train]) for v in vectorisers]).tocsr()
    lr = LogisticRegression(C=4.0, max_iter=2000).fit(x, [e.label for e in train])
    return {
        name: lr.predict_proba(hstack([v.transform(rows) for v in vectorisers]).tocsr())[:, 1]
        for name, rows in texts.items()
    }


def _at_dev_threshold(probabilities: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> tuple[float, dict]:
    threshold, _ = best_threshold([(probabilities[n], labels[n]) for n in _DEV])
    return threshold, {n: f1(labels[n], p >= threshold) for n, p in probabilities.items()}


def main() -> None:
    splits = load_splits()
    names = [n for n in splits if not n.endswith("-train")]
    labels = {n: np.array([e.label for e in splits[n]]) for n in names}
    features = {n: featurise([e.text for e in splits[n]]) for n in names}

    shipped = Model.load()
    chosen = json.loads(WEIGHTS.read_text(encoding="utf-8"))["chosen"]
    train = splits["claimbuster-train"] + splits["news-train"]
    shipped_scores = {n: scores(shipped, features[n]) for n in names}
    results = {"model": (0.5, {n: f1(labels[n], s >= 0.5) for n, s in shipped_scores.items()})}

    rows = featurise([e.text for e in train])
    unruled = Model(fit(train, rows, c=chosen["C"], news_weight=chosen["news_weight"], news_rule=False))
    results["no news rule"] = _at_dev_threshold({n: scores(unruled, features[n]) for n in names}, labels)

    debate_train = splits["claimbuster-train"]
    debate = Model(fit(debate_train, featurise([e.text for e in debate_train]), c=chosen["C"], news_weight=1.0))
    results["debate only"] = _at_dev_threshold({n: scores(debate, features[n]) for n in names}, labels)

    results["baseline"] = _at_dev_threshold(_baseline(train, {n: [e.text for e in splits[n]] for n in names}), labels)

    print(f"{'split':18} {'sentences':>9} {'positive':>8}   {'what':12} {'threshold':>9} "
          f"{'precision':>9} {'recall':>7} {'F1':>6}")  # fmt: skip
    for n in names:
        for what, (threshold, by_split) in results.items():
            p, r, f = by_split[n]
            print(f"{n:18} {len(labels[n]):9} {int(labels[n].sum()):8}   {what:12} {threshold:9.2f} "
                  f"{p:9.3f} {r:7.3f} {f:6.3f}")  # fmt: skip
    print("\n(model: the shipped weights at 0.5, the threshold chosen on the dev splits and folded into the bias.)")

    for n in ("news-test", "claimbuster-test"):
        s, y = shipped_scores[n], labels[n]
        order = np.argsort(s)
        misses = [i for i in order if y[i] == 1 and s[i] < 0.5][:_SHOWN_ERRORS]
        alarms = [i for i in order[::-1] if y[i] == 0 and s[i] >= 0.5][:_SHOWN_ERRORS]
        print(f"\nWorst errors on {n}:")
        for i in misses:
            print(f"  missed      {s[i]:.2f}  {splits[n][i].text}")
        for i in alarms:
            print(f"  false alarm {s[i]:.2f}  {splits[n][i].text}")
    assert all(math.isfinite(v) for v in shipped_scores["news-test"])


if __name__ == "__main__":
    main()
