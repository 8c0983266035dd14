"""Claim extraction on invented wire stories: which sentences are claims, who said them, and why."""

from __future__ import annotations

import hashlib

import pytest

from shared.claims.extraction import ExtractedClaim, extract_claims, fingerprint, score_sentences

# An invented wire story in the usual shape: a section tag, headings, figures, quotes with their
# sources, a pronoun and a role standing for a named person, commentary, hedged predictions.
FLOOD = (
    "[NATION] Floodwaters from the swollen Arden River forced about 12,000 residents from their homes "
    "in Riverton on Sunday, the regional emergency agency said.\n"
    "Officials Count the Cost of the Arden Flood\n"
    "The river peaked at 6.4 metres overnight, according to the National Hydrology Service (NHS). "
    "\u201cWe have confirmed three deaths and 41 injuries so far,\u201d Mayor Helen Okafor told reporters at "
    'a briefing in Riverton. She described the flooding as "the worst disaster in the city\'s history."\n'
    "The Regional Water Authority said it had deployed 300 soldiers and 45 boats to the low-lying "
    "Eastbank district. Some rescue teams have reportedly reached villages cut off since Friday.\n"
    "A Stark Warning for the Region\n"
    "The scale of the damage is deeply alarming. This disaster underscores the gravity of the "
    "climate crisis and should serve as a wake-up call. If the rain continues, the river could rise "
    "even further, a potential catastrophe for the valley.\n"
    "Forecasters at the NHS said the river may rise another 40 centimetres by Tuesday. "
    "Insurers may face claims of as much as $2.5 billion, in what would be a record for the region. "
    "The mayor said the city would ask for $40 million in federal aid.\n"
    "What Happens Next?\n"
    "Residents are angry. Will the city rebuild the levee in time?"
)

# A second story, with CRLF line ends, curly quotes, a dateline, abbreviations and an apposition.
BUDGET = (
    "City Council Approves Record Budget\r\n"
    "PORT ELLIS, Feb. 12 \u2014 The Port Ellis city council on Tuesday approved a $3.5 billion budget "
    "for 2025, raising spending on schools by 4.2 percent.\r\n"
    "\u201cThis budget keeps every library open,\u201d said Dr. Amelia Ross, the council\u2019s finance "
    "chair.\r\n"
    "Marta Jensen, a spokeswoman for the teachers\u2019 union, said the deal would add 150 teaching posts. "
    "She said the union had asked for 300.\r\n"
    "Critics say the plan is reckless. It is a bold gamble that might pay off.\r\n"
    "\r\n"
    "The budget takes effect on March 1, 2025."
)


def claims_by_start(body: str) -> dict[str, ExtractedClaim]:
    """Claims keyed by their first words, which is how the assertions below name them."""
    return {" ".join(c.text.split()[:4]): c for c in extract_claims(body)}


@pytest.mark.parametrize("body", [FLOOD, BUDGET])
def test_claim_offsets_are_exact(body: str) -> None:
    claims = extract_claims(body)
    assert claims
    for claim in claims:
        assert body[claim.char_start : claim.char_end] == claim.text
        for q in claim.quantities:
            assert claim.text[q.start : q.end] == q.text


def test_flood_story_claims_are_what_a_fact_checker_would_pick() -> None:
    assert list(claims_by_start(FLOOD)) == [
        "Floodwaters from the swollen",
        "The river peaked at",
        "\u201cWe have confirmed three",
        "She described the flooding",
        "The Regional Water Authority",
        "Some rescue teams have",
        "Forecasters at the NHS",
        "The mayor said the",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials Count the Cost of the Arden Flood",  # heading
        "What Happens Next?",  # heading
        "The scale of the damage is deeply alarming.",  # evaluation
        "This disaster underscores the gravity",  # interpretation and advice
        "If the rain continues, the river could rise",  # unattributed conditional prediction
        "Insurers may face claims of as much as $2.5 billion",  # unattributed speculation, despite the figure
        "Residents are angry.",  # too short, no fact
        "Will the city rebuild the levee in time?",  # question
    ],
)
def test_flood_story_commentary_is_not_a_claim(sentence: str) -> None:
    assert not any(c.text.startswith(sentence) for c in extract_claims(FLOOD))
    scored = next(s for s in score_sentences(FLOOD) if s.text.startswith(sentence))
    assert scored.score < 0.5


