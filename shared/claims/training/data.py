"""The labelled sentences the model learns from and is measured on, split once and for all.

Splits are derived from stable ids (a ClaimBuster sentence id, a news document id) through a hash, so
they never change when rows are added elsewhere and a news document's sentences stay together:

- ``claimbuster-train`` / ``-dev`` / ``-test``: 70 / 10 / 20 % of ``groundtruth.tsv``;
- ``crowdsourced-test``: all of ``crowdsourced.tsv``, a separately labelled set, test only;
- ``news-train`` / ``-dev`` / ``-test``: 50 / 20 / 30 % of the news documents in ``data/news``.

Test splits are never trained or tuned on: the threshold and the training settings are chosen on the
dev splits, and a training sentence whose text also stands in a test split is dropped.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "data"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int  # 1: check-worthy
    genre: str  # "speech" or "news"
    group: str  # the document (news) or the sentence id (ClaimBuster)


def _bucket(key: str) -> int:
    """0..9, stable across runs and machines."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 10


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _part(bucket: int, test: int, dev: int) -> str:
    return "test" if bucket < test else "dev" if bucket < test + dev else "train"


def load_splits(data: Path = DATA) -> dict[str, list[Example]]:
    splits: dict[str, list[Example]] = {
        f"{name}-{part}": [] for name in ("claimbuster", "news") for part in ("train", "dev", "test")
    }
    splits["crowdsourced-test"] = []
    for row in _read(data / "claimbuster" / "groundtruth.tsv"):
        example = Example(row["text"], int(row["check_worthy"]), "speech", row["sentence_id"])
        splits[f"claimbuster-{_part(_bucket('cb:' + example.group), test=2, dev=1)}"].append(example)
    for row in _read(data / "claimbuster" / "crowdsourced.tsv"):
        splits["crowdsourced-test"].append(Example(row["text"], int(row["check_worthy"]), "speech", row["sentence_id"]))
    for row in _read(data / "news" / "sentences.tsv"):
        example = Example(row["text"], int(row["check_worthy"]), row["genre"], row["doc_id"])
        splits[f"news-{_part(_bucket('news:' + example.group), test=3, dev=2)}"].append(example)
    held_out = {_normal(e.text) for name, rows in splits.items() if name.endswith("-test") for e in rows}
    for name in ("claimbuster-train", "news-train", "claimbuster-dev", "news-dev"):
        splits[name] = [e for e in splits[name] if _normal(e.text) not in held_out]
    return splits


def _normal(text: str) -> str:
    return " ".join(text.lower().split())
