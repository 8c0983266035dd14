"""The verdict the evidence suggests for a claim. It never changes the claim's state: people decide.

Weighing, per claim:

- A fact-check (evidence with a ``fact_check_rating`` signal) weighs most: FACT_CHECK_WEIGHT, scaled
  by relevance (half weight at relevance 0, full at 1). Other sources weigh 0.5..1 by relevance.
- Independence: all the pages of one publisher (its name, else the URL's host) count once per stance,
  at the weight of its most relevant page. Ten pages of one site are one voice.
- ``unclear`` evidence weighs nothing, except an unclear fact-check ("Half true", "Needs context"),
  which counts as doubt: half its weight lowers the agreement below.
- The side with more weight wins. Confidence = strength x agreement, where strength =
  1 - exp(-margin / CONFIDENCE_SCALE) grows with the winning margin and agreement = winner / (winner +
  loser + doubt) falls when evidence conflicts. Without a fact-check the confidence is capped at
  SOURCES_ONLY_CAP: reporting alone is never as strong as a fact-check.
- No suggestion (state None) when nothing supports or refutes, when the two sides are about even,
  when the winning side has no fact-check and fewer than MIN_PUBLISHERS independent publishers, or
  when the confidence is under MIN_CONFIDENCE.

The explanation is one line built from the evidence, e.g. ``disputed (0.82): a fact-check by Example
Check rates it False; 1 of 3 sources refutes it (quantity mismatch: claim: ...; source: ...)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit


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


FACT_CHECK_WEIGHT = 3.0
SOURCE_WEIGHT = 1.0
UNCLEAR_FACT_CHECK_DOUBT = 0.5  # share of an unclear fact-check's weight that counts as doubt
CONFIDENCE_SCALE = 1.5
SOURCES_ONLY_CAP = 0.75
MIN_PUBLISHERS = 2
MIN_CONFIDENCE = 0.3
EVEN = 0.25  # sides within this share of the larger one are about even: no suggestion

_SUPPORTS, _REFUTES = "supports", "refutes"
_STATE = {_SUPPORTS: "corroborated", _REFUTES: "disputed"}
_VERB = {_SUPPORTS: ("supports", "support"), _REFUTES: ("refutes", "refute")}


@dataclass(slots=True)
class _Voice:
    """One publisher's say on one side: the weight of its most relevant page, and that page."""

    weight: float
    item: Weighed


def suggest(evidence: Iterable[Weighed]) -> Suggestion:
    items = list(evidence)
    if not items:
        return Suggestion(None, None, "no suggestion: no evidence yet")
    fact_checks: dict[str, dict[str, _Voice]] = {}  # publisher -> stance -> voice
    sources: dict[str, dict[str, _Voice]] = {}
    for item in items:
        rated = _rating(item) is not None
        scale = FACT_CHECK_WEIGHT if rated else SOURCE_WEIGHT
        weight = scale * (0.5 + 0.5 * min(1.0, max(0.0, float(item.relevance or 0.0))))
        voices = (fact_checks if rated else sources).setdefault(_publisher(item), {})
        voice = voices.get(item.stance)
        if voice is None:
            voices[item.stance] = _Voice(weight, item)
        elif weight > voice.weight:
            voice.weight, voice.item = weight, item

    totals = {_SUPPORTS: 0.0, _REFUTES: 0.0}
    for voices in (*fact_checks.values(), *sources.values()):
        for stance, voice in voices.items():
            if stance in totals:
                totals[stance] += voice.weight
    doubt = sum(
        UNCLEAR_FACT_CHECK_DOUBT * v.weight
        for voices in fact_checks.values()
        for s, v in voices.items()
        if s not in totals
    )

    support, refute = totals[_SUPPORTS], totals[_REFUTES]
    side = _SUPPORTS if support >= refute else _REFUTES
    winner, loser = max(support, refute), min(support, refute)
    summary = _summary(items, fact_checks, side)
    if winner == 0:
        if any(_rating(i) is None for i in items):
            return Suggestion(None, None, f"no suggestion: {summary}")
        return Suggestion(None, None, f"no suggestion: {summary}; nothing supports or refutes the claim")
    if winner - loser <= EVEN * winner:
        return Suggestion(None, None, f"no suggestion: the evidence conflicts: {summary}")
    rated_for_side = any(side in voices for voices in fact_checks.values())
    publishers = sum(1 for voices in sources.values() if side in voices)
    if not rated_for_side and publishers < MIN_PUBLISHERS:
        return Suggestion(None, None, f"no suggestion: too little evidence: {summary}")

    strength = 1.0 - math.exp(-(winner - loser) / CONFIDENCE_SCALE)
    agreement = winner / (winner + loser + doubt)
    confidence = strength * agreement
    if not rated_for_side:
        confidence = min(confidence, SOURCES_ONLY_CAP)
    confidence = round(confidence, 2)
    if confidence < MIN_CONFIDENCE:
        return Suggestion(None, None, f"no suggestion: the evidence is weak ({confidence:.2f}): {summary}")
    state = _STATE[side]
    return Suggestion(state, confidence, f"{state} ({confidence:.2f}): {summary}")


