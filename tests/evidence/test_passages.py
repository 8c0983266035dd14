"""Choosing the passage of a source that best matches a claim."""

from __future__ import annotations

import time

import pytest

from shared.evidence.passages import Passage, best_passages, split_sentences

SOURCE = """Troops to leave the northern border
The border region has seen heavy snow this winter, and several roads were closed for days.
The government said on Tuesday that 4,000 troops would leave the northern border by the end of March. \
The deployment began two years ago.
Defence minister Anna Berg told parliament the decision followed talks with neighbouring countries.
In 2019, some 2,500 troops were sent to the southern border after floods.
Opposition parties criticised the move, saying smuggling had increased by 12 percent since last year.
Local businesses near the border said they expected fewer customers once the soldiers left."""


def check_offsets(passages: list[Passage], source: str) -> None:
    for passage in passages:
        assert passage.text == source[passage.start : passage.end]
        assert passage.text == passage.text.strip()
        assert 0.0 < passage.relevance <= 1.0


def test_picks_the_matching_passage_among_distractors() -> None:
    claim = "The government will withdraw 4000 troops from the northern border by March."

    [best] = best_passages(claim, SOURCE, window_sentences=1)

    assert best.text == (
        "The government said on Tuesday that 4,000 troops would leave the northern border by the end of March."
    )
    check_offsets([best], SOURCE)


def test_window_of_two_sentences_keeps_offsets() -> None:
    claim = "4,000 troops leave the northern border; the deployment began two years ago"

    [best] = best_passages(claim, SOURCE, window_sentences=2)

    assert best.text.startswith("The government said on Tuesday")
    assert best.text.endswith("The deployment began two years ago.")
    check_offsets([best], SOURCE)


def test_several_passages_best_first_and_not_overlapping() -> None:
    claim = "Anna Berg said 4,000 troops would leave the border"

    passages = best_passages(claim, SOURCE, limit=3, window_sentences=2)

    assert len(passages) == 3
    check_offsets(passages, SOURCE)
    relevances = [p.relevance for p in passages]
    assert relevances == sorted(relevances, reverse=True)
    assert relevances[0] > relevances[-1]
    spans = sorted((p.start, p.end) for p in passages)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
    # The two windows that carry the claim's name and its number beat the headline's window.
    top_two = passages[0].text + passages[1].text
    assert "Anna Berg" in top_two and "4,000 troops" in top_two
    assert passages[2].relevance < passages[1].relevance / 1.5


def test_every_claim_word_found_gives_full_relevance() -> None:
    [best] = best_passages("Anna Berg told parliament", SOURCE)

    assert best.relevance == 1.0
    assert "Anna Berg told parliament" in best.text


def test_plurals_and_number_formats_are_folded() -> None:
    source = "Rain fell all week. A single troop stayed behind in 2023. Markets were calm."

    [best] = best_passages("Troops stayed behind", source, window_sentences=1)
    [number] = best_passages("1000 people", "Some 1,000 people came. Others did not.", window_sentences=1)

    assert best.text == "A single troop stayed behind in 2023."
    assert number.text == "Some 1,000 people came."


def test_names_and_numbers_count_more_than_common_words() -> None:
    source = "Berg spoke first. The harbour was quiet. The rate reached 7 last year."

    name_first = best_passages("Berg visited the harbour", source, limit=2, window_sentences=1)
    number_first = best_passages("the rate of 7 at the harbour", source, limit=2, window_sentences=1)

    assert [p.text for p in name_first] == ["Berg spoke first.", "The harbour was quiet."]
    assert number_first[0].text == "The rate reached 7 last year."


def test_rare_words_count_more_than_words_found_everywhere() -> None:
    source = (
        "The government met on Monday. The government spoke on Tuesday. "
        "The budget was approved on Wednesday. The government rested on Thursday."
    )

    [best] = best_passages("government budget", source, window_sentences=1)

    assert best.text == "The budget was approved on Wednesday."
    assert best.relevance > 0.5


def test_nothing_in_common_gives_nothing() -> None:
    assert best_passages("volcano eruption", SOURCE) == []
    assert best_passages("the of and is it", SOURCE) == []  # stopwords only
    assert best_passages("troops", "") == []
    assert best_passages("troops", SOURCE, limit=0) == []


def test_deterministic() -> None:
    claim = "smuggling increased since last year"
    assert best_passages(claim, SOURCE, limit=3) == best_passages(claim, SOURCE, limit=3)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr. J. Smith of the U.S. Army left. Prices rose 3.5 percent!  Why? ", [
            "Dr. J. Smith of the U.S. Army left.", "Prices rose 3.5 percent!", "Why?"]),
        ("Heading\nFirst line. Second line.", ["Heading", "First line.", "Second line."]),
        ('He said: "It is over." Then he left.', ['He said: "It is over."', "Then he left."]),
        ("  \n ... \n", []),
    ],
)  # fmt: skip
def test_sentence_split(text: str, sentences: list[str]) -> None:
    assert [text[start:end] for start, end in split_sentences(text)] == sentences


def test_long_unpunctuated_text_is_cut() -> None:
    text = " ".join(f"word{i}" for i in range(1000))

    spans = split_sentences(text)

    assert len(spans) > 1
    assert all(end - start <= 400 for start, end in spans)
    assert " ".join(text[s:e] for s, e in spans) == text


def test_fast_on_a_large_source() -> None:
    source = (SOURCE + "\n") * 150  # about 115 KB
    began = time.perf_counter()

    passages = best_passages("Anna Berg said 4,000 troops leave", source, limit=5)

    assert len(passages) == 5
    check_offsets(passages, source)
    assert time.perf_counter() - began < 2.0  # generous: a quadratic version would blow it
