"""Search queries from a claim: the wrapper stripped, entities, quantities and phrases, engine strings."""

from __future__ import annotations

import re

import pytest

from shared.evidence.providers.base import ClaimContext
from shared.evidence.queries import GDELT_MAX_CHARS, GDELT_MAX_TERMS, build_query, core_span
from tests.support.claims import quantity


def claim(
    text: str, attribution: str | None = None, quantities: list[dict] | None = None, body: str = ""
) -> ClaimContext:
    return ClaimContext(
        claim_id=1,
        text=text,
        attribution=attribution,
        quantities=quantities or [],
        language="en",
        article_url=None,
        article_links=[],
        article_body=body or text,
    )


TROOPS = "Reports from Washington, Seoul and Kyiv suggest that more than 10,000 North Korean soldiers are in Russia."


@pytest.mark.parametrize(
    ("text", "attribution", "core"),
    [
        (TROOPS, "Reports from Washington, Seoul and Kyiv", "more than 10,000 North Korean soldiers are in Russia"),
        (
            'KCNA reported that Kim Jong-un told the army to "go all out" in training.',
            "KCNA",
            'Kim Jong-un told the army to "go all out" in training',
        ),
        ("KCNA reported Kim Jong-un inspected a missile factory.", "KCNA", "Kim Jong-un inspected a missile factory"),
        (
            "According to officials, the flood killed 212 people in Bihar.",
            "officials",
            "the flood killed 212 people in Bihar",
        ),
        ("The flood killed 212 people in Bihar, officials said.", "officials", "The flood killed 212 people in Bihar"),
        (
            "The flood killed 212 people in Bihar, according to the state disaster agency.",
            "the state disaster agency",
            "The flood killed 212 people in Bihar",
        ),
        (
            "Finance Minister Jane Doe said the 2025 budget allocates $4.2 billion to defence.",
            "Jane Doe",
            "the 2025 budget allocates $4.2 billion to defence",
        ),
        (
            "The mayor said on Monday that the river did not breach the levee.",
            "mayor",
            "the river did not breach the levee",
        ),
        (
            "The spillway failed on Sunday night, said the regional water authority.",
            None,
            "The spillway failed on Sunday night",
        ),
        ("It was reported that the bridge collapsed under a truck.", None, "the bridge collapsed under a truck"),
        ('"We will go all out," Kim Jong-un said.', "Kim Jong-un", "We will go all out"),
        # No wrapper: "called on" is what the claim is about, and an announcement with an object is the claim.
        (
            "Kim Jong-un called on the army to go all out in training.",
            None,
            "Kim Jong-un called on the army to go all out in training",
        ),
        (
            "Officials announced 3,000 new jobs at the Riverside plant.",
            "Officials",
            "Officials announced 3,000 new jobs at the Riverside plant",
        ),
    ],
)
def test_attribution_wrapper_is_stripped(text: str, attribution: str | None, core: str) -> None:
    start, end = core_span(text, attribution)

    assert text[start:end] == core


def test_query_text_is_the_claim_without_wrapper_or_hedging_adverbs() -> None:
    query = build_query(claim("Officials said Russia has reportedly moved 3,000 troops to the border.", "Officials"))

    assert query.text == "Russia has moved 3,000 troops to the border"


def test_entities_quantities_and_keywords_of_a_troop_claim() -> None:
    q = quantity(TROOPS, "10,000 North Korean soldiers", 10_000, "soldiers", approximate=True)

    query = build_query(claim(TROOPS, "Reports from Washington, Seoul and Kyiv", [q]))

    assert query.text == "More than 10,000 North Korean soldiers are in Russia"
    assert query.entities == ("North Korean", "Russia")  # Washington, Seoul, Kyiv were the wrapper
    assert query.quantities == ("10,000 soldiers",)
    assert query.phrases == ()
    assert query.keywords == ()
    assert query.search_string() == "North Korean Russia 10,000 soldiers"
    assert query.search_string(max_terms=2) == "North Korean Russia"
    assert query.gdelt_string() == '"North Korean" Russia soldiers'


