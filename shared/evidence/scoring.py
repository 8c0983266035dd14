"""How a source bears on a claim: the best passage, its relevance, agreement signals and a stance.

``assess`` finds the source's passage that best matches the claim (its attribution wrapper stripped,
see ``queries.core_span``), then looks in and around it (the passage plus one sentence either side)
for signals, each ``{"kind": ..., "detail": "<a readable sentence>"}`` plus a few structured keys:

- ``quantity_match``: a figure of the claim found again, same unit or a synonym (troops, soldiers,
  personnel, forces; people, residents; deaths, fatalities ...), the same value allowing for hedges
  ("about", "more than") — keys ``claim`` and ``source``, the figures as written.
- ``quantity_mismatch``: a different figure for the same thing (a comparable unit, and the words around
  it share at least MIN_SHARED_CONTEXT terms with the words around the claim's figure) — keys
  ``claim``, ``source``, ``relation`` and ``compatible``. Each figure is read as a range: "12,000"
  exactly, "about 12,000" within 10%, "more than 10,000" from 10,000 up, "up to 10,000" below it,
  "nearly 10,000" just below it. ``relation`` is ``within`` when the source's range lies inside the
  claim's ("more than 10,000" against "about 12,000"): the mismatch is flagged so the fact-checker
  sees both figures, but it is ``compatible`` and counts as half a confirmation, never as a
  refutation. ``contradicts`` when the ranges do not meet ("212 people" against "180 people"): it
  refutes. ``overlaps`` otherwise (claim "10,000", source "more than 8,000"): compatible, counts
  neither way.
- ``denial``: denial or negation cues near the passage ("denied", "no evidence", "false", "not true",
  "dismissed", "baseless", "fabricated"; weaker: "did not", "never", "was not") — keys ``strength``
  (strong | weak) and ``cues``. A cue the claim itself contains is not a denial (the claim "the river
  did not breach the levee" is repeated, not denied, by a source saying it did not); "did not deny"
  and "neither confirmed nor denied" are not denials. A weak cue counts only in a sentence sharing at
  least two terms with the claim, and as strong when that sentence restates most of the claim (the
  claim stated negated: "the river did not breach the levee" against "the river breached the levee").
- ``same_attribution``: the source attributes it to the same named speaker or organisation as the claim
  (by claim extraction's attribution finder, or the name / its acronym next to a reporting verb);
  generic sources such as "officials" do not count — key ``attribution``.
- ``fact_check_rating`` (from ``rating_stance``): a fact-check organisation's rating — key ``rating``.
- ``stance``: always last; the reasoning behind the stance, in words.

The stance, from the signals (weights in the constants below):

- ``refutes`` when the refuting weight (contradicting figures 1, strong denials 1, weak ones 0.5) is at
  least 1 and greater than the specific support (matching figures 1, within-bound figures 0.5, same
  attribution 0.5);
- ``supports`` when nothing refutes and the support, plus a bonus for a passage that restates much of
  the claim (relevance >= 0.5: half a point; >= 0.85: a point), is at least 1;
- ``unclear`` otherwise (conflicting signals, too little confirmed), and always when the relevance is
  under STANCE_MIN_RELEVANCE.

``assess`` returns None when the best passage's relevance is under MIN_RELEVANCE. Pure, deterministic;
the cost is that of ``best_passages`` (linear in the source) plus a few sentences' worth of work.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

from shared.claims.quantities import Quantity, find_quantities
from shared.claims.scoring import sentence_cues
from shared.evidence.fetcher import FetchedPage
from shared.evidence.pages import read_page
from shared.evidence.passages import best_passages, split_sentences, terms_of
from shared.evidence.providers.base import ClaimContext, Finding
from shared.evidence.queries import core_span, figure_text, is_misread_year


def _word_set(spec: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string, for readable word lists."""
    return frozenset(spec.split())