def _rating(item: Weighed) -> str | None:
    for signal in item.signals or ():
        if signal.get("kind") == "fact_check_rating":
            return str(signal.get("rating") or signal.get("detail") or "").strip() or "a rating"
    return None


def _publisher(item: Weighed) -> str:
    """Who published it, for counting independent voices: the publisher's name, else the URL's host."""
    if item.publisher and item.publisher.strip():
        return " ".join(item.publisher.casefold().split())
    host = (urlsplit(item.url).hostname or item.url or "").casefold()
    return host.removeprefix("www.")


def _publisher_name(item: Weighed) -> str:
    if item.publisher and item.publisher.strip():
        return item.publisher.strip()
    return _publisher(item) or "an unknown publisher"


# --- The explanation ---


def _summary(items: list[Weighed], fact_checks: dict[str, dict[str, _Voice]], side: str) -> str:
    """The fact-checks first, then the other sources: the winning side, then the other, then the unclear."""
    parts = []
    for stance in (side, _other(side), "unclear"):
        parts += [_fact_check_phrase(v.item) for voices in fact_checks.values() if (v := voices.get(stance))]
    others = [i for i in items if _rating(i) is None]
    total = len(others)
    for stance in (side, _other(side)):
        chosen = [i for i in others if i.stance == stance]
        if chosen:
            parts.append(_sources_phrase(chosen, total, stance))
    if total and not any(i.stance in (_SUPPORTS, _REFUTES) for i in others):
        parts.append(f"{_count(total, 'source')} found, none clearly supports or refutes the claim")
    return "; ".join(parts) or f"{_count(len(items), 'source')} found"


def _fact_check_phrase(item: Weighed) -> str:
    return f"a fact-check by {_publisher_name(item)} rates it {_rating(item)}"


def _sources_phrase(chosen: list[Weighed], total: int, stance: str) -> str:
    singular, plural = _VERB[stance]
    verb = singular if len(chosen) == 1 else plural
    publishers = len({_publisher(i) for i in chosen})
    if len(chosen) < total:
        phrase = f"{len(chosen)} of {total} sources {verb} it"
    else:
        phrase = f"{_count(len(chosen), 'source')} {verb} it"
    if publishers < len(chosen):
        phrase = phrase.replace(f" {verb} it", f" from {_count(publishers, 'publisher')} {verb} it")
    reason = _reason(max(chosen, key=lambda i: i.relevance), stance)
    return f"{phrase} ({reason})" if reason else phrase


def _reason(item: Weighed, stance: str) -> str | None:
    """The signal that best says why this source supports or refutes the claim, briefly."""
    signals = item.signals or []
    if stance == _REFUTES:
        for s in signals:
            if s.get("kind") == "quantity_mismatch" and s.get("compatible") is False:
                return f"quantity mismatch: claim: {s.get('claim')}; source: {s.get('source')}"
        for s in signals:
            if s.get("kind") == "denial":
                cues = ", ".join(f'"{c}"' for c in s.get("cues", [])) or "a denial"
                return f"denial: {cues}"
    else:
        for s in signals:
            if s.get("kind") == "quantity_match":
                return f"same figure: {s.get('source')}"
        for s in signals:
            if s.get("kind") == "quantity_mismatch" and s.get("relation") == "within":
                return f"figure within the claim's bound: {s.get('source')}"
        for s in signals:
            if s.get("kind") == "same_attribution":
                return f"also attributed to {s.get('attribution')}"
    return None


def _other(side: str) -> str:
    return _REFUTES if side == _SUPPORTS else _SUPPORTS


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
