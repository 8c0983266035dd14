"""Sentence splitting: exact offsets and the edge cases of wire copy, one by one."""

from __future__ import annotations

import pytest

from shared.claims.sentences import Sentence, split_sentences


def texts(body: str) -> list[str]:
    return [s.text for s in split_sentences(body)]


def assert_offsets_exact(body: str, sentences: list[Sentence]) -> None:
    for s in sentences:
        assert body[s.start : s.end] == s.text
        assert s.text == s.text.strip()


def test_plain_sentences_with_exact_offsets() -> None:
    body = "  The river rose.  Residents fled!   Why now?  "
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == ["The river rose.", "Residents fled!", "Why now?"]
    assert (sentences[0].start, sentences[0].end) == (2, 17)
    assert_offsets_exact(body, sentences)
    assert not any(s.is_heading for s in sentences)


def test_empty_and_blank_bodies() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\r\n\t ") == []


def test_heading_line_is_its_own_sentence() -> None:
    body = "Dam Breach Floods Lower Valley: A City Under Water\nThe dam failed at dawn. Roads closed."
    sentences = split_sentences(body)
    assert [(s.text, s.is_heading) for s in sentences] == [
        ("Dam Breach Floods Lower Valley: A City Under Water", True),
        ("The dam failed at dawn.", False),
        ("Roads closed.", False),
    ]


def test_title_case_question_heading() -> None:
    sentences = split_sentences("What Happens to the Levee Next?\nEngineers will inspect it.")
    assert sentences[0].is_heading
    assert not sentences[1].is_heading


def test_question_sentence_is_not_a_heading() -> None:
    sentences = split_sentences("Will the city rebuild the levee in time?\nEngineers will inspect it.")
    assert not sentences[0].is_heading


def test_heading_with_quoted_title() -> None:
    body = 'The Mayor\'s Verdict: "The Worst Day We Have Seen"\nShe spoke at noon.'
    assert split_sentences(body)[0].is_heading


def test_last_line_without_punctuation_is_not_a_heading() -> None:
    # A heading is followed by more text; a trailing fragment is only an unfinished sentence.
    sentences = split_sentences("The river rose.\nMore updates to follow")
    assert [s.is_heading for s in sentences] == [False, False]


def test_bracketed_prefix_tag_is_split_off_as_heading() -> None:
    body = "[NATION] Floodwaters forced 12,000 people from their homes. Rain continued."
    sentences = split_sentences(body)
    assert [(s.text, s.is_heading) for s in sentences] == [
        ("[NATION]", True),
        ("Floodwaters forced 12,000 people from their homes.", False),
        ("Rain continued.", False),
    ]
    assert_offsets_exact(body, sentences)


def test_newline_always_ends_a_sentence() -> None:
    body = "Officials said the water was rising\nand residents should leave."
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == ["Officials said the water was rising", "and residents should leave."]
    # Followed by a lowercase continuation, the short first line is a wrapped sentence, not a heading.
    assert [s.is_heading for s in sentences] == [False, False]


def test_crlf_body_offsets() -> None:
    body = "Budget Passes\r\nThe council voted 9 to 2.\r\n\r\nIt takes effect in March.\r\n"
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == ["Budget Passes", "The council voted 9 to 2.", "It takes effect in March."]
    assert sentences[0].is_heading
    assert_offsets_exact(body, sentences)
    assert not any("\r" in s.text for s in sentences)


def test_quote_followed_by_attribution_is_one_sentence() -> None:
    body = '"We have lost everything," a resident told the agency, standing in the mud. Help arrived later.'
    assert texts(body) == [
        '"We have lost everything," a resident told the agency, standing in the mud.',
        "Help arrived later.",
    ]


def test_exclamation_inside_quote_before_lowercase_attribution() -> None:
    assert texts('"Get out now!" the officer shouted. Everyone ran.') == [
        '"Get out now!" the officer shouted.',
        "Everyone ran.",
    ]


def test_sentence_ending_inside_closing_quote_ends_after_it() -> None:
    body = 'She called it "the worst disaster in our history." The council agreed.'
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == [
        'She called it "the worst disaster in our history."',
        "The council agreed.",
    ]
    assert_offsets_exact(body, sentences)


def test_unicode_quotes() -> None:
    body = "She called it \u201cthe worst disaster.\u201d Officials \u2018agreed.\u2019 Work began."
    assert texts(body) == [
        "She called it \u201cthe worst disaster.\u201d",
        "Officials \u2018agreed.\u2019",
        "Work began.",
    ]


def test_multi_sentence_quote_keeps_its_attribution() -> None:
    body = "\u201cWe will rebuild. We start on Monday,\u201d the mayor said. Crews are ready."
    assert texts(body) == ["\u201cWe will rebuild. We start on Monday,\u201d the mayor said.", "Crews are ready."]


@pytest.mark.parametrize(
    "abbreviated",
    [
        "Mr. Okafor",
        "Mrs. Okafor",
        "Dr. Ross",
        "St. Mary's hospital",
        "Gen. Park",
        "Lt. Diaz",
        "Jan. 5",
        "Feb. 12",
        "fuel, water, etc. and more",
        "towns, e.g. Eastbank",
        "the east bank, i.e. Eastbank",
        "No. 4 pump",
    ],
)
def test_abbreviations_do_not_split(abbreviated: str) -> None:
    body = f"The aid went to {abbreviated} before noon. Then it rained."
    assert texts(body) == [f"The aid went to {abbreviated} before noon.", "Then it rained."]


def test_dotted_acronym_mid_sentence_does_not_split() -> None:
    assert texts("The U.S. Army and the U.K. Met Office sent help. It arrived.") == [
        "The U.S. Army and the U.K. Met Office sent help.",
        "It arrived.",
    ]


def test_dotted_acronym_at_sentence_end_splits_before_an_opener() -> None:
    assert texts("Aid came from the U.S. The ministry confirmed it.") == [
        "Aid came from the U.S.",
        "The ministry confirmed it.",
    ]


def test_initials_do_not_split() -> None:
    assert texts("A letter from J. R. R. Tolkien was found. It was dry.") == [
        "A letter from J. R. R. Tolkien was found.",
        "It was dry.",
    ]


def test_decimals_and_grouped_numbers_do_not_split() -> None:
    assert texts("The river reached 6.4 metres and 100,000 people left. Rain eased.") == [
        "The river reached 6.4 metres and 100,000 people left.",
        "Rain eased.",
    ]


def test_no_before_a_word_ends_a_sentence() -> None:
    assert texts("Asked if the levee held, she said no. Then she left.") == [
        "Asked if the levee held, she said no.",
        "Then she left.",
    ]


def test_ellipsis_before_capital_splits_but_not_before_lowercase() -> None:
    assert texts("The water kept coming... and coming. Nobody slept... Morning came.") == [
        "The water kept coming... and coming.",
        "Nobody slept...",
        "Morning came.",
    ]
