"""How a source bears on a claim: passage, relevance, agreement signals, stance; fact-check ratings."""

from __future__ import annotations

import time

import pytest

from shared.evidence.fetcher import FetchedPage
from shared.evidence.providers.base import ClaimContext
from shared.evidence.scoring import MIN_RELEVANCE, Assessment, assess, finding_from_page, rating_stance
from tests.support.claims import quantity


def claim(text: str, attribution: str | None = None, quantities: list[dict] | None = None) -> ClaimContext:
    return ClaimContext(1, text, attribution, quantities or [], "en", None, [], text)


def signals_of(assessment: Assessment, kind: str) -> list[dict]:
    return [s for s in assessment.signals if s["kind"] == kind]


def checked(assessment: Assessment | None, source: str) -> Assessment:
    assert assessment is not None
    assert assessment.passage == source[assessment.passage_start : assessment.passage_end]
    assert MIN_RELEVANCE <= assessment.relevance <= 1.0
    assert assessment.signals[-1]["kind"] == "stance"  # the reasoning always comes last
    return assessment


TROOPS = "Reports from Washington, Seoul and Kyiv suggest that more than 10,000 North Korean soldiers are in Russia."
TROOPS_CLAIM = claim(
    TROOPS,
    "Reports from Washington, Seoul and Kyiv",
    [quantity(TROOPS, "10,000 North Korean soldiers", 10_000, "soldiers", approximate=True)],
)


def test_a_different_figure_within_the_claims_bound_is_flagged_but_does_not_refute() -> None:
    source = (
        "The war entered its third winter. Western officials now estimate that about 12,000 North Korean soldiers "
        "are in Russia, most of them near Kursk. Moscow has not commented."
    )

    result = checked(assess(TROOPS_CLAIM, source), source)

    [mismatch] = signals_of(result, "quantity_mismatch")
    assert mismatch["detail"] == (
        "claim: more than 10,000 soldiers; source: about 12,000 soldiers — "
        "a different figure, but within the claim's bound, so consistent with it"
    )
    assert mismatch["compatible"] is True
    assert signals_of(result, "quantity_match") == []
    assert result.stance == "supports"
    assert "about 12,000 soldiers" in result.signals[-1]["detail"]


def test_a_figure_outside_the_claims_bound_refutes_it() -> None:
    source = "Officials in Seoul estimate that about 3,000 North Korean soldiers are in Russia, far fewer than feared."

    result = checked(assess(TROOPS_CLAIM, source), source)

    [mismatch] = signals_of(result, "quantity_mismatch")
    assert mismatch["detail"] == "claim: more than 10,000 soldiers; source: about 3,000 soldiers — the figures disagree"
    assert mismatch["compatible"] is False
    assert result.stance == "refutes"
    assert result.signals[-1]["detail"] == (
        "refutes: the figures disagree (claim: more than 10,000 soldiers; source: about 3,000 soldiers)"
    )


def test_the_same_figure_in_a_synonym_unit_matches() -> None:
    source = "Snow fell in Pyongyang. The Pentagon said more than 10,000 North Korean troops are in Russia."

    result = checked(assess(TROOPS_CLAIM, source), source)

    [match] = signals_of(result, "quantity_match")
    assert match["detail"] == "claim: more than 10,000 soldiers; source: more than 10,000 troops — the same figure"
    assert signals_of(result, "quantity_mismatch") == []
    assert result.stance == "supports"


FLOOD = "According to officials, the flood killed 212 people in Bihar."
FLOOD_CLAIM = claim(FLOOD, "officials", [quantity(FLOOD, "212 people", 212, "people")])


def test_a_death_toll_without_a_unit_is_compared_by_the_words_next_to_it() -> None:
    source = (
        "Monsoon rains hit northern India. The death toll from the flood in Bihar rose to 180 on Tuesday. "
        "Thousands of families were displaced."
    )

    result = checked(assess(FLOOD_CLAIM, source), source)

    [mismatch] = signals_of(result, "quantity_mismatch")
    assert mismatch["detail"] == "claim: 212 people; source: 180 (death toll) — the figures disagree"
    assert result.stance == "refutes"


