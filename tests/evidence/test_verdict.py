"""The verdict the evidence of one claim suggests: state, confidence and a one-line explanation."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.evidence.scoring import rating_stance
from shared.evidence.verdict import SOURCES_ONLY_CAP, Suggestion, suggest


@dataclass
class Item:
    provider: str
    url: str
    publisher: str | None
    relevance: float
    stance: str
    signals: list[dict] = field(default_factory=list)


def fact_check(rating: str, publisher: str = "Example Check", relevance: float = 0.8) -> Item:
    stance, signals = rating_stance(rating)
    return Item(
        "fact_check_tools",
        f"https://{publisher.replace(' ', '').lower()}.example/1",
        publisher,
        relevance,
        stance,
        signals,
    )


def page(
    publisher: str | None, stance: str, relevance: float = 0.6, n: int = 1, signals: list[dict] | None = None
) -> Item:
    host = (publisher or "anon").replace(" ", "").lower()
    return Item("gdelt", f"https://www.{host}.example/story-{n}", publisher, relevance, stance, signals or [])


MISMATCH = {
    "kind": "quantity_mismatch",
    "detail": "claim: more than 10,000 soldiers; source: about 3,000 soldiers — the figures disagree",
    "claim": "more than 10,000 soldiers",
    "source": "about 3,000 soldiers",
    "compatible": False,
    "relation": "contradicts",
}


def test_a_fact_check_rating_false_suggests_disputed_with_high_confidence() -> None:
    result = suggest([fact_check("False")])

    assert result == Suggestion("disputed", 0.83, "disputed (0.83): a fact-check by Example Check rates it False")


def test_fact_check_and_a_refuting_source_explained_with_the_mismatch() -> None:
    evidence = [
        fact_check("False"),
        page("Daily Planet", "refutes", 0.6, signals=[MISMATCH]),
        page("Riverside Post", "unclear", 0.4),
        page("Harbour Times", "unclear", 0.3),
    ]

    result = suggest(evidence)

    assert result.state == "disputed"
    assert result.confidence is not None and result.confidence >= 0.85
    assert result.explanation == (
        f"disputed ({result.confidence:.2f}): a fact-check by Example Check rates it False; 1 of 3 sources refutes it "
        "(quantity mismatch: claim: more than 10,000 soldiers; source: about 3,000 soldiers)"
    )


def test_several_supporting_publishers_suggest_corroborated() -> None:
    evidence = [
        page("Daily Planet", "supports", 0.7, 1),
        page("Daily Planet", "supports", 0.6, 2),
        page("Harbour Times", "supports"),
    ]

    result = suggest(evidence)

    assert result == Suggestion("corroborated", 0.67, "corroborated (0.67): 3 sources from 2 publishers support it")


def test_reporting_alone_is_capped_below_a_fact_check() -> None:
    evidence = [page(f"Paper {n}", "supports", 0.9, n) for n in range(6)]

    result = suggest(evidence)

    assert result.state == "corroborated"
    assert result.confidence == SOURCES_ONLY_CAP


def test_one_publisher_with_many_pages_counts_once() -> None:
    many = [page("Daily Planet", "supports", 0.6, n) for n in range(5)]

    alone = suggest(many)
    with_another = suggest([*many, page("Harbour Times", "supports")])
    one_each = suggest([many[0], page("Harbour Times", "supports")])

    assert alone.state is None
    assert alone.explanation == "no suggestion: too little evidence: 5 sources from 1 publisher support it"
    assert with_another.state == "corroborated"
    assert with_another.confidence == one_each.confidence


def test_pages_without_a_publisher_count_by_host() -> None:
    same_site = [
        Item("gdelt", "https://www.planet.example/a", None, 0.6, "supports"),
        Item("gdelt", "https://planet.example/b", None, 0.6, "supports"),
    ]

    assert suggest(same_site).state is None


def test_conflicting_evidence_lowers_confidence_or_gives_none() -> None:
    agreeing = [page("A", "supports", 0.7), page("B", "supports"), page("C", "supports")]

    unanimous = suggest(agreeing)
    contested = suggest([*agreeing, page("D", "refutes", 0.6, signals=[MISMATCH])])
    even = suggest([page("A", "supports", 0.6), page("B", "refutes", 0.6)])
    fact_checks_disagree = suggest([fact_check("True", "Check One"), fact_check("False", "Check Two")])

    assert unanimous.state == contested.state == "corroborated"
    assert contested.confidence is not None and unanimous.confidence is not None
    assert contested.confidence < unanimous.confidence
    assert contested.explanation == (
        f"corroborated ({contested.confidence:.2f}): 3 of 4 sources support it; 1 of 4 sources refutes it "
        "(quantity mismatch: claim: more than 10,000 soldiers; source: about 3,000 soldiers)"
    )
    assert even == Suggestion(
        None, None, "no suggestion: the evidence conflicts: 1 of 2 sources supports it; 1 of 2 sources refutes it"
    )
    assert fact_checks_disagree.state is None


def test_a_fact_check_outweighs_a_single_source() -> None:
    result = suggest([fact_check("Mostly false"), page("Daily Planet", "supports", 0.5)])

    assert result.state == "disputed"
    assert result.confidence is not None and 0.3 <= result.confidence < 0.83


def test_an_unclear_fact_check_is_doubt() -> None:
    sources = [page("A", "supports", 0.7), page("B", "supports"), page("C", "supports")]

    plain = suggest(sources)
    doubted = suggest([*sources, fact_check("Half true")])

    assert plain.confidence is not None and doubted.confidence is not None
    assert doubted.confidence < plain.confidence
    assert "a fact-check by Example Check rates it Half true" in doubted.explanation


def test_only_unclear_evidence_gives_no_suggestion() -> None:
    result = suggest([page("A", "unclear"), page("B", "unclear", 0.9)])

    assert result == Suggestion(
        None, None, "no suggestion: 2 sources found, none clearly supports or refutes the claim"
    )


def test_no_evidence_gives_no_suggestion() -> None:
    assert suggest([]) == Suggestion(None, None, "no suggestion: no evidence yet")


def test_a_single_supporting_source_is_too_thin() -> None:
    result = suggest([page("Daily Planet", "supports", 1.0)])

    assert result.state is None
    assert result.explanation == "no suggestion: too little evidence: 1 source supports it"
