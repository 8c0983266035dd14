"""Do two claims state the same thing? A claim's signature, the keys that find candidates, and a comparison.

A fact-checker who has verified "More than 10,000 North Korean soldiers are in Russia, Seoul said" has
verified "Over ten thousand troops from North Korea have been sent to Russia, according to South Korea"
too, but not "100,000 North Korean soldiers ...", nor "... are not in Russia". So a claim is read as:

- its **terms**: the content words of the claim itself (the attribution wrapper, "X said", left out:
  who relays a statement does not change what is checked), lightly stemmed;
- its **figures**: each value with how it is hedged and what it measures, read by the extractor
  ("ten thousand" and "10,000" are one value; "more than" and "over" one bound);
- its **dates**, its **names** (and its first word, capitalised by its place, which may be one:
  "Canada will impose ..."), whether it is **negated**, and which way it says something **moved**.

Figures, dates, negation and direction decide: where they disagree the claims differ, however many
words they share. Where they agree, the similarity is rapidfuzz's token-set ratio of the two claims'
terms and names, 0..1.

Candidates are found through **keys**, not by comparing with every stored claim: a MinHash of the
terms in bands (locality-sensitive hashing: claims sharing much of their wording share a key with high
probability), each key salted with the claim's figures, so that claims with other figures never meet
and a common word is rare once a figure is part of it (a band is one word with figures, two without).
Keys are 64-bit integers in a plain b-tree table: an index lookup on any PostgreSQL, no extension needed.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from shared.claims.quantities import Quantity, find_quantities_and_dates
from shared.claims.scoring import named_entities
from shared.evidence.passages import terms_of
from shared.evidence.queries import core_span, figure_text, is_misread_year
from shared.evidence.scoring import canonical_unit, figure_bound

# Locality-sensitive hashing: BANDS keys of ROWS minimum hashes each. A pair whose term sets overlap by a
# Jaccard share J meets in at least one band with probability 1 - (1 - J**ROWS)**BANDS: 0.86 at J = 0.3,
# 0.99 at J = 0.5 (see `make eval-related`).
BANDS = 16
ROWS = 2
_PRIME = (1 << 61) - 1
# Fixed multipliers and offsets of the hash permutations: keys must be the same in every process, forever.
_PERMUTATIONS = [
    (int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") % _PRIME | 1,
     int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME)
    for i in range(BANDS * ROWS)
]  # fmt: skip

# Words that say nothing about what is claimed: hedges, number words (the figures carry them), reporting.
_NOISE = frozenset(
    terms_of(
        """about around approximately roughly nearly almost some estimated over under more than less fewer least
        most up upward upwards excess just well close circa plus one two three four five six seven eight nine ten
        eleven twelve twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion
        trillion dozen half per cent percent report reported reportedly according told tells stated announced
        confirmed claimed claims said says added noted also"""
    )
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|denied|denies|deny|denying)\b|n[’']t\b", re.IGNORECASE
)
# Which way a figure or a decision went: "rose" against "fell" is no paraphrase.
_DIRECTIONS = {
    "up": "rose rise rises risen rising increased increase increases grew grow grows growing gained gain gains "
    "climbed climb climbs jumped jump jumps surged surge soared higher up raised raise raises more most highest "
    "largest biggest",
    "down": "fell fall falls fallen falling decreased decrease decreases declined decline declines dropped drop "
    "drops shrank shrink shrinks lost slid plunged slumped lower down cut cuts lowered lower lowers less fewer "
    "least lowest smallest",
    "same": "unchanged steady flat stable",
    "yes": "approved approve approves passed pass accepted accept upheld uphold won win wins allowed allow allows "
    "granted grant backed back convicted confirmed confirm signed",
    "no": "rejected reject rejects vetoed veto vetoes blocked block blocks defeated defeat overturned overturn "
    "denied deny refused refuse banned ban acquitted cleared cancelled canceled scrapped",
}
_DIRECTION = {word: way for way, words in _DIRECTIONS.items() for word in words.split()}
_OPPOSITE = {"up": {"down", "same"}, "down": {"up", "same"}, "same": {"up", "down"}, "yes": {"no"}, "no": {"yes"}}
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
# A month named without a day ("since April"); "May" only capitalised, as it is also a verb.
_MONTH_WORDS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_RELATIVE = re.compile(r"\b(last|this|next)\s+(week|month|year|weekend|quarter|season)\b", re.I)
_NUMBERED = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_ORDINALS = {
    w: i
    for i, words in enumerate(
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"], 1
    )
    for w in words.split()
}  # fmt: skip
_NAME_FILLERS = frozenset(["of", "the", "and", "for"])
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_DATE_PART = re.compile(r"\d+|[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z]+")
# Closed-class words that open sentences and are not stopwords of the evidence search.
_OPENERS = frozenset([
    "since", "without", "across", "among", "despite", "throughout", "within", "toward", "towards", "amid", "upon",
    "last", "next", "yesterday", "today", "tonight", "tomorrow", "earlier", "later", "still", "even", "already",
    "meanwhile", "however", "instead", "although", "though", "unless", "whether", "every", "several",
])  # fmt: skip
_LEAD = re.compile(r"[\"“']?([A-Z][a-z]+)\b(?!['’]s\b)")
# Measures whose difference makes two figures different even when the values agree ("12 percent", "12 km").
_MEASURES = frozenset([
    "percent", "percentage points", "km", "m", "cm", "mm", "kg", "miles", "tonnes", "tons", "lb", "litres",
    "gallons", "hectares", "acres", "km/h", "mph", "dollars", "euros", "pounds", "yen", "yuan", "rupees", "roubles",
    "degrees Celsius", "degrees Fahrenheit", "years",
])  # fmt: skip


# Durations in years, by unit as canonical_unit gives it (singular).
_YEARS = {"decade": 10.0, "year": 1.0, "month": 1 / 12, "week": 7 / 365, "day": 1 / 365, "hour": 1 / 8760}


@dataclass(frozen=True, slots=True)
class Figure:
    value: float
    bound: str | None  # "lower" (more than), "upper" (up to), "below" (nearly), "about", None: exactly
    unit: str | None  # canonical: "military personnel", "percent", "dollars", a noun ...
    shown: str  # as written: "more than 10,000 soldiers"


@dataclass(frozen=True, slots=True)
class Signature:
    terms: tuple[str, ...]  # sorted, distinct
    names: tuple[str, ...]  # lowercase names, sorted, distinct: "european union", "kim jong-un"
    figures: tuple[Figure, ...]  # in order of value
    dates: tuple[str, ...]  # by kind: "y2024", "m11", "md11-5", "wmonday", "o3" (third), "rnext-week"
    numbers: tuple[str, ...]  # digits read as neither figure nor date ("191.5p", "2:00:35"), as written
    negated: bool
    directions: tuple[str, ...]  # "up", "down", "same", "yes", "no"
    # The claim's first word when it is capitalised and no stopword: "Canada" in "Canada will impose ...",
    # as a term ("canada"). Perhaps a name (capitalised by its place alone, so not among the names).
    lead: str | None = None

    def to_json(self) -> dict:
        return {
            "terms": list(self.terms),
            "names": list(self.names),
            "figures": [[f.value, f.bound, f.unit, f.shown] for f in self.figures],
            "dates": list(self.dates),
            "numbers": list(self.numbers),
            "negated": self.negated,
            "directions": list(self.directions),
            "lead": self.lead,
        }

    @classmethod
    def from_json(cls, data: dict) -> Signature:
        return cls(
            tuple(data["terms"]),
            tuple(data["names"]),
            tuple(Figure(v, b, u, s) for v, b, u, s in data["figures"]),
            tuple(data["dates"]),
            tuple(data["numbers"]),
            bool(data["negated"]),
            tuple(data["directions"]),
            data.get("lead"),  # signatures stored before it was read have none
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    similarity: float  # 0..1; 0 when something decisive differs
    differs: str | None  # what tells them apart, in words, when something decisive does
    matched: dict  # what they share: figures, dates, names, terms (empty when something decisive differs)

    def same(self, threshold: float) -> bool:
        return self.differs is None and self.similarity >= threshold


def signature(text: str, attribution: str | None = None) -> Signature:
    """The parts of a claim that decide whether another states the same thing."""
    start, end = core_span(text, attribution)
    core = text[start:end] if end > start else text
    quantities, dates = find_quantities_and_dates(core)
    figures = tuple(
        sorted(
            (_figure(core, q) for q in quantities if not is_misread_year(q.text, q.unit)),
            key=lambda f: (f.value, f.unit or ""),
        )
    )
    words = [w.lower() for w in _WORD.findall(core)]
    source = {w.lower() for w in _WORD.findall(attribution or "")}
    names = set()
    for name in named_entities(core, lambda _: False):
        kept = [w.lower() for w in _WORD.findall(name) if w.lower() not in source]
        while kept and kept[0] in _OPENERS:  # "Since January" opens the sentence; it names nothing
            kept.pop(0)
        if kept and not all(_MONTH_WORDS.fullmatch(w.capitalize()) or w in _WEEKDAYS for w in kept):
            names.add(" ".join(kept))
    stems = _name_stems(names)
    terms = {t for t in terms_of(core) if not t[0].isdigit() and t not in _NOISE and t[:4] not in stems}
    return Signature(
        terms=tuple(sorted(terms)),
        names=tuple(sorted(names)),
        figures=figures,
        dates=tuple(sorted(_when(core, dates, words))),
        numbers=_loose_numbers(core, [(q.start, q.end) for q in quantities] + dates),
        negated=bool(_NEGATION.search(core)),
        directions=tuple(sorted({_DIRECTION[w] for w in words if w in _DIRECTION})),
        lead=_lead(core, names, quantities),
    )


def _lead(core: str, names: set[str], quantities: list[Quantity]) -> str | None:
    first = _LEAD.match(core)
    if first is None or any(first.group(1).lower() in name.split() for name in names):
        return None  # not capitalised, or part of a name already read
    if any(q.start < first.end() for q in quantities) or first.group(1).lower() in _OPENERS:
        return None  # a figure ("Fourteen people ..."), or a word that opens sentences ("Since January, ...")
    terms = [t for t in terms_of(first.group(1)) if t not in _NOISE]
    return terms[0] if len(terms) == 1 else None


def _figure(text: str, q: Quantity) -> Figure:
    unit, value = canonical_unit(q.unit), q.value
    if unit in _YEARS:  # "two decades" and "twenty years", "48 hours" and "two days" are one duration
        unit, value = "years", value * _YEARS[unit]
    return Figure(float(f"{value:.6g}"), figure_bound(text, q), unit, figure_text(q.text, q.unit))


def _loose_numbers(core: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    return tuple(
        sorted(
            m.group().replace(",", "")
            for m in _DIGITS.finditer(core)
            if not any(start <= m.start() < end for start, end in spans)
        )
    )


def _date_tokens(surface: str) -> set[str]:
    """ "October 2023" -> {"y2023", "m10"}; "March 3" -> {"m3", "md3-3"}; a clock time -> nothing."""
    year = month = day = ""
    for part in _DATE_PART.findall(surface):
        if part.isdigit():
            if len(part) == 4:
                year = part
            elif len(part) <= 2:
                day = part.lstrip("0")
        elif part[:3].lower() in _MONTHS:
            month = str(_MONTHS[part[:3].lower()])
    tokens = {f"y{year}"} if year else set()
    if month:
        tokens |= {f"m{month}", f"md{month}-{day}"} if day else {f"m{month}"}
    return tokens


def _when(core: str, dates: list[tuple[int, int]], words: list[str]) -> set[str]:
    """The claim's dates as tokens by kind: year, month, month and day, weekday, ordinal ("third quarter")."""
    tokens = set().union(*(_date_tokens(core[s:e]) for s, e in dates)) if dates else set()
    tokens |= {f"w{w}" for w in words if w in _WEEKDAYS}
    tokens |= {f"m{_MONTHS[w[:3].lower()]}" for w in _MONTH_WORDS.findall(core)}
    tokens |= {f"o{_ORDINALS[w]}" for w in words if w in _ORDINALS}
    tokens |= {f"o{n}" for n in _NUMBERED.findall(core)}
    tokens |= {f"r{m.group(1).lower()}-{m.group(2).lower()}" for m in _RELATIVE.finditer(core)}
    return tokens


