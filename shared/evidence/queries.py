"""Search queries built from a claim: what a provider asks a search engine for.

A claim as written usually carries a wrapper that says who reported it ("Reports from Seoul suggest
that ...", "KCNA reported ...", "..., officials said."). Search engines should look for the claim
itself, so the wrapper is stripped first; who said it stays available as ``ClaimContext.attribution``.
What is left is broken into the terms a claim hinges on:

- named entities (people, places, organisations), found the way claim extraction finds them;
- quantities, from the claim's stored quantities (offsets into the claim), as "figure unit";
- quoted phrases ("go all out"), which search engines can match exactly;
- other content words, most telling first.

``Query.search_string()`` is for keyword engines (MediaWiki, SearxNG, Fact Check Tools);
``Query.gdelt_string()`` for GDELT DOC 2.0, which rejects very short words and long queries, so it
gets a handful of the most telling terms, multi-word ones in double quotes.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Claim extraction's own name finder and title words, so that queries and extraction agree on what a name is.
from shared.claims.scoring import HONORIFICS, ROLES, named_entities
from shared.evidence.providers.base import ClaimContext


def _word_set(spec: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string, for readable word lists."""
    return frozenset(spec.split())


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # the claim without the attribution wrapper ("Reports suggest that ...")
    entities: tuple[str, ...]  # named entities, e.g. "North Korea", "Kursk"
    quantities: tuple[str, ...]  # as written, e.g. "10,000 soldiers"
    phrases: tuple[str, ...]  # quoted phrases, e.g. "go all out"
    keywords: tuple[str, ...]  # other content words, most telling first

    def search_string(self, max_terms: int = 8) -> str:
        """For keyword search engines (MediaWiki, SearxNG, Fact Check Tools): the most telling terms.

        Entities first, then quantities, quoted phrases and keywords; no operators or quotes, so any
        engine takes it as plain words. Falls back to the claim text when there are no terms at all.
        """
        terms = _distinct([*self.entities, *self.quantities, *self.phrases, *self.keywords])
        return " ".join(terms[: max(1, max_terms)]) or self.text

    def gdelt_string(self) -> str:
        """GDELT DOC 2.0 syntax: a handful of terms, multi-word ones as "quoted phrases".

        GDELT rejects keywords shorter than three characters, so those are left out, and long queries,
        so at most GDELT_MAX_TERMS terms and GDELT_MAX_CHARS characters. Figures are left out too
        (sources write "10,000", "10000" or "ten thousand"); the counted noun may remain as a keyword.
        Characters GDELT reads as operators (parentheses, colons, a leading minus) are dropped.
        """
        # The counted nouns ("soldiers", "people") say what the figures are about.
        units = [words[-1] for q in self.quantities if (words := q.split()) and words[-1].isalpha()]
        candidates = [*self.entities[:3], *self.phrases[:1], *units[:1], *self.entities[3:], *self.keywords]
        terms: list[str] = []
        length = 0
        for term in _distinct(candidates):
            clean = " ".join(_GDELT_UNSAFE.sub(" ", term).split()).lstrip("-")
            if len(clean) < GDELT_MIN_CHARS:
                continue
            if " " in clean or "-" in clean:
                clean = f'"{clean}"'
            if length + len(clean) + 1 > GDELT_MAX_CHARS:
                break
            terms.append(clean)
            length += len(clean) + 1
            if len(terms) == GDELT_MAX_TERMS:
                break
        return " ".join(terms)


MAX_PHRASE_WORDS = 6
GDELT_MAX_TERMS = 5
GDELT_MAX_CHARS = 150
GDELT_MIN_CHARS = 3  # GDELT: "The specified phrase is too short"
_GDELT_UNSAFE = re.compile(r"[()\":<>]|(?<!\w)-")


def build_query(claim: ClaimContext) -> Query:
    """The query for a claim: its core (wrapper stripped) and the terms it hinges on."""
    text = claim.text
    start, end = core_span(text, claim.attribution)
    core = text[start:end]
    quotes = [(m.start(), m.end()) for m in _QUOTE.finditer(text)]

    phrases = _phrases(text)
    quantities = _quantity_terms(text, claim.quantities, start, end)
    entities = _entity_terms(core, [(a - start, b - start) for a, b in quotes], claim.article_body)
    if claim.attribution and _is_quotation(text, start, end):
        # A quotation is checked as "who said it": the speaker is what the search needs.
        speaker = _entity_terms(claim.attribution, [], "")
        entities = [*speaker, *(e for e in entities if e not in speaker)]
    covered = {w.lower() for term in (*entities, *quantities, *phrases) for w in _WORD.findall(term)}
    keywords = _keywords(core, covered)
    clean = _REPORTED_ADVERB.sub("", core)
    clean = " ".join(clean.split()).strip(" ,;:")
    if clean and clean[0].islower():
        clean = clean[0].upper() + clean[1:]
    return Query(
        text=clean or text.strip(),
        entities=tuple(entities),
        quantities=tuple(quantities),
        phrases=tuple(phrases),
        keywords=tuple(keywords),
    )