def test_quoted_phrase_and_names_without_the_reporting_agency() -> None:
    text = 'KCNA reported that Kim Jong-un told the army to "go all out" in the Kursk region.'

    query = build_query(claim(text, "KCNA"))

    assert query.entities == ("Kim Jong-un", "Kursk")
    assert query.phrases == ("go all out",)
    assert "KCNA" not in query.search_string()
    assert query.search_string() == "Kim Jong-un Kursk go all out region told army"
    assert query.gdelt_string() == '"Kim Jong-un" Kursk "go all out" region told'


def test_budget_claim_keeps_the_figure_and_the_year_not_the_title() -> None:
    text = "Finance Minister Jane Doe said the 2025 budget allocates $4.2 billion to defence."
    # Claim extraction reads "2025 budget allocates" as a count; the query must not.
    quantities = [
        quantity(text, "2025 budget allocates", 2025, "allocates"),
        quantity(text, "$4.2 billion", 4.2e9, "dollars"),
    ]

    query = build_query(claim(text, "Jane Doe", quantities))

    assert query.text == "The 2025 budget allocates $4.2 billion to defence"
    assert query.entities == ()
    assert query.quantities == ("$4.2 billion",)
    assert query.keywords == ("allocates", "defence", "budget", "2025")


def test_a_quotation_is_searched_with_its_speaker() -> None:
    query = build_query(claim('"We will go all out," Kim Jong-un said.', "Kim Jong-un"))

    assert query.text == "We will go all out"
    assert query.entities == ("Kim Jong-un",)
    assert query.phrases == ("We will go all out",)
    assert query.gdelt_string() == '"Kim Jong-un" "We will go all out"'


def test_a_long_quotation_is_searched_by_its_words_not_as_one_phrase() -> None:
    text = '"He called on all the participants to improve their fighting capabilities," KCNA reported, adding detail.'

    query = build_query(claim(text, "KCNA"))

    assert query.text == "He called on all the participants to improve their fighting capabilities"
    assert query.phrases == ()
    assert query.entities == ("KCNA",)
    assert query.search_string() == "KCNA participants capabilities fighting improve called"


def test_a_name_opening_the_claim_is_kept_when_the_article_writes_it_capitalised() -> None:
    text = "Russia moved 3,000 troops to the border."
    body = "Talks with Russia stalled in May. " + text
    q = quantity(text, "3,000 troops", 3000, "troops")

    with_body = build_query(claim(text, None, [q], body=body))
    without = build_query(claim(text, None, [q], body=text))

    assert with_body.entities == ("Russia",)
    assert without.entities == ()  # a capital at the start of a sentence proves nothing


def test_gdelt_string_drops_short_words_and_stays_short() -> None:
    text = "The US, the UK, France, Germany, Poland, Italy, Spain and Portugal pledged 2,000 tanks to Ukraine."
    q = quantity(text, "2,000 tanks", 2000, "tanks")

    gdelt = build_query(claim(text, None, [q])).gdelt_string()

    assert gdelt == "France tanks Germany Poland Italy"
    terms = re.findall(r'"[^"]+"|\S+', gdelt)
    assert len(terms) <= GDELT_MAX_TERMS
    assert len(gdelt) <= GDELT_MAX_CHARS
    assert all(len(t.strip('"')) >= 3 for t in terms)
    assert not re.search(r"\d", gdelt)


def test_gdelt_string_quotes_multi_word_and_hyphenated_terms_and_drops_operators() -> None:
    text = "Kim Jong-un met officials of the Workers' Party (WPK): a plenum in Pyongyang."

    gdelt = build_query(claim(text)).gdelt_string()

    assert gdelt.count('"') % 2 == 0
    assert '"Kim Jong-un"' in gdelt
    assert not re.search(r"[():]", gdelt)
    assert gdelt.split()[0].startswith('"')


def test_a_claim_of_stopwords_still_gives_a_search_string() -> None:
    query = build_query(claim("It is what it is."))

    assert query.search_string() == "It is what it is"
