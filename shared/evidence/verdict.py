"""The verdict the evidence suggests for a claim. It never changes the claim's state: people decide.

First version: no suggestion. (Refined separately.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class Weighed(Protocol):
    provider: str
    url: str
    publisher: str | None
    relevance: float
    stance: str
    signals: list[dict]


@dataclass(frozen=True, slots=True)
class Suggestion:
    state: str | None  # corroborated | disputed | None (no suggestion)
    confidence: float | None  # 0..1 when there is a suggestion
    explanation: str  # one line, built from the evidence


def suggest(evidence: Iterable[Weighed]) -> Suggestion:
    items = list(evidence)
    return Suggestion(None, None, f"{len(items)} source(s) found; no stance can be drawn yet")