# --- The attribution wrapper ---

# Verbs that report a claim rather than being part of it. "called on", "ordered", "urged" are left
# out on purpose: in "Kim called on the army to go all out" the call is the claim.
_REPORT_VERB = (
    r"(?:said|says|say|stated|states|reported|reports|report|claimed|claims|claim|confirmed|confirms|suggested"
    r"|suggests|suggest|indicated|indicates|indicate|announced|announces|added|noted|notes|wrote|writes"
    r"|asserted|asserts|insisted|insists|estimated|estimates|believe|believes|alleged|alleges|revealed"
    r"|reveals|disclosed|acknowledged|argued|argues|maintained|maintains|told\s+(?:[\w'’-]+\s+){1,3}?(?=that\b))"
)
_AUX = r"(?:(?:has|have|had|also|previously|repeatedly|recently|publicly|officially|now)\s+)*"
_WHEN = (
    r"(?:\s+(?:on|last|this|late|early)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|week|month|year|night|morning|evening|weekend)|\s+(?:yesterday|today|earlier|recently))?"
)
# "Reports from Washington, Seoul, and Kyiv suggest that", "KCNA reported", "Officials said on Monday that"
_LEADING_SUBJECT = re.compile(
    rf"^\s*(?P<subject>[^\"“”.;:!?]{{1,120}}?)\s+{_AUX}(?P<verb>{_REPORT_VERB}){_WHEN}(?P<that>\s+that\b)?\s*[,:]?\s+",
    re.IGNORECASE,
)
_LEADING_IMPERSONAL = re.compile(
    r"^\s*it\s+(?:is|was|has\s+been|had\s+been)\s+(?:widely\s+)?(?:reported|claimed|said|alleged|suggested"
    r"|estimated|believed|confirmed)\s+that\s+",
    re.IGNORECASE,
)
_LEADING_ACCORDING = re.compile(
    r"^\s*(?:according\s+to|as\s+reported\s+by|as\s+stated\s+by|citing)\s+[^,]{1,100},\s*", re.IGNORECASE
)
_TRAILING_ACCORDING = re.compile(
    r"[,;]?\s+(?:according\s+to|as\s+reported\s+by|as\s+stated\s+by|citing)\s+[^,;\"“”]{1,100}?[.!]?\s*$",
    re.IGNORECASE,
)
# "..., officials said." / "..." KCNA reported on Monday.
_TRAILING_SUBJECT = re.compile(
    rf"(?:,|(?<=[\"”]))\s*(?P<subject>[^,;\"“”]{{1,80}}?)\s+{_AUX}(?:{_REPORT_VERB}){_WHEN}"
    r"(?:,\s+[a-z]+ing\b[^\"“”]{0,200})?\s*[.!]?\s*$",  # "..., KCNA reported, highlighting the urgency."
    re.IGNORECASE,
)
# "..., said the mayor."
_TRAILING_INVERTED = re.compile(
    r"(?:,|(?<=[\"”]))\s*(?:said|says|reported|added|noted|claimed|wrote|told\s+\w+)\s+[^,;\"“”]{1,80}?[.!]?\s*$",
    re.IGNORECASE,
)
# Verbs that take an object ("Officials announced 3,000 jobs"): a wrapper only when "that" follows.
_OBJECT_VERBS = _word_set("announced announces confirmed confirms revealed reveals disclosed acknowledged estimated")
_REPORTED_ADVERB = re.compile(r"\b(?:reportedly|allegedly|purportedly|apparently)\s+", re.IGNORECASE)
_SUBJECT_WORDS = re.compile(r"[\w'’-]+")
# A leading subject without "that" is only taken for a wrapper when it looks like a source.
_SOURCE_WORDS = _word_set(
    """reports report officials official sources source police analysts experts witnesses residents authorities
    investigators prosecutors researchers scientists ministry agency government department spokesman spokeswoman
    spokesperson statement media military army intelligence data figures study survey poll documents records
    he she they it"""
)


