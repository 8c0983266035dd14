"""`make eval-related`: precision and recall of "the same claim" on the pairs written for the project.

The pairs (``data/related/pairs-*.tsv``, labelled by ``data/related/LABELLING.md``) are split by story:
40 % of the stories are a test split that no setting is chosen on. The threshold
(FACTCHECK_RELATED_MIN_SIMILARITY) is chosen on the tuning split, as the one with the best F1 there, and
printed; the figures on both splits are printed at the configured threshold. Also printed: how many same
pairs share a candidate key (a pair that shares none is never compared), accuracy by kind of pair, and
the errors.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from shared.claims.scoring import sentence_cues
from shared.config import get_settings
from shared.related.matching import Comparison, compare, match_keys, signature

DATA = Path(__file__).resolve().parents[2] / "data" / "related"


@dataclass(frozen=True, slots=True)
class Pair:
    group: str
    kind: str
    a: str
    b: str
    same: bool


def load_pairs(data: Path = DATA) -> dict[str, list[Pair]]:
    """{"tune": [...], "test": [...]}, split by a hash of the story, stable across runs and machines."""
    splits: dict[str, list[Pair]] = {"tune": [], "test": []}
    for path in sorted(data.glob("pairs-*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                pair = Pair(row["group"], row["kind"], row["a"], row["b"], row["same"] == "1")
                bucket = int(hashlib.sha256(f"related:{pair.group}".encode()).hexdigest(), 16) % 10
                splits["test" if bucket < 4 else "tune"].append(pair)
    return splits


def judge(pair: Pair) -> tuple[Comparison, bool]:
    """The comparison of the two claims as the service makes it, and whether they share a candidate key."""
    a, b = (signature(text, sentence_cues(text).attribution) for text in (pair.a, pair.b))
    return compare(a, b), bool(set(match_keys(a)) & set(match_keys(b)))


def scores(judged: list[tuple[Pair, Comparison, bool]], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for p, c, met in judged if p.same and met and c.same(threshold))
    fp = sum(1 for p, c, met in judged if not p.same and met and c.same(threshold))
    fn = sum(1 for p, c, met in judged if p.same and not (met and c.same(threshold)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=15, help="How many errors to print.")
    parser.add_argument("--split", choices=("tune", "test"), default="test", help="Whose accuracy and errors to print.")
    args = parser.parse_args()
    threshold = get_settings().related_min_similarity
    judged = {name: [(p, *judge(p)) for p in pairs] for name, pairs in load_pairs().items()}
    candidates = [t / 100 for t in range(50, 100)]
    best = max(candidates, key=lambda t: (scores(judged["tune"], t)[2], t))
    print(f"threshold: {threshold:g} (FACTCHECK_RELATED_MIN_SIMILARITY); best F1 on the tuning split at {best:g}\n")
    print(f"{'split':6} {'pairs':>5} {'same':>5} {'keyed':>6} {'precision':>9} {'recall':>6} {'F1':>6}")
    for name, rows in judged.items():
        same = [r for r in rows if r[0].same]
        keyed = sum(1 for r in same if r[2]) / len(same) if same else 0.0
        precision, recall, f1 = scores(rows, threshold)
        print(f"{name:6} {len(rows):5d} {len(same):5d} {keyed:6.2f} {precision:9.3f} {recall:6.3f} {f1:6.3f}")
    print("\n'keyed': the share of same pairs that share a candidate key (the rest are never compared).")
    print(f"\nAccuracy by kind of pair, {args.split} split:")
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for pair, comparison, met in judged[args.split]:
        by_kind[pair.kind].append((met and comparison.same(threshold)) == pair.same)
    for kind, right in sorted(by_kind.items()):
        print(f"  {kind:28} {sum(right):3d}/{len(right):<3d} {sum(right) / len(right):.2f}")
    errors = [(p, c, met) for p, c, met in judged[args.split] if (met and c.same(threshold)) != p.same]
    print(f"\nErrors on the {args.split} split ({len(errors)}; first {args.errors}):")
    for pair, comparison, met in errors[: args.errors]:
        said = "same" if pair.same else "different"
        why = comparison.differs or ("no shared key" if not met else f"similarity {comparison.similarity:.2f}")
        print(f"  [{pair.kind}, labelled {said}; {why}]\n    a: {pair.a}\n    b: {pair.b}")


if __name__ == "__main__":
    main()
