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
    # Figures with their sources, a quote with who said it, an unnamed report of an event, a forecast
    # its source made: checkable. Commentary, speculation with nobody behind it, questions: not.
    picked = list(claims_by_start(FLOOD))
    for claim in [
        "Floodwaters from the swollen",
        "The river peaked at",
        "\u201cWe have confirmed three",
        "The Regional Water Authority",
        "Some rescue teams have",
        "Forecasters at the NHS",
        "The mayor said the",
    ]:
        assert claim in picked


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials Count the Cost of the Arden Flood",  # heading
        "What Happens Next?",  # heading
        "The scale of the damage is deeply alarming.",  # evaluation
        "This disaster underscores the gravity",  # interpretation and advice
        "If the rain continues, the river could rise",  # unattributed conditional prediction
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
    described = next(s for s in score_sentences(FLOOD) if s.text.startswith("She described"))
    assert described.attribution == "Helen Okafor"  # the pronoun resolved
    assert claims["The mayor said the"].attribution == "Helen Okafor"  # the role resolved
    assert claims["The Regional Water Authority"].attribution == "Regional Water Authority"
    assert claims["Some rescue teams have"].attribution is None  # "reportedly": no named source

    budget = claims_by_start(BUDGET)
    ross = next(s for s in score_sentences(BUDGET) if s.text.startswith("\u201cThis budget"))
    assert ross.attribution == "Amelia Ross"  # '"...," said Dr. ...'
    assert budget["Marta Jensen, a spokeswoman"].attribution == "Marta Jensen"  # past the apposition
    assert budget["She said the union"].attribution == "Marta Jensen"  # the most recent person


@pytest.mark.parametrize(
    ("mention", "expected"),
    [("Okafor\u2019s office", "Helen Okafor"), ("Okafor's office", "Helen Okafor"), ("The office", "Ana Ruiz")],
)
def test_a_pronoun_refers_to_the_person_mentioned_last_possessives_included(mention: str, expected: str) -> None:
    body = (
        "Mayor Helen Okafor opened the briefing in Riverton. Dr. Ana Ruiz spoke next. "
        f"{mention} handed out the figures. She said 4,000 homes were flooded."
    )
    assert score_sentences(body)[-1].attribution == expected


@pytest.mark.parametrize(
    ("introduced", "expected"),
    [
        ('"We are losing money," said Tomas Ek, chief executive of the Halvorsen Chamber of Commerce.', "Tomas Ek"),
        ("Maren Lindqvist, union secretary, met the mediator on Friday.", "Maren Lindqvist"),
        ("Jane Doe, a spokeswoman for the union, met the mediator on Friday.", "Jane Doe"),
        ("Across North America, analyst estimates rose by 4% last year.", None),  # no role phrase: no one
        ("In London, chief executive officers met investors.", None),  # a place is no one
    ],
)
def test_a_name_with_its_role_after_a_comma_is_whom_he_or_she_refers_to(introduced: str, expected: str) -> None:
    last = score_sentences(f"{introduced} He said 140 member companies had reported delays.")[-1]
    assert last.attribution == expected


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Maren Lindqvist, union secretary, said 2,300 members had voted to strike.", "Maren Lindqvist"),
        ("Colin Powell, our secretary of state, announced that talks would go on.", "Colin Powell"),
        ('"Families pay more for food," said opposition transport spokesperson Lars Dahl.', "Lars Dahl"),
        ("The Port Authority, closed since Monday, said 40 ships were waiting.", None),  # no role: no apposition
        ("Prices rose 3% last year, according to allies of president Vladimir Putin.", None),  # not his words
    ],
)
def test_a_source_described_by_its_role_without_an_article(sentence: str, source: str | None) -> None:
    [scored] = score_sentences(sentence)
    assert scored.attribution == source


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Freight rates rose 18%, according to the national shipping council.", "national shipping council"),
        ("Outside groups spent $60 million, according to the tracking firm AdWatch.", "tracking firm AdWatch"),
        ("He was convicted of fraud in 2019, according to court records.", "court records"),
        ("Prices rose 3%, according to data that officials released.", "data"),  # "that" names no kind
        ('"We will appeal," said Smith after the court ruling.', "Smith"),  # a kind comes before a name
    ],
)
def test_a_source_is_named_with_the_words_that_say_what_kind_it_is(sentence: str, source: str) -> None:
    [scored] = score_sentences(sentence)
    assert scored.attribution == source


def test_a_role_after_a_name_stands_for_that_person() -> None:
    body = (
        '"We are losing money," said Tomas Ek, chief executive of the Halvorsen Chamber. '
        "The chief executive said 140 member companies had reported delays."
    )
    assert score_sentences(body)[-1].attribution == "Tomas Ek"