def core_span(text: str, attribution: str | None = None) -> tuple[int, int]:
    """(start, end) of the claim itself in ``text``: the attribution wrapper before or after it left out.

    Strips one leading wrapper ("Reports from X suggest that", "According to officials,", "KCNA
    reported") and one trailing one (", officials said.", ", according to the ministry."). A wrapper is
    only stripped if a real claim of at least three words remains.
    """
    start, end = 0, len(text)
    for strip in (_strip_leading, _strip_trailing):
        new_start, new_end = strip(text, start, end, attribution)
        if len(_SUBJECT_WORDS.findall(text[new_start:new_end])) >= 3:
            start, end = new_start, new_end
    while start < end and text[start] in " \t\n,;:":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:.!":
        end -= 1
    # Quotes around the whole remaining claim ('"We will go all out," Kim said') go too.
    inner = text[start + 1 : end - 1]
    if end - start >= 2 and text[start] in '"“' and text[end - 1] in '"”' and not any(c in inner for c in '"“”'):
        start, end = start + 1, end - 1
        while end > start and text[end - 1] in " ,;:":
            end -= 1
    return start, end


def _strip_leading(text: str, start: int, end: int, attribution: str | None) -> tuple[int, int]:
    segment = text[start:end]
    for pattern in (_LEADING_ACCORDING, _LEADING_IMPERSONAL):
        m = pattern.match(segment)
        if m:
            return start + m.end(), end
    m = _LEADING_SUBJECT.match(segment)
    if (
        m
        and (m.group("that") or m.group("verb").lower() not in _OBJECT_VERBS)
        and _is_wrapper_subject(m.group("subject"), attribution, bool(m.group("that")))
    ):
        return start + m.end(), end
    return start, end


def _strip_trailing(text: str, start: int, end: int, attribution: str | None) -> tuple[int, int]:
    segment = text[start:end]
    m = _TRAILING_ACCORDING.search(segment)
    if m:
        return start, start + m.start()
    m = _TRAILING_SUBJECT.search(segment)
    if m and _is_wrapper_subject(m.group("subject"), attribution, True):
        return start, start + m.start()
    m = _TRAILING_INVERTED.search(segment)
    if m:
        return start, start + m.start()
    return start, end


def _is_wrapper_subject(subject: str, attribution: str | None, has_that: bool) -> bool:
    """True if the words before a reporting verb name who reported it, not what the claim is about."""
    words = _SUBJECT_WORDS.findall(subject)
    if not words or len(words) > 14:
        return False
    if attribution and _overlaps(subject, attribution):
        return True
    lowered = {w.lower() for w in words}
    if lowered & _SOURCE_WORDS:
        return True
    if has_that:
        return len(words) <= 8
    # "KCNA reported Kim ...": a short name as the subject.
    return len(words) <= 4 and all(w[0].isupper() or w.lower() in ("the", "of", "and") for w in words)


def _overlaps(subject: str, attribution: str) -> bool:
    subject_words = {w.lower() for w in _SUBJECT_WORDS.findall(subject)}
    names = [w.lower() for w in _SUBJECT_WORDS.findall(attribution) if len(w) > 2]
    return bool(names) and sum(w in subject_words for w in names) * 2 >= len(names)


# --- Terms ---

_QUOTE = re.compile(r"[\"“]([^\"“”\n]{2,300})[\"”]|(?<![\w’'])[‘']([^‘’'\n]{2,120})[’'](?![\w‘’])")
_WORD = re.compile(r"[^\W_](?:[\w-]|['’](?=\w))*")
_DIGITS = re.compile(r"\d")
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
_YEAR_FIGURE = re.compile(r"(?:1[5-9]|20)\d\d(?![\d,.])")
_STOPWORDS = _word_set(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your said
    says say according reported reportedly allegedly already still ostensibly least nearly almost around roughly
    approximately estimated upwards excess many much fewer less just well including amid among across within
    without since per via yet though although however new"""
)
_NUMBER_WORDS = _word_set(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million
    billion trillion dozen half"""
)
_LEADING_TITLE = frozenset(ROLES | HONORIFICS)


def _is_quotation(text: str, start: int, end: int) -> bool:
    """True if the core is one quotation: the quote marks were just outside it."""
    return start > 0 and text[start - 1] in '"“' and end < len(text) and text[end] in '"”,'


def _phrases(text: str) -> list[str]:
    """Quoted phrases of two to MAX_PHRASE_WORDS words, as written. A one-word scare quote says little; a long
    quotation matched exactly finds nothing that paraphrases it, so its words go among the keywords instead."""
    found: list[str] = []
    for m in _QUOTE.finditer(text):
        phrase = (m.group(1) or m.group(2) or "").strip(" ,.;:!?")
        if 2 <= len(_WORD.findall(phrase)) <= MAX_PHRASE_WORDS and phrase not in found:
            found.append(phrase)
    return found