def test_attributions() -> None:
    claims = claims_by_start(FLOOD)
    assert claims["Floodwaters from the swollen"].attribution == "regional emergency agency"
    assert claims["The river peaked at"].attribution == "NHS"  # the acronym given in parentheses
    assert claims["\u201cWe have confirmed three"].attribution == "Helen Okafor"  # the title dropped
    assert claims["She described the flooding"].attribution == "Helen Okafor"  # the pronoun resolved
    assert claims["The mayor said the"].attribution == "Helen Okafor"  # the role resolved
    assert claims["The Regional Water Authority"].attribution == "Regional Water Authority"
    assert claims["Some rescue teams have"].attribution is None  # "reportedly": no named source

    budget = claims_by_start(BUDGET)
    assert budget["\u201cThis budget keeps every"].attribution == "Amelia Ross"  # '"...," said Dr. ...'
    assert budget["Marta Jensen, a spokeswoman"].attribution == "Marta Jensen"  # past the apposition
    assert budget["She said the union"].attribution == "Marta Jensen"  # the most recent person


def test_reasons_name_the_cues() -> None:
    claims = claims_by_start(FLOOD)
    assert "states a quantity: 12,000 residents (approximate)" in claims["Floodwaters from the swollen"].reasons
    assert "refers to a time: Sunday" in claims["Floodwaters from the swollen"].reasons
    assert "attributed to NHS" in claims["The river peaked at"].reasons
    assert "concrete action: peaked" in claims["The river peaked at"].reasons
    okafor = claims["\u201cWe have confirmed three"].reasons
    assert 'quotes directly: "We have confirmed three deaths and 41 injuries so far"' in okafor
    assert "refers to an event: briefing" in okafor
    assert "attributed to Helen Okafor (refers back to 'She')" in claims["She described the flooding"].reasons
    assert "attributed without a named source: reportedly" in claims["Some rescue teams have"].reasons

    scored = {s.text.split(".")[0]: s for s in score_sentences(FLOOD)}
    assert "evaluative claim: is deeply alarming" in scored["The scale of the damage is deeply alarming"].reasons
    commentary = scored[
        "This disaster underscores the gravity of the climate crisis and should serve as a wake-up call"
    ]
    assert "opinion or interpretation: underscores" in commentary.reasons
    assert "opinion or interpretation: should" in commentary.reasons
    conditional = scored[
        "If the rain continues, the river could rise even further, a potential catastrophe for the valley"
    ]
    assert "speculative wording: If" in conditional.reasons
    assert "speculative wording: could" in conditional.reasons
    assert "is a heading" in scored["What Happens Next?"].reasons
    assert "is a question" in scored["Will the city rebuild the levee in time?"].reasons
    assert "very short (3 words)" in scored["Residents are angry"].reasons


def test_hedge_reported_by_a_named_source_stays_a_claim() -> None:
    # "Forecasters said the river may rise 40 cm" is checkable (did they say so?); the same hedge
    # with nobody behind it ("Insurers may face ...") is speculation.
    reported = claims_by_start(FLOOD)["Forecasters at the NHS"]
    assert "speculative wording, the source's: may" in reported.reasons
    assert reported.attribution == "Forecasters at the NHS"
    unattributed = next(s for s in score_sentences(FLOOD) if s.text.startswith("Insurers may"))
    assert "speculative wording: may" in unattributed.reasons
    assert unattributed.score < 0.5 < reported.score


def test_quantities_on_claims() -> None:
    claims = claims_by_start(FLOOD)
    [residents] = claims["Floodwaters from the swollen"].quantities
    assert (residents.value, residents.unit, residents.approximate) == (12_000.0, "residents", True)
    deaths, injuries = claims["\u201cWe have confirmed three"].quantities
    assert (deaths.value, deaths.unit) == (3.0, "deaths")
    assert (injuries.value, injuries.unit) == (41.0, "injuries")
    soldiers, boats = claims["The Regional Water Authority"].quantities
    assert (soldiers.value, soldiers.unit, boats.value, boats.unit) == (300.0, "soldiers", 45.0, "boats")
    [aid] = claims["The mayor said the"].quantities
    assert (aid.value, aid.unit, aid.text) == (40_000_000.0, "dollars", "$40 million")