# Below this, the best passage shares too little with the claim to be worth a fact-checker's time.
MIN_RELEVANCE = 0.15
# Below this a passage is kept for the fact-checker to read, but its signals decide no stance.
STANCE_MIN_RELEVANCE = 0.2
# A passage that restates most of the claim supports it a little on its own, a near-restatement more.
RESTATES_RELEVANCE = (0.5, 0.85)
W_RESTATES = (0.5, 1.0)
W_MATCH = 1.0
W_WITHIN_BOUND = 0.5
W_SAME_ATTRIBUTION = 0.5
W_CONTRADICTS = 1.0
W_DENIAL = {"strong": 1.0, "weak": 0.5}
# A figure "about N" is read as N +- 10%; two plain figures are the same within half a percent.
APPROXIMATE_TOLERANCE = 0.10
EXACT_TOLERANCE = 0.005
_NEIGHBOURHOOD_CHARS = 900  # enough to hold the sentence before and after the passage
_SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class Assessment:
    passage: str
    passage_start: int  # offsets into the source text
    passage_end: int
    relevance: float  # 0..1
    stance: str  # supports | refutes | unclear
    signals: list[dict] = field(default_factory=list)  # [{"kind": ..., "detail": ...}], why the stance


def assess(claim: ClaimContext, source_text: str) -> Assessment | None:
    """The source's best passage for the claim, or None when nothing in it is relevant enough."""
    start, end = core_span(claim.text, claim.attribution)
    core = claim.text[start:end] if end > start else claim.text
    passages = best_passages(core, source_text, limit=1)
    if not passages or passages[0].relevance < MIN_RELEVANCE:
        return None
    best = passages[0]
    relevance = round(best.relevance, 3)
    sentences = _neighbourhood(source_text, best.start, best.end)
    claim_terms = set(terms_of(core))

    signals: list[dict] = []
    signals += _quantity_signals(claim, start, end, source_text, sentences)
    signals += _denial_signals(core, claim_terms, source_text, sentences, best.start, best.end)
    signals += _attribution_signals(claim.attribution, source_text, sentences)
    stance, reasoning = _stance(relevance, signals)
    signals.append({"kind": "stance", "detail": reasoning})
    return Assessment(best.text, best.start, best.end, relevance, stance, signals)