def _quantity_terms(text: str, quantities: list[dict], start: int, end: int) -> list[str]:
    """Each quantity of the claim's core as "figure unit": "10,000 soldiers", "$4.2 billion", "212 people"."""
    terms: list[str] = []
    for q in quantities:
        q_start, q_end = q.get("start"), q.get("end")
        located = isinstance(q_start, int) and isinstance(q_end, int) and text[q_start:q_end] == q.get("text")
        if located and (q_start < start or q_end > end):
            continue  # part of the wrapper
        if is_misread_year(str(q.get("text") or ""), q.get("unit")):
            continue  # the year is kept among the keywords instead
        term = figure_text(str(q.get("text") or ""), q.get("unit"))
        if term and term not in terms:
            terms.append(term)
    return terms


def is_misread_year(surface: str, unit: str | None) -> bool:
    """A year taken for a count: "2025 budget allocates" (unit "allocates"). A four-digit figure from 1500 to
    2099 without a separator counts something only when its unit follows it at once ("2000 people")."""
    m = _YEAR_FIGURE.match(surface.strip())
    if m is None:
        return False
    return not unit or surface.strip()[m.end() :].strip().lower() != unit.lower()


def figure_text(surface: str, unit: str | None) -> str:
    """A quantity's surface without the words between figure and unit: "10,000 North Korean soldiers" ->
    "10,000 soldiers"; "$4.2 billion" and "12 percent" unchanged."""
    words = surface.split()
    figure: list[str] = []
    for word in words:
        bare = word.lower().strip(",")
        if _DIGITS.search(word) or bare in _NUMBER_WORDS or bare in ("a", "an", "and") or not word[0].isalnum():
            figure.append(word)
        else:
            break
    if not figure:
        return surface.strip()
    rest = words[len(figure) :]
    if not rest:
        return " ".join(figure)
    if unit and rest[-1].lower().strip(".,") == unit.lower():
        return " ".join([*figure, rest[-1].strip(".,")])
    if unit and " ".join(rest).lower() == unit.lower():
        return " ".join([*figure, *rest])
    return surface.strip()


def _entity_terms(core: str, quotes: list[tuple[int, int]], article_body: str) -> list[str]:
    """Named entities of the core, titles dropped ("Finance Minister Jane Doe" -> "Jane Doe")."""

    def quoted(pos: int) -> bool:
        return any(a <= pos < b for a, b in quotes)

    names = [_drop_title(name) for name in named_entities(core, quoted)]
    # The first word of the core is capitalised anyway, so extraction skips it when it stands alone
    # ("Russia sent ..."); it is a name if the article also writes it capitalised mid-sentence.
    first = _WORD.match(core)
    if first and first.group()[0].isupper() and first.group().lower() not in _STOPWORDS:
        word = first.group().rstrip("'’s") if first.group().endswith(("'s", "’s")) else first.group()
        if not any(word in name.split() for name in names) and _capitalised_mid_sentence(word, article_body):
            names.insert(0, word)
    distinct: list[str] = []
    for name in names:
        if name and name not in distinct:
            distinct.append(name)
    # "Kim" says nothing "Kim Jong-un" does not.
    return [n for n in distinct if not any(n != other and n in other.split() for other in distinct)]


def _drop_title(name: str) -> str:
    words = name.split()
    while len(words) > 2 and words[0].lower().rstrip(".") in _LEADING_TITLE:
        words.pop(0)
    # "Finance Minister Jane Doe": a department before the title goes too.
    for i, word in enumerate(words[:-2]):
        if word.lower().rstrip(".") in _LEADING_TITLE and all(w[0].isupper() for w in words[i + 1 :]):
            return " ".join(words[i + 1 :])
    return " ".join(words)


def _capitalised_mid_sentence(word: str, body: str) -> bool:
    if not body:
        return False
    return re.search(rf"[\w,;] {re.escape(word)}\b", body) is not None


def _keywords(core: str, covered: set[str]) -> list[str]:
    """Content words not already in an entity, quantity or phrase; longer (usually rarer) words first."""
    seen: dict[str, int] = {}
    for m in _WORD.finditer(core):
        word = m.group()
        lowered = word.lower().replace("’", "'")
        if lowered.endswith("'s"):
            lowered = lowered[:-2]
        if len(lowered) < 3 or lowered in _STOPWORDS or lowered in covered or lowered in _NUMBER_WORDS:
            continue
        if lowered[0].isdigit() and not _YEAR.fullmatch(lowered):
            continue  # a year is telling; other bare figures are in the quantities or mean little alone
        seen.setdefault(lowered, len(seen))
    return sorted(seen, key=lambda w: (-min(len(w), 9), seen[w]))


def _distinct(terms: list[str]) -> list[str]:
    """Terms in order, each once (case-insensitive), leaving out words already inside an earlier term."""
    kept: list[str] = []
    words: set[str] = set()
    for term in terms:
        term = term.strip()
        key = term.lower()
        if not term or key in (k.lower() for k in kept):
            continue
        if " " not in term and key in words:
            continue
        kept.append(term)
        words.update(w.lower() for w in term.split())
    return kept
