"""Do two claims state the same thing: figures, dates, names and polarity decide; wording is weighed."""

from __future__ import annotations

import pytest

from shared.claims.scoring import sentence_cues
from shared.related.matching import Signature, compare, match_keys, signature

THRESHOLD = 0.56
BASE = "More than 10,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said on Monday."


def sig(text: str) -> Signature:
    return signature(text, sentence_cues(text).attribution)


@pytest.mark.parametrize(
    "other",
    [
        "Over ten thousand troops from North Korea have been sent to Russia, according to Seoul, on Monday.",
        "On Monday, South Korean intelligence said that more than 10,000 soldiers from North Korea had been sent "
        "to Russia.",
        "More than 10 000 North Korean soldiers have been sent to Russia, officials said on Monday.",
    ],
)
def test_the_same_claim_in_other_words_is_the_same(other):
    comparison = compare(sig(BASE), sig(other))
    assert comparison.same(THRESHOLD), comparison
    assert set(match_keys(sig(BASE))) & set(match_keys(sig(other)))  # they meet in the index


@pytest.mark.parametrize(
    ("other", "differs"),
    [
        ("More than 100,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said.", "figures"),
        ("Fewer than 10,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said.", "bounds"),
        (
            "More than 10,000 North Korean soldiers have not been sent to Russia, South Korea's spy agency said.",
            "negated",
        ),
        ("More than 10,000 North Korean soldiers have been sent to Belarus, South Korea's spy agency said.", "names"),
    ],
)
def test_a_figure_a_bound_a_negation_a_place_or_a_date_makes_another_claim(other, differs):
    comparison = compare(sig(BASE), sig(other))
    assert not comparison.same(0.0)
    assert differs in comparison.differs


def test_years_weekdays_directions_and_acronyms():
    monday, friday = (
        sig("North Korea sent 10,000 soldiers to Russia on Monday."),
        sig("North Korea sent 10,000 soldiers to Russia on Friday."),
    )
    assert "dates" in compare(monday, friday).differs
    assert "dates" in compare(sig("Inflation fell to 3.2% in 2023."), sig("Inflation fell to 3.2% in 2024.")).differs
    assert "direction" in compare(sig("Exports rose 12% last year."), sig("Exports fell 12% last year.")).differs
    eu = compare(
        sig("The European Union imposed sanctions on nine companies on Monday."),
        sig("On Monday the EU imposed sanctions on nine companies."),
    )
    assert eu.same(THRESHOLD), eu
    durations = compare(sig("Turnout was the highest in two decades."), sig("Turnout was the highest in twenty years."))
    assert durations.differs is None


def test_a_signature_survives_storage_and_keys_are_stable():
    original = sig(BASE)
    assert Signature.from_json(original.to_json()) == original
    keys = match_keys(original)
    assert keys == match_keys(sig(BASE))  # the same in every process: no salted hash()
    assert 1 <= len(keys) <= 16 and keys == sorted(set(keys))  # distinct: bands picking the same words share one
    assert all(-(2**63) <= k < 2**63 for k in keys)  # fits a bigint
    assert match_keys(sig("Yes.")) == []  # too little wording to match on


def test_a_leading_word_is_a_name_only_where_the_other_claim_lacks_it():
    norway, sweden = (
        sig(f"{c} will ban sales of new petrol cars from 2025, the government said.") for c in ("Norway", "Sweden")
    )
    assert "names" in compare(norway, sweden).differs
    inspectors = sig("Inspectors found 31 unsafe bridges in the region last month.")
    for other in (
        "Thirty-one unsafe bridges were found in the region last month, inspectors said.",  # a figure leads
        "Last month, inspectors found 31 unsafe bridges in the region.",  # a word that opens sentences
    ):
        assert compare(inspectors, sig(other)).same(THRESHOLD), other
    assert sig("Since March, bus fares have risen by 12%.").names == ()