def test_a_title_case_heading_names_no_one() -> None:
    # Every word of such a heading is capitalised: "Helen Okafor Orders" would be taken for a name.
    [claim] = extract_claims("Mayor Helen Okafor Orders Evacuation\n\nOkafor said 4,000 homes were flooded on Monday.")
    assert claim.attribution == "Okafor"


def test_reasons_name_the_cues_in_words() -> None:
    claims = claims_by_start(FLOOD)
    assert "an approximate figure: 12,000 residents" in claims["Floodwaters from the swollen"].reasons
    assert "attributed to NHS" in claims["The river peaked at"].reasons
    assert "a figure with what it counts: 300 soldiers; 45 boats" in claims["The Regional Water Authority"].reasons
    assert "attributed to Helen Okafor (refers back to 'mayor')" in claims["The mayor said the"].reasons

    scored = {s.text.split(".")[0]: s for s in score_sentences(FLOOD)}
    alarming = scored["The scale of the damage is deeply alarming"]
    assert "against: the writer's view, with no figure or source: is deeply alarming" in alarming.reasons
    commentary = scored[
        "This disaster underscores the gravity of the climate crisis and should serve as a wake-up call"
    ]
    assert "against: the writer's view, with no figure or source: underscores" in commentary.reasons
    assert "against: a question: ?" in scored["Will the city rebuild the levee in time?"].reasons


@pytest.mark.parametrize("body", [FLOOD, BUDGET])
def test_reasons_are_few_and_never_raw_ngrams(body: str) -> None:
    for s in score_sentences(body):
        assert 0 < len(s.reasons) <= 5, s
        for reason in s.reasons:
            kind = reason.removeprefix("against: ")
            # A cue with what shows it, or a whole word or pair of words; never letters cut from a word.
            if kind.startswith("wording: "):
                wording = kind.removeprefix("wording: ").strip("'")
                assert all(word in s.text.lower().replace("\u2019", "'") for word in wording.split()), reason
            else:
                assert ": " in kind or kind.startswith("attributed"), reason


def test_hedge_reported_by_a_named_source_stays_a_claim() -> None:
    # "Forecasters said the river may rise 40 cm" is checkable (did they say so?).
    reported = claims_by_start(FLOOD)["Forecasters at the NHS"]
    assert reported.attribution == "Forecasters at the NHS"
    assert "attributed to Forecasters at the NHS" in reported.reasons
    assert reported.score > 0.5


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
    for claim in ["PORT ELLIS, Feb. 12", "Marta Jensen, a spokeswoman", "She said the union", "The budget takes"]:
        assert any(c.startswith(claim) for c in claims)
    lead = claims["PORT ELLIS, Feb. 12"]
    assert [(q.value, q.unit) for q in lead.quantities] == [(3_500_000_000.0, "dollars"), (4.2, "percent")]
    assert claims["The budget takes effect"].quantities == ()  # "2025" is a date, not 2,025 of something
    assert not any(c.startswith(("Critics say", "It is a bold")) for c in claims)


def test_opinions_of_vague_sources_are_not_claims() -> None:
    critics = next(s for s in score_sentences(BUDGET) if s.text.startswith("Critics say"))
    assert critics.attribution == "Critics"
    assert "against: the source's opinion: reckless" in critics.reasons
    assert critics.score < 0.5


def test_words_inside_quotes_are_not_the_writers_opinion() -> None:
    body = "\u201cThis is a disaster and we should have acted sooner,\u201d Mayor Helen Okafor said on Monday."
    [scored] = score_sentences(body)
    assert scored.attribution == "Helen Okafor"
    assert not any("writer's" in r for r in scored.reasons)


def test_interpretation_without_a_source_is_not_a_claim() -> None:
    [scored] = score_sentences("This surge suggests that the levee was never maintained.")
    assert scored.attribution is None
    assert "interpretation" in scored.cues
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
    claims = extract_claims(FLOOD)
    highest = max(c.score for c in claims)
    strict = extract_claims(FLOOD, threshold=highest)
    assert 0 < len(strict) < len(claims)
    assert all(c.score == highest for c in strict)


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


@pytest.mark.parametrize(
    "body",
    ["\u0130stanbul officials said 300 people died on Monday.", "The \u212a-index rose 5 percent, KCNA said.",
     "\ufb01nance ministry said 12 banks failed.", "Stra\u00dfe closed: 40 cars, police said.", "\u0130" * 50],
)  # fmt: skip
def test_letters_that_change_length_when_lowercased_keep_offsets_exact(body: str) -> None:
    for s in score_sentences(body):
        assert body[s.start : s.end] == s.text
        for q in s.quantities:
            assert s.text[q.start : q.end] == q.text


def test_empty_body() -> None:
    assert extract_claims("") == []
    assert score_sentences("   \n ") == []