def test_budget_story_claims() -> None:
    claims = claims_by_start(BUDGET)
    assert list(claims) == [
        "PORT ELLIS, Feb. 12",
        "\u201cThis budget keeps every",
        "Marta Jensen, a spokeswoman",
        "She said the union",
        "The budget takes effect",
    ]
    lead = claims["PORT ELLIS, Feb. 12"]
    assert [(q.value, q.unit) for q in lead.quantities] == [(3_500_000_000.0, "dollars"), (4.2, "percent")]
    assert "mentions a date: Feb. 12; 2025" in lead.reasons  # the year is a date, not 2,025 of something
    assert "mentions a date: March 1, 2025" in claims["The budget takes effect"].reasons
    assert claims["The budget takes effect"].quantities == ()


def test_opinions_of_vague_sources_are_not_claims() -> None:
    critics = next(s for s in score_sentences(BUDGET) if s.text.startswith("Critics say"))
    assert critics.attribution == "Critics"
    assert "opinion, the source's: reckless" in critics.reasons
    assert critics.score < 0.5


def test_words_inside_quotes_are_not_penalised() -> None:
    body = "\u201cThis is a disaster and we should have acted sooner,\u201d Mayor Helen Okafor said on Monday."
    [claim] = extract_claims(body)
    assert claim.attribution == "Helen Okafor"
    assert not any("opinion" in r or "speculative" in r for r in claim.reasons)


def test_interpretation_without_a_source_is_penalised() -> None:
    [scored] = score_sentences("This surge suggests that the levee was never maintained.")
    assert scored.attribution is None
    assert "opinion or interpretation: suggests" in scored.reasons
    assert scored.score < 0.5


def test_score_sentences_covers_every_sentence() -> None:
    scored = score_sentences(FLOOD)
    assert len(scored) == 18
    assert [s.text for s in scored if s.is_heading] == [
        "[NATION]",
        "Officials Count the Cost of the Arden Flood",
        "A Stark Warning for the Region",
        "What Happens Next?",
    ]
    for s in scored:
        assert FLOOD[s.start : s.end] == s.text
        assert 0.0 <= s.score <= 1.0
        assert s.score == round(s.score, 3)
        assert s.reasons


def test_threshold() -> None:
    everything = extract_claims(FLOOD, threshold=0.0)
    assert len(everything) == 14  # every sentence but the four headings
    assert extract_claims(FLOOD, threshold=1.0) == []
    strict = extract_claims(FLOOD, threshold=0.9)
    assert {c.text.split()[0] for c in strict} == {"The", "\u201cWe"}
    assert all(c.score >= 0.9 for c in strict)


def test_fingerprint_folds_case_punctuation_and_whitespace() -> None:
    a = fingerprint("The river peaked at 6.4 metres, officials said.")
    assert a == fingerprint("the  river peaked at 6.4 metres officials said")
    assert a == fingerprint("THE RIVER PEAKED AT 6.4 METRES \u2014 OFFICIALS SAID!")
    assert a == hashlib.sha256(b"the river peaked at 6.4 metres officials said").hexdigest()
    assert fingerprint("The river peaked at 64 metres, officials said.") != a  # "6.4" is not "64"
    assert fingerprint("10,000 soldiers") == fingerprint("10000 soldiers")
    assert len(a) == 64


def test_same_claim_in_two_articles_has_one_fingerprint() -> None:
    # Another outlet's copy: a heading of its own, the comma outside the quote.
    other = (
        "Breaking\n\u201cWe have confirmed three deaths and 41 injuries so far\u201d, "
        "Mayor Helen Okafor told reporters at a briefing in Riverton."
    )
    ours = claims_by_start(FLOOD)["\u201cWe have confirmed three"]
    [theirs] = extract_claims(other)
    assert theirs.fingerprint == ours.fingerprint


def test_empty_body() -> None:
    assert extract_claims("") == []
    assert score_sentences("   \n ") == []