def test_an_exact_figure_matches_and_an_approximate_one_within_ten_percent() -> None:
    exact = "The flood in Bihar has killed 212 people, state officials said on Monday."
    approximate = "The flood in Bihar has killed roughly 200 people, state officials said on Monday."

    first = checked(assess(FLOOD_CLAIM, exact), exact)
    second = checked(assess(FLOOD_CLAIM, approximate), approximate)

    assert [s["detail"] for s in signals_of(first, "quantity_match")] == [
        "claim: 212 people; source: 212 people — the same figure"
    ]
    assert first.stance == "supports"
    assert [s["detail"] for s in signals_of(second, "quantity_match")] == [
        "claim: 212 people; source: roughly 200 people — the same figure"
    ]


def test_a_budget_figure_that_differs_refutes_and_a_year_is_no_quantity() -> None:
    text = "Finance Minister Jane Doe said the 2025 budget allocates $4.2 billion to defence."
    context = claim(
        text,
        "Jane Doe",
        [quantity(text, "2025 budget allocates", 2025, "allocates"), quantity(text, "$4.2 billion", 4.2e9, "dollars")],
    )
    source = "Parliament debated the plan. The 2025 budget allocates $3.9 billion to defence, the treasury said."

    result = checked(assess(context, source), source)

    assert [s["detail"] for s in signals_of(result, "quantity_mismatch")] == [
        "claim: $4.2 billion; source: $3.9 billion — the figures disagree"
    ]
    assert signals_of(result, "quantity_match") == []  # "2025" is a year, not a count that matched
    assert result.stance == "refutes"


def test_a_figure_counting_something_else_is_not_a_mismatch() -> None:
    source = (
        "More than 10,000 North Korean soldiers are in Russia, officials in Kyiv say. "
        "Separately, 40 soldiers were injured in a training accident in Texas last week."
    )

    result = checked(assess(TROOPS_CLAIM, source), source)

    assert signals_of(result, "quantity_mismatch") == []
    assert len(signals_of(result, "quantity_match")) == 1


def test_a_denial_near_the_passage_refutes() -> None:
    source = (
        "It was a cold week in Moscow. The Kremlin denied that North Korean soldiers are in Russia, "
        "calling the reports fabricated. Analysts were not convinced."
    )

    result = checked(assess(TROOPS_CLAIM, source), source)

    [denial] = signals_of(result, "denial")
    assert denial["cues"] == ["denied", "fabricated"]
    assert denial["detail"].startswith('denial near the passage ("denied", "fabricated"): "The Kremlin denied')
    assert result.stance == "refutes"


def test_a_negation_that_is_part_of_the_claim_is_not_a_denial() -> None:
    context = claim("The mayor said the river did not breach the levee at Riverside.", "mayor")
    source = "Rain fell all week. The river did not breach the levee at Riverside, engineers confirmed on Tuesday."

    result = checked(assess(context, source), source)

    assert signals_of(result, "denial") == []
    assert result.stance == "supports"


def test_a_denial_the_claim_reports_is_not_a_denial_of_the_claim() -> None:
    context = claim("The Kremlin denied that North Korean soldiers are fighting near Kursk.")
    source = "On Monday the Kremlin denied that North Korean soldiers are fighting near Kursk, Interfax reported."

    result = checked(assess(context, source), source)

    assert signals_of(result, "denial") == []
    assert result.stance == "supports"


def test_the_claim_stated_negated_refutes_it() -> None:
    context = claim("The mayor said the river breached the levee at Riverside.", "mayor")
    source = "Rain fell all week. The river did not breach the levee at Riverside, engineers said on Tuesday."

    result = checked(assess(context, source), source)

    [denial] = signals_of(result, "denial")
    assert denial["strength"] == "strong"
    assert denial["detail"].startswith('the source states the claim negated ("did not")')
    assert result.stance == "refutes"


@pytest.mark.parametrize(
    "source",
    [
        "The Kremlin did not deny that North Korean soldiers are in Russia.",
        "Moscow neither confirmed nor denied that North Korean soldiers are in Russia.",
        # A negation about something else, in a sentence that shares little with the claim.
        "North Korean soldiers are in Russia. The ministry did not give a timetable for the talks.",
    ],
)
def test_not_a_denial(source: str) -> None:
    result = checked(assess(TROOPS_CLAIM, source), source)

    assert signals_of(result, "denial") == []


KCNA = 'KCNA reported that Kim Jong-un called on the army to "go all out" in training.'


