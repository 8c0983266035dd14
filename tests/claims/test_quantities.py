"""Quantities: value, unit and hedging must be reliable enough to compare figures across sources."""

from __future__ import annotations

import pytest

from shared.claims.quantities import Quantity, find_dates, find_quantities


def only(text: str) -> Quantity:
    found = find_quantities(text)
    assert len(found) == 1, found
    q = found[0]
    assert text[q.start : q.end] == q.text
    return q


@pytest.mark.parametrize(
    ("text", "value", "unit", "surface", "approximate"),
    [
        ("Officials said 100,000 troops were sent.", 100_000.0, "troops", "100,000 troops", False),
        (
            "more than 10,000 North Korean soldiers are present",
            10_000.0,
            "soldiers",
            "10,000 North Korean soldiers",
            True,
        ),
        ("about 12,000 residents fled", 12_000.0, "residents", "12,000 residents", True),
        ("as many as 100,000 troops", 100_000.0, "troops", "100,000 troops", True),
        ("nearly 300 homes were lost", 300.0, "homes", "300 homes", True),
        ("some 3,000 volunteers came", 3_000.0, "volunteers", "3,000 volunteers", True),
        ("at least 41 injuries", 41.0, "injuries", "41 injuries", True),
        ("45 boats or more", 45.0, "boats", "45 boats", True),
        ("The river peaked at 6.4 metres.", 6.4, "m", "6.4 metres", False),
        ("a 12 km stretch", 12.0, "km", "12 km", False),
        ("a 5km detour", 5.0, "km", "5km", False),
        ("spending rose 4.2 percent", 4.2, "percent", "4.2 percent", False),
        ("spending rose 4.2%", 4.2, "percent", "4.2%", False),
        ("turnout fell 3 per cent", 3.0, "percent", "3 per cent", False),
        ("a $3.5 billion budget", 3_500_000_000.0, "dollars", "$3.5 billion", False),
        ("a £20m fund", 20_000_000.0, "pounds", "£20m", False),
        ("€4 million in aid", 4_000_000.0, "euros", "€4 million", False),
        ("2 million people live there", 2_000_000.0, "people", "2 million people", False),
        ("two million people live there", 2_000_000.0, "people", "two million people", False),
        ("ten trucks arrived", 10.0, "trucks", "ten trucks", False),
        ("a dozen boats", 12.0, "boats", "a dozen boats", False),
        ("A hundred boats", 100.0, "boats", "A hundred boats", False),
        ("half a million people", 500_000.0, "people", "half a million people", False),
        ("USD five million in aid", 5_000_000.0, "dollars", "USD five million", False),
        ("SEVENTEEN donors", 17.0, "donors", "SEVENTEEN donors", False),
        ("someone often saw 12 boats", 12.0, "boats", "12 boats", False),
        ("someone gave one hundred boats", 100.0, "boats", "one hundred boats", False),
        ("USD half a million in aid", 500_000.0, "dollars", "USD half a million", False),
        ("the xUSD 12 boats", 12.0, "boats", "12 boats", False),  # a currency glued to a word is none
        ("it costs£5 each", 5.0, "pounds", "£5", False),  # a currency sign stands apart
        ("a US$12 fare", 12.0, "dollars", "US$12", False),
        ("twenty-five families", 25.0, "families", "twenty-five families", False),
        ("two hundred and fifty volunteers", 250.0, "volunteers", "two hundred and fifty volunteers", False),
        ("15 armed men", 15.0, "men", "15 armed men", False),
        ("1 soldier was hurt", 1.0, "soldier", "1 soldier", False),
        ("3 killed in the collapse", 3.0, None, "3", False),
    ],
)
def test_value_unit_surface_and_hedge(
    text: str, value: float, unit: str | None, surface: str, approximate: bool
) -> None:
    q = only(text)
    assert (q.value, q.unit, q.text, q.approximate) == (value, unit, surface, approximate)