def match_keys(sig: Signature) -> list[int]:
    """The claim's candidate keys, distinct: signed 64-bit integers, the same in every process.

    A key is what a band's minimum hashes picked, not which band picked it: two bands that pick the same
    words give one key (a figure claim of eight terms has about eight keys, not sixteen), and two claims
    still meet wherever any band of theirs picks the same words.
    """
    words = [*sig.terms, *sorted(_name_stems(sig.names))]
    if len(words) < 2:
        return []  # too little wording to say anything is the same claim
    bases = [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big") for w in words]
    # With figures in the salt one word a key is selective enough; without, a key takes two.
    width = 1 if sig.figures else ROWS
    # Each permutation's minimum, as the word it picks (the hash identifies the word).
    ranked = [min(((a * x + b) % _PRIME, x) for x in bases)[1] for a, b in _PERMUTATIONS[: BANDS * width]]
    salt = ",".join(f"{f.value:g}" for f in sig.figures)
    bands = {tuple(sorted(ranked[band * width : (band + 1) * width])) for band in range(BANDS)}
    return sorted(
        int.from_bytes(hashlib.blake2b(f"{salt}|{band}".encode(), digest_size=8).digest(), "big", signed=True)
        for band in bands
    )


def compare(a: Signature, b: Signature) -> Comparison:
    """How alike two claims are, and what differs when something decisive does."""
    differs = _decisive_difference(a, b)
    if differs:
        return Comparison(0.0, differs, {})
    shared = {
        "figures": [f.shown for f in a.figures],
        "dates": sorted(set(a.dates) & set(b.dates)),
        "names": sorted(set(a.names) & set(b.names)),
        "terms": sorted(set(a.terms) & set(b.terms)),
    }
    left = " ".join([*a.terms, *sorted(_name_stems(a.names))])
    right = " ".join([*b.terms, *sorted(_name_stems(b.names))])
    similarity = round(fuzz.token_set_ratio(left, right) / 100, 3) if left and right else 0.0
    return Comparison(similarity, None, shared)


def _decisive_difference(a: Signature, b: Signature) -> str | None:
    if [f.value for f in a.figures] != [f.value for f in b.figures]:
        return f"figures: {_shown(a.figures)} against {_shown(b.figures)}"
    for x, y in zip(a.figures, b.figures, strict=True):
        if {x.bound, y.bound} in ({"lower", "upper"}, {"lower", "below"}):
            return f"bounds: {x.shown} ({x.bound}) against {y.shown} ({y.bound})"
        if x.unit != y.unit and x.unit in _MEASURES and y.unit in _MEASURES:
            return f"units: {x.shown} against {y.shown}"
    if a.dates and b.dates and not _dates_agree(a.dates, b.dates):
        return f"dates: {', '.join(a.dates)} against {', '.join(b.dates)}"
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return f"numbers: {', '.join(a.numbers)} against {', '.join(b.numbers)}"
    only_a, only_b = _unmatched(a.names, b.names), _unmatched(b.names, a.names)
    # A leading word counts as a name where the other claim has it nowhere: "Germany received ..." and
    # "France received ..." differ; "Officials said ..." and "... officials said" do not.
    only_a += _unmatched_lead(a, b)
    only_b += _unmatched_lead(b, a)
    if only_a and only_b:
        return f"names: {', '.join(sorted(only_a))} against {', '.join(sorted(only_b))}"
    if a.negated != b.negated:
        return "one of them is negated"
    for way in a.directions:
        against = _OPPOSITE[way] & set(b.directions)
        if against and way not in b.directions:
            return f"direction: {way} against {', '.join(sorted(against))}"
    return None


def _unmatched_lead(sig: Signature, other: Signature) -> tuple[str, ...]:
    if (
        sig.lead is None
        or sig.lead in other.terms
        or sig.lead[:4] in _name_stems(other.names)
        or sig.lead == other.lead
    ):
        return ()
    return (sig.lead,)


def _name_stems(names: tuple[str, ...] | set[str]) -> set[str]:
    """Name words by their first four letters: "Britain" and "British", "Iran" and "Iranian" are one."""
    return {w[:4] for name in names for w in name.split()}


@functools.lru_cache(maxsize=4096)  # a claim's names meet each candidate's: the same pairs come back
def _unmatched(names: tuple[str, ...], others: tuple[str, ...]) -> tuple[str, ...]:
    """The name words of one claim the other does not name: not as a word, nor through an acronym ("EU")."""
    stems = _name_stems(others)
    acronyms = {_initials(n) for n in others}
    missing = []
    for name in names:
        if _initials(name) in acronyms or name in acronyms:
            continue
        missing += [w for w in name.split() if w[:4] not in stems and w not in _NAME_FILLERS]
    return tuple(missing)


def _initials(name: str) -> str:
    words = [w for w in name.split() if w not in _NAME_FILLERS]
    return "".join(w[0] for w in words) if len(words) > 1 else name


def _dates_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Dates of a kind said in both (years, months, days, weekdays, ordinals, "next week") must meet: "in 2023"
    and "in 2024" differ; "in March" and "in March, up from February" do not; a kind said in one only is
    detail the other leaves out."""
    for kind in ("y", "md", "m", "w", "o", "r"):
        left = {d for d in a if d.startswith(kind) and not (kind == "m" and d.startswith("md"))}
        right = {d for d in b if d.startswith(kind) and not (kind == "m" and d.startswith("md"))}
        if left and right and left.isdisjoint(right):
            return False
    return True


def _shown(figures: tuple[Figure, ...]) -> str:
    return "; ".join(f.shown for f in figures) or "no figure"