def test_same_attribution_is_recognised_by_name_or_acronym() -> None:
    by_acronym = "Kim Jong-un called on the army to go all out in training, KCNA reported on Monday."
    by_name = "Kim Jong-un called on the army to go all out in training, the Korean Central News Agency said."

    first = checked(assess(claim(KCNA, "KCNA"), by_acronym), by_acronym)
    second = checked(assess(claim(KCNA, "KCNA"), by_name), by_name)

    assert [s["attribution"] for s in signals_of(first, "same_attribution")] == ["KCNA"]
    assert [s["attribution"] for s in signals_of(second, "same_attribution")] == ["KCNA"]
    assert first.stance == "supports"


def test_another_source_or_a_generic_one_is_not_the_same_attribution() -> None:
    other = "Kim Jong-un called on the army to go all out in training, Yonhap reported on Monday."
    officials = "The flood killed 212 people in Bihar, officials said."

    first = checked(assess(claim(KCNA, "KCNA"), other), other)
    second = checked(assess(FLOOD_CLAIM, officials), officials)

    assert signals_of(first, "same_attribution") == []
    assert signals_of(second, "same_attribution") == []  # "officials" names nobody


def test_nothing_relevant_gives_none() -> None:
    source = "The weather in Lisbon was mild. Tourists filled the cafes along the river. Prices rose in August."

    assert assess(TROOPS_CLAIM, source) is None
    assert assess(TROOPS_CLAIM, "") is None


def test_related_without_agreement_signals_is_unclear() -> None:
    source = "North Korean officials visited Russia in March to discuss trade and railways."

    result = checked(assess(TROOPS_CLAIM, source), source)

    assert result.stance == "unclear"
    assert [s["kind"] for s in result.signals] == ["stance"]


def test_assess_is_fast_on_a_100_kb_source() -> None:
    filler = "The council met on Tuesday to discuss roads, schools and the 2024 harvest in the northern region. "
    needle = "Western officials estimate that about 12,000 North Korean soldiers are in Russia. "
    source = filler * 700 + needle + filler * 400
    assert len(source) > 100_000
    assess(TROOPS_CLAIM, source)  # warm caches

    began = time.perf_counter()
    for _ in range(5):
        result = assess(TROOPS_CLAIM, source)
    per_call = (time.perf_counter() - began) / 5

    assert result is not None and "12,000" in result.passage
    assert per_call < 0.5  # about 30 ms here; generous for slow CI machines


def test_finding_from_page_carries_stance_and_signals() -> None:
    body = "Officials in Seoul estimate that about 3,000 North Korean soldiers are in Russia."
    page = FetchedPage("https://news.example/a", 200, "text/plain", body.encode(), "utf-8")

    finding = finding_from_page("cited_links", TROOPS_CLAIM, "https://news.example/a", page)

    assert finding is not None
    assert finding.stance == "refutes"
    assert [s["kind"] for s in finding.signals] == ["quantity_mismatch", "stance"]
    assert finding.passage == body


@pytest.mark.parametrize(
    ("rating", "stance"),
    [
        ("False", "refutes"),
        ("FALSE", "refutes"),
        ("Pants on Fire!", "refutes"),
        ("pants-on-fire", "refutes"),
        ("Fake", "refutes"),
        ("Incorrect", "refutes"),
        ("Misleading", "refutes"),
        ("Mostly False", "refutes"),
        ("This is false.", "refutes"),
        ("This claim isn't true.", "refutes"),
        ("Not correct", "refutes"),
        ("True", "supports"),
        ("Correct", "supports"),
        ("Accurate", "supports"),
        ("Mostly true", "supports"),
        ("  mostly TRUE.  ", "supports"),
        ("Half true", "unclear"),
        ("Half-True", "unclear"),
        ("Mixed", "unclear"),
        ("Mixture", "unclear"),
        ("Unproven", "unclear"),
        ("Needs context", "unclear"),
        ("Satire", "unclear"),
        ("True, but misleading", "unclear"),
        ("Four legs good", "unclear"),
        ("", "unclear"),
    ],
)
def test_rating_stance(rating: str, stance: str) -> None:
    found, signals = rating_stance(rating)

    assert found == stance
    [signal] = signals
    assert signal["kind"] == "fact_check_rating"
    assert signal["rating"] == (" ".join(rating.split()) or "(no rating)")


def test_rating_signal_names_the_rating() -> None:
    assert rating_stance("Pants on Fire!")[1] == [
        {
            "kind": "fact_check_rating",
            "detail": 'a fact-check rates it "Pants on Fire!", which refutes it',
            "rating": "Pants on Fire!",
        }
    ]