def test_offsets_are_into_the_given_string() -> None:
    text = "Crews rescued 48 people and 7 dogs."
    people, dogs = find_quantities(text)
    assert (people.start, people.end, text[people.start : people.end]) == (14, 23, "48 people")
    assert (dogs.value, dogs.unit, dogs.text) == (7.0, "dogs", "7 dogs")


def test_range_shares_the_unit() -> None:
    low, high = find_quantities("between 10,000 to 12,000 soldiers")
    assert (low.value, low.unit) == (10_000.0, "soldiers")
    assert (high.value, high.unit) == (12_000.0, "soldiers")


@pytest.mark.parametrize(
    "text",
    [
        "The dam was built in 1998.",
        "Since 2020 the town has grown.",
        "The budget takes effect on March 1, 2025.",
        "It opened on 3 May 2024.",
        "Sirens sounded at 10:30 and again at 4 p.m.",
        "Floods in the 1990s were worse.",
        "Her F-16 landed; COVID-19 rules ended; she came 3rd.",
        "one of the boats sank",
        "the two towns agreed",
    ],
)
def test_dates_times_names_and_references_are_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def test_dates_are_found_as_dates() -> None:
    text = "The levee failed on March 3, 2024, the worst since 1998, at 4 p.m."
    assert [text[s:e] for s, e in find_dates(text)] == ["March 3, 2024", "1998", "4 p.m."]


HEDGES = [
    *("about", "around", "approximately", "roughly", "nearly", "almost", "some", "over", "under", "below", "above"),
    *("more than", "less than", "fewer than", "at least", "at most", "up to", "as many as", "as much as", "as few as"),
    *("close to", "upward of", "upwards of", "in excess of", "an estimated", "estimated", "just over", "just under"),
    *("well over", "well under"),
]


@pytest.mark.parametrize(
    "before",
    [f"{hedge} " for hedge in HEDGES] + ["Nearly ", "AS MANY AS ", "~", "~ ", "about \n", "ESTİMATED ", "almoſt "],
)
def test_every_hedge_makes_the_figure_approximate(before: str) -> None:
    q = only(f"Officials counted {before}300 boats")
    assert (q.value, q.unit, q.approximate) == (300.0, "boats", True)


@pytest.mark.parametrize("before", ["", "the ", "of ", "to ", "as ", "more ", "a total of ", "about\t", "boats: "])
def test_a_figure_without_a_hedge_is_exact(before: str) -> None:
    q = only(f"Officials counted {before}300 boats")
    assert (q.value, q.approximate) == (300.0, False)


def test_a_year_counting_things_is_a_quantity() -> None:
    q = only("about 2000 people marched")
    assert (q.value, q.unit, q.approximate) == (2000.0, "people", True)


def test_comparable_figures_from_two_sources() -> None:
    # The later cross-source check compares these: same unit, different values, both hedged.
    a = only("about 12,000 soldiers")
    b = only("more than 10,000 soldiers")
    assert a.unit == b.unit == "soldiers"
    assert (a.value, b.value) == (12_000.0, 10_000.0)
    assert a.approximate and b.approximate


# A float holds up to about 1.8e308: 309 nines is past it, and so is a large figure times a scale word.
HUGE_FIGURES = [
    "9" * 309,
    "1" + "0" * 308 + " trillion",
    "9" * 400 + " soldiers",
    ",".join(["999"] * 120),  # grouped digits, 360 of them
    "$" + "9" * 5000 + " billion",
    "9" * 100_000,
]


@pytest.mark.parametrize("figure", HUGE_FIGURES, ids=lambda f: f"{len(f)} characters")
def test_a_figure_too_large_to_represent_is_no_quantity(figure: str) -> None:
    text = f"Officials said {figure} people were counted, and 12 more arrived on Monday."
    values = [q.value for q in find_quantities(text)]
    assert values == [12.0]  # the representable figure stays; the huge one is dropped, not infinity


def test_the_largest_representable_figures_stay_quantities() -> None:
    [q] = find_quantities("The ledger showed " + "9" * 308 + " coins.")
    assert q.unit == "coins" and q.value > 1e307