def _neighbourhood(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of the passage and the one before and after it, as (start, end) in ``text``."""
    base = max(0, start - _NEIGHBOURHOOD_CHARS)
    spans = [(base + s, base + e) for s, e in split_sentences(text[base : end + _NEIGHBOURHOOD_CHARS])]
    inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
    if not inside:
        return [(start, end)]
    first, last = max(0, inside[0] - 1), min(len(spans) - 1, inside[-1] + 1)
    # The edge sentences of the slice may be cut off by the slice: keep them only if they are whole.
    if first < inside[0] and base > 0 and spans[first][0] == base:
        first += 1
    return spans[first : last + 1]


# --- Quantities ---

_LOWER_BOUND = r"more than|over|above|at least|upwards of|upward of|in excess of|just over|well over|no fewer than"
_UPPER_BOUND = (
    r"less than|fewer than|under|below|at most|up to|as many as|as much as|no more than|just under|well under"
)
_BELOW = r"nearly|almost|close to|just shy of"
_ABOUT = r"about|around|approximately|roughly|some|an estimated|estimated|circa|~"
_HEDGE = re.compile(
    rf"(?:^|\s)(?P<hedge>(?P<lower>{_LOWER_BOUND})|(?P<upper>{_UPPER_BOUND})|(?P<below>{_BELOW})|(?P<about>{_ABOUT}))"
    r"\s*$",
    re.IGNORECASE,
)
_HEDGE_AFTER = re.compile(r"\s?(?P<hedge>or more|or so|or less|-plus|\+)(?!\w)", re.IGNORECASE)
_HEDGE_AFTER_KIND = {"or more": "lower", "-plus": "lower", "+": "lower", "or less": "upper", "or so": "about"}
# Units that count the same thing.
_UNIT_GROUPS = {
    "military personnel": "troop soldier personnel force serviceman servicemen servicemember fighter combatant",
    "people": "people person individual resident civilian inhabitant citizen villager",
    "deaths": "death fatality dead life lives victim body bodies casualty",
}
_UNIT_CANONICAL = {word: group for group, words in _UNIT_GROUPS.items() for word in words.split()}
# A bare figure ("the death toll rose to 180") counts what the words next to it say it counts.
_UNIT_CONTEXT = {
    "military personnel": _word_set("troops soldiers personnel forces servicemen fighters deployed"),
    "people": _word_set("people residents civilians toll killed dead died deaths"),
    "deaths": _word_set("deaths toll killed dead died fatalities"),
}
_DEADLY = _word_set("kill killed dead died death toll fatality")
MIN_SHARED_CONTEXT = 2  # terms the words around two different figures must share to count the same thing


@dataclass(frozen=True, slots=True)
class _Figure:
    value: float
    unit: str | None  # canonical: "military personnel", "people", "dollars", "percent", a singular noun ...
    shown: str  # as a fact-checker reads it: "more than 10,000 soldiers"
    low: float  # the range the figure stands for
    high: float
    approximate: bool
    context: frozenset[str]  # terms around it, to tell which figures count the same thing
    near: frozenset[str]  # lower-case words right next to it, to give a bare figure its unit


def _quantity_signals(
    claim: ClaimContext, core_start: int, core_end: int, source: str, sentences: list[tuple[int, int]]
) -> list[dict]:
    claimed = [f for q in claim.quantities if (f := _claim_figure(claim.text, q, core_start, core_end))]
    if not claimed:
        return []
    found: list[_Figure] = []
    for s, e in sentences:
        sentence = source[s:e]
        found += [_figure(sentence, q) for q in find_quantities(sentence) if not is_misread_year(q.text, q.unit)]
    signals: list[dict] = []
    for figure in claimed:
        comparable = [(f, shown) for f in found if (shown := _comparable(figure, f))]
        same = [(f, shown) for f, shown in comparable if _same_figure(figure, f)]
        if same:
            shown = same[0][1]
            detail = f"claim: {figure.shown}; source: {shown} — the same figure"
            signals.append({"kind": "quantity_match", "detail": detail, "claim": figure.shown, "source": shown})
            continue
        # A different figure counts the same thing only if the words around it share enough with the claim's.
        related = [(len(figure.context & f.context), f, shown) for f, shown in comparable]
        related = [r for r in related if r[0] >= MIN_SHARED_CONTEXT]
        if not related:
            continue
        _, other, shown = max(related, key=lambda r: r[0])  # max keeps the first of equals: nearest the top
        relation = _relation(figure, other)
        why = {
            "within": "a different figure, but within the claim's bound, so consistent with it",
            "overlaps": "a different figure that neither confirms nor contradicts the claim's",
            "contradicts": "the figures disagree",
        }[relation]
        signals.append(
            {
                "kind": "quantity_mismatch",
                "detail": f"claim: {figure.shown}; source: {shown} — {why}",
                "claim": figure.shown,
                "source": shown,
                "compatible": relation != "contradicts",
                "relation": relation,
            }
        )
    return signals


def _claim_figure(text: str, q: dict, core_start: int, core_end: int) -> _Figure | None:
    """A stored quantity of the claim (offsets into its text) as a figure, if it has a unit to compare."""
    try:
        value, surface = float(q["value"]), str(q["text"])
        start, end = int(q.get("start", -1)), int(q.get("end", -1))
        quantity = Quantity(value, q.get("unit"), surface, start, end, bool(q.get("approximate")))
    except (KeyError, TypeError, ValueError):
        return None
    if text[quantity.start : quantity.end] != surface or quantity.start < 0:
        start = text.find(surface)  # offsets from another version of the text: find it again
        if start < 0:
            return None
        quantity = Quantity(value, quantity.unit, surface, start, start + len(surface), quantity.approximate)
    if quantity.start < core_start or quantity.end > core_end:
        return None  # part of the attribution wrapper
    if is_misread_year(surface, quantity.unit):
        return None  # a year read as a count ("2025 budget allocates")
    figure = _figure(text, quantity)
    return figure if figure.unit else None  # without a unit there is nothing to compare it by


def figure_bound(text: str, q: Quantity) -> str | None:
    """How the text hedges a figure: "lower" (more than N, N or more), "upper" (up to N), "below" (nearly
    N), "about" (about N, or a hedge the extractor saw), None when it is stated exactly."""
    before = _HEDGE.search(text[max(0, q.start - 30) : q.start])
    kind = next((k for k in ("lower", "upper", "below", "about") if before and before.group(k)), None)
    after = _HEDGE_AFTER.match(text, q.end)
    if after and kind is None:
        kind = _HEDGE_AFTER_KIND.get(after.group("hedge").lower(), "about")
    if kind is None and q.approximate:
        kind = "about"
    return kind


def _figure(text: str, q: Quantity) -> _Figure:
    before = _HEDGE.search(text[max(0, q.start - 30) : q.start])
    after = _HEDGE_AFTER.match(text, q.end)
    kind = figure_bound(text, q)
    v = q.value
    low, high = {
        "lower": (v, math.inf),
        "upper": (0.0, v),
        "below": (v * (1 - APPROXIMATE_TOLERANCE), v),
        "about": (v * (1 - APPROXIMATE_TOLERANCE), v * (1 + APPROXIMATE_TOLERANCE)),
    }.get(kind or "", (v, v))
    shown = figure_text(q.text, q.unit)
    if before:
        shown = f"{before.group('hedge').lower()} {shown}"
    if after:
        hedge = after.group("hedge").lower()
        shown += hedge if hedge in ("+", "-plus") else f" {hedge}"
    window = text[max(0, q.start - 60) : min(len(text), q.end + 60)]
    near = frozenset(re.findall(r"[a-z]+", text[max(0, q.start - 40) : q.end + 25].lower()))
    context = frozenset(terms_of(window))
    return _Figure(v, canonical_unit(q.unit), shown, low, high, kind is not None, context, near)


def canonical_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    words = unit.lower().split()
    key = " ".join(words)
    last = words[-1]
    singular = last[:-1] if len(last) > 3 and last.endswith("s") and not last.endswith("ss") else last
    canonical = _UNIT_CANONICAL.get(key) or _UNIT_CANONICAL.get(last) or _UNIT_CANONICAL.get(singular)
    return canonical or " ".join([*words[:-1], singular])


def _comparable(claimed: _Figure, found: _Figure) -> str | None:
    """How the source's figure reads if it counts what the claim's counts ("about 12,000 soldiers",
    "180 (death toll)"), else None."""
    if found.unit is None:
        # A bare figure counts the claim's unit when the words next to it say so.
        context = _UNIT_CONTEXT.get(claimed.unit or "", {claimed.unit or "", (claimed.unit or "") + "s"})
        hint = sorted(found.near & context)
        if not hint:
            return None
        shown = "death toll" if "toll" in hint else hint[0]
        return f"{found.shown} ({shown})"
    if claimed.unit == found.unit:
        return found.shown
    # People killed and deaths are the same count when the words around both speak of deaths.
    if {claimed.unit, found.unit} == {"people", "deaths"} and claimed.near & _DEADLY and found.near & _DEADLY:
        return found.shown
    return None


def _same_figure(claimed: _Figure, found: _Figure) -> bool:
    """The same figure, allowing for rounding when either is approximate."""
    if claimed.high == math.inf and (found.high == math.inf or not found.approximate):
        # "more than 10,000" against "over 10,000" or "10,000": the same figure, stated as a bound.
        return abs(claimed.value - found.value) <= EXACT_TOLERANCE * max(claimed.value, found.value)
    tolerance = APPROXIMATE_TOLERANCE if (claimed.approximate or found.approximate) else EXACT_TOLERANCE
    return abs(claimed.value - found.value) <= tolerance * max(abs(claimed.value), abs(found.value), 1e-9)


def _relation(claimed: _Figure, found: _Figure) -> str:
    """within: the source's range lies inside the claim's; overlaps; contradicts: the ranges do not meet."""
    if claimed.low <= found.low and found.high <= claimed.high:
        return "within"
    if found.low <= claimed.high and claimed.low <= found.high:
        return "overlaps"
    return "contradicts"


# --- Denials ---

_DENIAL_CUES = {
    "deny": (r"\bden(?:y|ies|ied|ying|ial|ials)\b", "strong"),
    "no evidence": (r"\bno (?:evidence|proof|sign|indication)\b", "strong"),
    "false": (r"\bfalse(?:ly|hood|hoods)?\b|\buntrue\b|\bincorrect\b|\binaccurate\b", "strong"),
    "not true": (r"\b(?:not|isn['’]t|wasn['’]t) (?:true|correct|accurate)\b", "strong"),
    "dismiss": (
        r"\bdismiss(?:ed|es|ing)?\b|\brejected (?:the |these |those )?(?:claim|report|allegation)s?\b",
        "strong",
    ),
    "baseless": (r"\b(?:baseless|groundless|unfounded|without basis)\b", "strong"),
    "fabricated": (r"\bfabricat(?:ed|ion|ions)\b|\bhoax\b|\bfake\b|\bdebunk(?:ed|s)?\b|\brefut(?:ed|es)\b", "strong"),
    "did not": (r"\b(?:did not|didn['’]t)\b", "weak"),
    "never": (r"\bnever\b", "weak"),
    "not": (
        r"\b(?:was|were|is|are|has|have|had) not\b|\b(?:wasn|weren|isn|aren|hasn|haven|hadn)['’]t\b"
        r"|\bno longer\b",
        "weak",
    ),
}
_DENIAL = re.compile("|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(_DENIAL_CUES.values())), re.I)
_DENIAL_FAMILIES = list(_DENIAL_CUES)
# Not denials: "did not deny", "refused to deny", "neither confirmed nor denied", "not false".
_NOT_A_DENIAL = re.compile(
    r"\b(?:(?:did|does|do|would|could|has|have|had|was|were) not|(?:didn|doesn|don|wouldn|couldn|hasn|haven|hadn)['’]t"
    r"|never|refused to|declined to|not)\s+(?:\w+\s+)?(?:den(?:y|ied|ies)|dismiss(?:ed)?|false|refute[ds]?)\b"
    r"|\bneither\s+(?:confirm(?:ed|s)?|den(?:y|ied|ies))\s+nor\s+(?:confirm(?:ed|s)?|den(?:y|ied|ies))\b",
    re.IGNORECASE,
)


def _denial_cues(text: str) -> list[tuple[str, str, str]]:
    """(family, strength, the words as written) for each denial cue in ``text``, double negatives skipped."""
    skip = [m.span() for m in _NOT_A_DENIAL.finditer(text)]
    cues = []
    for m in _DENIAL.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        index = int(m.lastgroup[1:]) if m.lastgroup else 0
        family = _DENIAL_FAMILIES[index]
        cues.append((family, _DENIAL_CUES[family][1], m.group()))
    return cues


def _denial_signals(
    core: str,
    claim_terms: set[str],
    source: str,
    sentences: list[tuple[int, int]],
    passage_start: int,
    passage_end: int,
) -> list[dict]:
    claim_cues = _denial_cues(core)
    # A negation the claim itself makes is repeated, not denied, by a source that makes it too.
    claimed = {family for family, _, _ in claim_cues}
    claim_negated = any(strength == "weak" for _, strength, _ in claim_cues)
    best: tuple[int, int, str, list[str], str] | None = None  # (rank, position, how, cue words, sentence)
    for s, e in sentences:
        sentence = source[s:e]
        cues = [c for c in _denial_cues(sentence) if c[0] not in claimed and not (claim_negated and c[1] == "weak")]
        if not cues:
            continue
        shared = len(claim_terms & set(terms_of(sentence)))
        strong = [c[2] for c in cues if c[1] == "strong"]
        if strong and (shared >= 1 or (s < passage_end and e > passage_start)):
            found = (0, s, "denial", strong, sentence)
        elif shared >= 3 and shared * 2 >= len(claim_terms):
            # The sentence states (most of) the claim with a negation: "the river did not breach the levee".
            found = (0, s, "negated", [c[2] for c in cues], sentence)
        elif shared >= 2:
            found = (1, s, "negation", [c[2] for c in cues], sentence)
        else:
            continue
        if best is None or found[:2] < best[:2]:
            best = found
    if best is None:
        return []
    rank, _, how, cue_words, sentence = best
    words = ", ".join(f'"{w}"' for w in dict.fromkeys(w.lower() for w in cue_words))
    lead = {
        "denial": f"denial near the passage ({words})",
        "negated": f"the source states the claim negated ({words})",
        "negation": f"negation near the passage ({words})",
    }[how]
    detail = f'{lead}: "{_snippet(sentence)}"'
    cues = list(dict.fromkeys(w.lower() for w in cue_words))
    return [{"kind": "denial", "detail": detail, "strength": "strong" if rank == 0 else "weak", "cues": cues}]


# --- Attribution ---

_GENERIC_SOURCE_WORDS = _word_set(
    """the a an of from and in at for reports report officials official sources source state-run state local senior
    former top unnamed anonymous media news"""
)
_REPORT_CUE = re.compile(
    r"\b(?:said|says|reported|reports|told|tells|stated|announced|claimed|claims|confirmed|quoted|quoting"
    r"|according to|citing|cited)\b",
    re.IGNORECASE,
)
_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+|for\s+)*[A-Z][\w'’-]*)*")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


def _attribution_signals(attribution: str | None, source: str, sentences: list[tuple[int, int]]) -> list[dict]:
    wanted = _attribution_key(attribution)
    if not attribution or not wanted:
        return []  # nobody named ("officials", "the mayor"): nothing to recognise
    for s, e in sentences:
        text = source[s:e]
        found = sentence_cues(text).attribution
        if found and _same_source(wanted, _attribution_key(found)):
            shown = found
        elif _REPORT_CUE.search(text) and _mentions(text, attribution, wanted):
            # Trailing attributions ("..., the Korean Central News Agency (KCNA) reported.") are found here.
            shown = attribution
        else:
            continue
        detail = f'the source also attributes it to {shown}: "{_snippet(text)}"'
        return [{"kind": "same_attribution", "detail": detail, "attribution": shown}]
    return []


def _attribution_key(attribution: str | None) -> frozenset[str]:
    """The names in an attribution: capitalised words and acronyms, generic source words left out."""
    if not attribution:
        return frozenset()
    words = re.findall(r"[\w'’-]+", attribution)
    return frozenset(
        w.lower().removesuffix("'s").removesuffix("’s")
        for w in words
        if w[0].isupper() and w.lower() not in _GENERIC_SOURCE_WORDS
    )


def _same_source(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return a <= b or b <= a or len(a & b) * 2 >= max(len(a), len(b))


def _mentions(text: str, attribution: str, wanted: frozenset[str]) -> bool:
    """True if ``text`` names the source: its names, or its acronym / the name its acronym stands for."""
    if any(_same_source(wanted, _attribution_key(run.group())) for run in _NAME_RUN.finditer(text)):
        return True
    acronyms = {a for a in _ACRONYM.findall(attribution)}
    initials = _initials(attribution)
    for run in _NAME_RUN.finditer(text):
        if acronyms and _initials(run.group()) in acronyms:
            return True  # the claim says "KCNA", the source "Korean Central News Agency"
    return len(initials) >= 2 and initials in set(_ACRONYM.findall(text))


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper() and w.lower() not in ("the", "a", "an"))


# --- Stance ---


def _stance(relevance: float, signals: list[dict]) -> tuple[str, str]:
    support = refute = 0.0
    for_: list[str] = []
    against: list[str] = []
    for signal in signals:
        kind = signal["kind"]
        if kind == "quantity_match":
            support += W_MATCH
            for_.append(f"the figure matches ({signal['source']})")
        elif kind == "quantity_mismatch" and signal.get("relation") == "within":
            support += W_WITHIN_BOUND
            for_.append(f"the source's figure ({signal['source']}) is within the claim's ({signal['claim']})")
        elif kind == "quantity_mismatch" and signal.get("relation") == "contradicts":
            refute += W_CONTRADICTS
            against.append(f"the figures disagree (claim: {signal['claim']}; source: {signal['source']})")
        elif kind == "denial":
            refute += W_DENIAL[signal.get("strength", "strong")]
            cues = ", ".join(f'"{c}"' for c in signal.get("cues", []))
            against.append(("a denial" if signal.get("strength") == "strong" else "a negation") + f" ({cues})")
        elif kind == "same_attribution":
            support += W_SAME_ATTRIBUTION
            for_.append(f"it is attributed to {signal['attribution']} too")

    if relevance < STANCE_MIN_RELEVANCE:
        return "unclear", f"the passage shares little with the claim (relevance {relevance:.2f})"
    restates = 0.0
    if relevance >= RESTATES_RELEVANCE[1]:
        restates = W_RESTATES[1]
    elif relevance >= RESTATES_RELEVANCE[0]:
        restates = W_RESTATES[0]

    if refute >= 1.0 and refute > support:
        extra = f", outweighing {' and '.join(for_)}" if for_ else ""
        return "refutes", f"refutes: {' and '.join(against)}{extra}"
    if refute == 0 and support + restates >= 1.0:
        reasons = [*for_]
        if restates:
            reasons.append(f"the passage restates {'nearly all' if restates >= 1 else 'much'} of the claim")
        return "supports", f"supports: {' and '.join(reasons)} (relevance {relevance:.2f})"
    if refute and support:
        return "unclear", f"conflicting signals: {' and '.join(for_)}, but {' and '.join(against)}"
    if refute:
        return "unclear", f"only {' and '.join(against)} near the passage, too weak to refute it"
    if for_:
        return "unclear", f"{' and '.join(for_)}, but too little of the claim is confirmed (relevance {relevance:.2f})"
    return (
        "unclear",
        f"the passage is related (relevance {relevance:.2f}) but nothing confirms or contradicts the claim",
    )


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 3].rstrip() + "..."


# --- Fact-check ratings ---

_REFUTES, _SUPPORTS, _UNCLEAR = "refutes", "supports", "unclear"
# Ratings as fact-checkers write them, after lower-casing and folding punctuation to spaces. Phrases
# are tried before single words, the longest first, so "mostly false" wins over "false" and "not
# true" over "true". Partly-true ratings ("half true", "mixture", "partly false") stay unclear.
_RATING_PHRASES = {
    _REFUTES: """pants on fire|mostly false|not true|not correct|not accurate|not real|not genuine|no evidence|
        four pinocchios|three pinocchios|fake news|false context|mostly inaccurate|largely false|totally false|
        completely false|wrong|false|fake|incorrect|misleading|untrue|inaccurate|fabricated|baseless|hoax|bogus|
        debunked|unfounded|scam|distorted|falso|falsa|faux|fausse|falsch|engañoso|enganoso|trompeur|irreführend|manipulated|
        altered|doctored|spurious""",
    _SUPPORTS: """mostly true|mostly correct|mostly accurate|largely true|largely accurate|true|correct|accurate|
        confirmed|verified|legit|legitimate|verdadero|verdadera|vrai|vraie|richtig|wahr|correcto""",
    _UNCLEAR: """half true|half truth|partly true|partly false|partially true|partially false|mixed|mixture|
        needs context|missing context|lacks context|lacking context|more context needed|unproven|unverified|
        unsupported|not proven|unsubstantiated|satire|satirical|opinion|outdated|exaggerated|exaggeration|
        in dispute|disputed|inconclusive|research in progress|cherry picks|cherry picked|half flip|no flip|
        full flop|two pinocchios|one pinocchio|not the whole story|explainer""",
}
_RATING_TABLE = sorted(
    ((phrase.strip(), stance) for stance, spec in _RATING_PHRASES.items() for phrase in spec.split("|")),
    key=lambda item: -len(item[0]),
)
_RATING_PATTERN = re.compile(
    "|".join(rf"\b{re.escape(phrase)}\b" for phrase, _ in _RATING_TABLE if phrase), re.IGNORECASE
)
_RATING_STANCE = {phrase: stance for phrase, stance in _RATING_TABLE}


def rating_stance(textual_rating: str) -> tuple[str, list[dict]]:
    """A fact-checker's textual rating ("False", "Mostly true", "Misleading"...) as a stance and its signal.

    Case-insensitive, tolerant of punctuation ("Pants-on-fire!") and of ratings that are sentences ("This
    is false."): the most specific rating phrase found decides. Several that disagree ("True, but
    misleading") or none known give ``unclear``.
    """
    rating = " ".join((textual_rating or "").split())
    folded = rating.lower().replace("’", "'")
    folded = re.sub(r"n't\b", " not", folded)  # "isn't true" is "is not true"
    folded = " ".join(re.sub(r"[^\w']+", " ", folded).split())
    stances = {_RATING_STANCE[m.group().lower()] for m in _RATING_PATTERN.finditer(folded)}
    if _UNCLEAR in stances or len(stances) != 1:
        stance = _UNCLEAR
    else:
        (stance,) = stances
    shown = rating or "(no rating)"
    meaning = {_REFUTES: "refutes it", _SUPPORTS: "supports it", _UNCLEAR: "neither supports nor refutes it"}[stance]
    detail = f'a fact-check rates it "{shown}", which {meaning}'
    return stance, [{"kind": "fact_check_rating", "detail": detail, "rating": shown}]


def finding_from_text(
    provider: str, claim: ClaimContext, *, url: str, title: str | None, publisher: str | None, text: str,
    extra_signals: tuple[dict, ...] = (),
) -> Finding | None:  # fmt: skip
    """Assess a source's text against the claim: a finding, or None if nothing in it bears on the claim.

    CPU work (tens of ms on a large page): call it through asyncio.to_thread from async code.
    """
    assessment = assess(claim, text)
    if assessment is None:
        return None
    return Finding(
        provider=provider,
        url=url,
        title=title,
        publisher=publisher,
        passage=assessment.passage,
        passage_start=assessment.passage_start,
        passage_end=assessment.passage_end,
        relevance=assessment.relevance,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        stance=assessment.stance,
        signals=[*assessment.signals, *extra_signals],
    )


def finding_from_page(provider: str, claim: ClaimContext, url: str, fetched: FetchedPage) -> Finding | None:
    """Read a fetched page (its main text, title and site name) and assess it against the claim."""
    page = read_page(fetched)
    return finding_from_text(provider, claim, url=url, title=page.title, publisher=page.publisher, text=page.text)
