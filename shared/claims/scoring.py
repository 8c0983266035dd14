"""Check-worthiness of one sentence: the cues a fact-checker looks for, weighed by the learned model.

The cues are what can be checked against a record: figures, dates and events, statements attributed to
a named source, direct quotes, named people and places, concrete actions, first-person records,
comparisons; and what cannot: the writer's opinion and interpretation, speculation and predictions,
questions, headings, fragments and run-ons. Each is a named feature of the model in
``shared/claims/model.py``, which learns how much it counts, together with the sentence's wording.

Whose words a cue is in matters. A hedge inside a clause that a named source introduces ("Officials
said the country may send 100,000 troops") is the source's, and checkable: did they say so? The same
hedge with nobody behind it is the writer's speculation. Words inside quotation marks are nobody's
opinion: the checkable claim is that someone said them.

Cue words are looked up in sets, token by token, once per sentence (regexes only for shapes such as
quotes and names): scoring stays linear and fast.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import compress, count

from shared.claims import model
from shared.claims.quantities import Quantity, find_quantities_and_dates
from shared.claims.sentences import Sentence


@dataclass(slots=True)  # not frozen: see Sentence
class ScoredSentence:
    text: str
    start: int
    end: int
    is_heading: bool
    score: float  # 0.0..1.0, rounded to 3 decimals
    attribution: str | None
    quantities: tuple[Quantity, ...]  # offsets into ``text``
    words: list[str]  # lowercase, what the model read
    cues: dict[str, str]  # cue -> what shows it
    weighed: model.Weighed | None = field(default=None, repr=False, compare=False)  # kept for the reasons

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why it scored as it did; worked out only when asked (for claims), as most sentences are not."""
        return model.shipped().reasons(self.words, self.cues, self.weighed)


def _word_set(spec: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string, for readable word lists."""
    return frozenset(spec.split())


_SHORT_WORDS = 5
_LONG_WORDS = 60


# --- Tokens and lexicons ---

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")


class _Tokens:
    """A sentence's words as parallel lists: building an object per word cost more than scoring them."""

    __slots__ = ("texts", "lowers", "_matches")

    def __init__(self, text: str) -> None:
        # Built with C-level iteration (map, join): tokenising is a tenth of the extractor's time otherwise.
        # Tokens are ASCII, so lowercasing them joined keeps their count, whatever the rest of the text does
        # ("İ" lowercases to two characters).
        self._matches = list(_WORD.finditer(text))
        self.texts: list[str] = list(map(re.Match.group, self._matches))
        # lowercase, with a curly apostrophe as a straight one ("didn’t" -> "didn't")
        self.lowers: list[str] = " ".join(self.texts).lower().replace("\u2019", "'").split(" ") if self.texts else []

    def __len__(self) -> int:
        return len(self.texts)

    def start(self, i: int) -> int:
        """Where token ``i`` starts in the sentence; offsets are asked for a few cue words only."""
        return self._matches[i].start()

    def end(self, i: int) -> int:
        return self._matches[i].end()


class _Lexicon:
    """Cue words and phrases by kind, all matched in one pass of dictionary lookups over the tokens.

    Where phrases overlap the longest wins ("critical juncture" is an opinion, not the evaluative word
    "critical"; "is said to" an unnamed source, not the verb "said"). Phrases are looked up by their first
    two words, so a common first word ("is", "was") costs one lookup, not one comparison per phrase.
    """

    def __init__(self, kinds: dict[str, Iterable[str]], case_sensitive: Iterable[str] = ()) -> None:
        self._single: dict[str, str] = {}
        self._by_pair: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}
        for kind, phrases in kinds.items():
            for phrase in phrases:
                words = tuple(phrase.lower().split())
                if len(words) == 1:
                    self._single.setdefault(words[0], kind)  # the first kind listed wins, as for phrases
                else:
                    self._by_pair.setdefault((words[0], words[1]), []).append((words, kind))
        for options in self._by_pair.values():
            options.sort(key=lambda option: len(option[0]), reverse=True)
        self._first_words = frozenset(self._single) | {pair[0] for pair in self._by_pair}
        self._case_sensitive = frozenset(case_sensitive)

    def find(self, tokens: _Tokens) -> dict[str, list[tuple[int, int]]]:
        """Kind -> (first, last) token indexes of its matches, left to right, not overlapping."""
        hits: dict[str, list[tuple[int, int]]] = {}
        lowers = tokens.lowers
        count = len(lowers)
        free = 0  # the first token not inside a match already made
        # Only the tokens that can start a phrase are looked at: most words are no cue.
        for i in compress(range(count), map(self._first_words.__contains__, lowers)):
            lower = lowers[i]
            if i < free or (lower in self._case_sensitive and tokens.texts[i] != lower):
                continue
            found = None
            if i + 1 < count:
                for words, kind in self._by_pair.get((lower, lowers[i + 1]), ()):
                    if tuple(lowers[i : i + len(words)]) == words:
                        found = (kind, len(words))
                        break
            if found is None and lower in self._single:
                found = (self._single[lower], 1)
            if found:
                hits.setdefault(found[0], []).append((i, i + found[1] - 1))
                free = i + found[1]
        return hits


def _words(spec: str) -> list[str]:
    """Phrases separated by "|" in a readable multi-line string."""
    return [p.strip() for p in spec.split("|") if p.strip()]


_COPULAS = ["is", "are", "was", "were"]
_TIME = _words("monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|overnight|tonight") + [
    f"{w} {p}" for w in ("last", "this", "next") for p in ("week", "month", "year", "weekend", "morning", "night")
]
_EVENT = _words(
    "press conference|conference|summit|summits|meeting|plenary|plenum|congress|election|referendum"
) + _words("parade|ceremony|rally|hearing|briefing|drills|session")
_CONCRETE = (
    _words(
        """deployed|killed|sent|died|injured|wounded|evacuated|destroyed|damaged|flooded|launched|fired
        |signed|approved|passed|voted|rose|fell|increased|decreased|declined|spent|allocated|arrested
        |charged|convicted|sentenced|elected|resigned|appointed|collapsed|struck|attacked|captured|seized
        |crossed|visited|held|recorded|reached|paid|received|built|suspended|banned|imposed|fined|sued
        |rescued|displaced|stranded|submerged|arrived|withdrew|dispatched|detained|released|published
        |measured|totalled|totaled|peaked|breached|burst|closed|opened|cut off|took place|takes effect
        |failed|washed away
        |took effect"""
    )
    + [f"engaged in {w}" for w in ("combat", "fighting", "battle", "battles")]
    + [
        f"{c} {a}{state}"
        for c in _COPULAS
        for a in ("", "already ", "now ", "still ", "currently ")
        for state in ("present", "stationed", "deployed", "located", "based", "missing", "dead", "trapped")
    ]
)
# The writer's opinion or interpretation as the point of the sentence.
_OPINION = (
    _words(
        """underscore|underscores|underscored|raised eyebrows|game-changer|game changer|turning point
        |critical juncture|paint a picture|paints a picture|painted a picture|didn't mince words
        |did not mince words|particularly telling|is telling|send a clear message|sends a clear message
        |sent a clear message|i think|i believe|we believe|in my view|in our view|should|ought to|must
        |clearly|obviously|arguably|it is clear that|it is obvious that"""
    )
    + [f"{v} {d}" for v in ("signals", "signal", "reflects", "reflect") for d in ("a", "an", "that", "the")]
    + [f"{v} {d}" for v in ("marks", "mark", "represents", "represent") for d in ("a", "an")]
    + [
        f"{v} {o} as"
        for v in ("view", "views", "viewing", "viewed", "see", "sees", "seeing", "seen", "saw")
        for o in ("this", "it", "them")
    ]
)
_EVALUATIVE = _words(
    """alarming|alarm|significant|significantly|bold|stark|staggering|dramatic|dramatically
        |unprecedented|massive|crucial|critical|dangerous|aggressive|precarious|volatile|rousing
        |high-profile|militant|far-reaching|widespread|gravity|remarkable|remarkably|shocking|worrying
        |troubling|disturbing|historic|landmark|ostensibly|brazen|reckless|ominous|dire|tragic|outrageous
        |shameful|disastrous|excellent|terrible|wonderful|impressive|extraordinary|chaotic|heroic"""
)
# Before an evaluative word these make it the predicate: "is particularly significant".
_PREDICATE_VERBS = frozenset([*_COPULAS, "be", "been", "remains", "remain", "seems", "seem", "appears", "appear"])
_INTENSIFIERS = _word_set("particularly very highly deeply so most more truly especially")
_SPECULATION = _words(
    """may|might|could|would|likely|unlikely|possibly|possible|perhaps|potential|potentially
        |speculation|speculative|speculate|speculated|rumor|rumors|rumour|rumours|suggestion|if|whether
        |appears to|appear to|seems to|seem to|seemingly|expected to"""
)
_FUTURE = ["will", "is set to", "are set to"]

# --- Attribution: who said or reported it ---

_SPEECH_VERBS = _words(
    """said|says|say|told|tells|stated|announced|announces|reported|claimed|claims|confirmed|confirms
        |suggest|suggests|suggested|indicate|indicates|indicated|show|shows|showed|added|noted|wrote
        |writes|asserted|asserts|assert|argued|argues|insisted|warned|warns|denied|denies|admitted
        |estimated|estimates|described|describes|urged|urges|vowed|pledged|declared|explained|testified
        |acknowledged|alleged|revealed|disclosed|emphasized|emphasised|emphasizes|emphasises|stressed
        |ordered|called on|called upon|called for"""
)
# "delivered a rousing speech", "issued a directive": a speech act with its object.
_SPEECH_ACTS = frozenset(["delivered", "gave", "made", "issued"])
_SPEECH_OBJECTS = _word_set("speech address statement remarks directive order warning appeal call")
# Verbs that are the writer's inference, not speech, when no source is their subject ("This suggests").
_INTERPRETIVE_VERBS = _word_set("suggest suggests suggested indicate indicates indicated show shows showed")
_ACCORDING_TO = ["according to", "as reported by", "as stated by", "reported by", "citing"]
_UNNAMED_SOURCE = _words("reportedly|allegedly|purportedly|is said to|are said to|was said to|were said to")
_CUES = _Lexicon(
    {
        "time": _TIME,
        "event": _EVENT,
        "concrete": _CONCRETE,
        "opinion": _OPINION,
        "evaluative": _EVALUATIVE,
        "speculation": _SPECULATION,
        "future": _FUTURE,
        "speech": _SPEECH_VERBS,
        "according": _ACCORDING_TO,
        "unnamed": _UNNAMED_SOURCE,
    },
    case_sensitive=["may"],  # "May" is a month
)
# The patterns below, searched for in a sentence, start with a character class, never with a lookahead, "\b" or a
# choice of classes: the engine then skips to the next character that can start a match in C, whereas otherwise
# it tries the whole pattern at every position (names are found in 0.7 of the time so). "(?<!\w\w)" right after a
# word's first character is the "\b" before it.
_SUBJECT_TOKEN = re.compile(r"[A-Za-z0-9,()\"\u201c\u201d](?:(?<=[A-Za-z0-9])[\w'\u2019.&-]*)?")
_QUOTE_SPAN = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{1,600})[\"\u201d]")
# A name word: a capitalised word, an initial or dotted acronym ("J.", "U.S."), a title ("Dr.").
_NAME_WORD = (
    r"[A-Z](?<!\w\w)(?:\.(?:[A-Z]\.){0,2}(?![A-Za-z])"  # "J.", "U.S."
    r"|(?<=D)r\.|(?<=M)(?:rs?|s)\.|(?<=G)(?:en|ov)\.|(?<=P)rof\.|(?<=S)(?:en|t)\.|(?<=L)t\.|(?<=C)ol\."  # "Dr.", "Mrs."
    r"|[\w'\u2019-]*)"
)
_ENTITY = re.compile(rf"{_NAME_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{_NAME_WORD})*")
# Capitalised, but a time rather than a name.
_CALENDAR_WORDS = _word_set(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec"""
)
_ACRONYM_IN_PARENS = re.compile(r"\(([A-Z][A-Z0-9&.-]{1,10})\)")
_LEADING_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)

# Between a subject and its verb: "has also said", "went on to assert", "later told".
_AUXILIARIES = _word_set(
    "has have had also later previously repeatedly again then officially publicly went on to was were "
    "is are reportedly recently further first separately"
)
_PRONOUNS = frozenset(["he", "she"])
_NOT_SOURCES = frozenset(["it", "they", "this", "that", "these", "those", "which", "who", "we", "i", "you"])
# Capitalised only because they open the sentence; never a name on their own.
_FUNCTION_WORDS = _word_set(
    "The A An This These That Those Some Many Most Such Other It Its He She They We In On At During "
    "After Before As If But And Moreover However Meanwhile While When According Reports I"
)
_ARTICLES = frozenset(["a", "an", "the"])
_CONNECTORS = frozenset(["of", "from", "in", "at", "for", *_ARTICLES])
_EDGE_WORDS = _CONNECTORS | {"and", "or", ",", "("}  # never the first or last word of a source
# A person's role: it introduces a name ("leader Kim Jong-un") and stands for it later ("the leader").
ROLES = _word_set(
    """leader president minister premier chancellor mayor governor senator spokesman spokeswoman
    spokesperson secretary ambassador general commander chief director official officer analyst
    professor economist researcher scientist lawyer attorney judge chairman chairwoman chair ceo
    founder head king queen prince envoy diplomat adviser advisor lawmaker legislator deputy colonel
    captain sergeant lieutenant superintendent inspector coach manager executive representative
    councillor councilor sheriff prosecutor doctor forecaster meteorologist hydrologist engineer"""
)
HONORIFICS = _word_set("mr mrs ms dr prof gen sen rep gov")
_TITLES = ROLES | HONORIFICS
_SOURCE_NOUNS = ROLES | _word_set(
    """officials reports report sources police analysts experts witnesses residents authorities
    investigators prosecutors researchers scientists economists forecasters data figures statistics
    study survey poll statement ministry agency government department office service authority
    council committee commission military army media speech remarks address message documents
    records court company union group spokesmen officers doctors agencies operator operators firm
    utility airline hospital school university board bureau institute organisation organization
    charity campaigners organisers organizers"""
)
_SOURCE_ADJECTIVES = _word_set(
    """state-run state local senior former top unnamed anonymous military government intelligence
    foreign defence defense health emergency city national regional federal deputy official
    independent international western rescue weather many some"""
)
# Words that never say what kind of source a noun is, or describe a role.
_NOT_KINDS = (
    "that which who whom whose this these those their its his her our your my on in at by for with from to of "
    "and or but as than then when while said says told reported was were is are has have had will would could "
    "should may might can also not no the an during after before into over against amid under near across "
    "through without within about around between among behind beyond toward towards upon via per"
)
_KIND_WORD = r"\b(?!(?:" + "|".join(_NOT_KINDS.split()) + r")\s)[a-z][a-z'\u2019-]+\s+"
# A word or two naming what kind of source a noun is: "the national shipping council", "the tracking firm".
_SOURCE_KIND = re.compile(
    rf"{_KIND_WORD}(?:{_KIND_WORD})?(?:" + "|".join(sorted(_SOURCE_NOUNS, key=len, reverse=True)) + r")\b"
)
# One or two words describing a role before the role and a name: "opposition transport spokesperson Lars Dahl"
# (never "allies of president ...": "of" is no such word).
_DESCRIBED_ROLE = re.compile(
    rf"\s*(?:{_KIND_WORD}){{1,2}}(?=(?:" + "|".join(sorted(ROLES, key=len, reverse=True)) + r")\s+[A-Z])"
)


@dataclass(slots=True)
class People:
    """The people named so far in one article, so that "He said" and "the mayor said" resolve.

    Only names introduced with a role or an honorific count as people ("Mayor Helen Okafor",
    "Dr. Lee", "Jane Doe, a spokeswoman"): a bare capitalised name may be a country or an agency.
    """

    roles: dict[str, str | None] = field(default_factory=dict)  # full name -> the role it came with
    # "Kim" and "Kim's" -> "Kim Jong-un": a sentence's mentions, possessives included, are found by looking its
    # words up in C, not one by one.
    by_token: dict[str, str] = field(default_factory=dict)
    latest: str | None = None  # the person mentioned last
    latest_by_role: dict[str, str] = field(default_factory=dict)  # "mayor" -> the mayor mentioned last

    def add(self, name: str, role: str | None) -> None:
        if name not in self.roles:
            self.roles[name] = role
            for token in name.split():
                for mention in (token, f"{token}'s", f"{token}\u2019s"):
                    if _strip_possessive(mention) == token:
                        self.by_token.setdefault(mention, name)
        self._touch(name)

    def canonical(self, name: str) -> str:
        """A short form ("Kim") as the full name first given ("Kim Jong-un"); others unchanged."""
        if name in self.roles:
            return name
        people = {self.by_token.get(word) for word in name.split()}
        person = people.pop() if len(people) == 1 else None
        return person or name

    def last(self, role: str | None = None) -> str | None:
        return self.latest if role is None else self.latest_by_role.get(role)

    def remember(self, tokens: _Tokens, text: str) -> None:
        """Learn "leader Kim Jong-un" and "Jane Doe, a spokeswoman"; note who was mentioned."""
        texts, by_token = tokens.texts, self.by_token
        if _TITLES.isdisjoint(tokens.lowers):  # most sentences introduce nobody: only mentions to note
            for i in compress(count(), map(by_token.__contains__, texts)):
                self._touch(by_token[texts[i]])
            return
        for i, lower in enumerate(tokens.lowers):
            word = texts[i]
            if lower in ROLES or (lower in HONORIFICS and word[0].isupper()):
                name = _capitalised_run(texts, i + 1)
                if name:
                    self.add(name, lower if lower in ROLES else None)
                elif word[0].islower():
                    self._appositive(tokens, i, text)
            if name := by_token.get(word):
                self._touch(name)

    def _appositive(self, tokens: _Tokens, role_index: int, text: str) -> None:
        """The name before a comma that a role follows: "Jane Doe, a spokeswoman for ..." (up to three words
        between the article and the role), or without an article "Tomas Ek, chief executive of ..." and
        "Maren Lindqvist, union secretary, said" (up to two words before the role, and the phrase going on
        as a role does: "Across North America, analyst estimates rose" names no one)."""
        lowers = tokens.lowers
        for k in range(role_index - 1, max(-1, role_index - 5), -1):
            if lowers[k] in _ARTICLES:
                if k >= 2 and "," in text[tokens.end(k - 1) : tokens.start(k)]:
                    self._name_before(tokens, k, lowers[role_index])
                return
        last = _role_phrase_end(tokens, role_index, text)
        if last is None:
            return
        for k in range(role_index, max(0, role_index - 3), -1):
            if "," in text[tokens.end(k - 1) : tokens.start(k)]:
                self._name_before(tokens, k, lowers[last])  # "chief executive": "the executive said" is them
                return
            if not tokens.texts[k - 1].islower():
                return

    def _name_before(self, tokens: _Tokens, k: int, role: str) -> None:
        """The two or three capitalised words right before token ``k``, as a person with ``role``; a place or a
        time is no one ("In London, chief executive ...", "On Tuesday, the mayor ...")."""
        texts = tokens.texts
        j = k - 1
        while j >= 0 and k - j <= 3 and texts[j][0].isupper():
            j -= 1
        words = texts[j + 1 : k]
        if (
            len(words) >= 2
            and words[0] not in _FUNCTION_WORDS
            and words[0].lower() not in _CONNECTORS
            and not any(w.lower() in _CALENDAR_WORDS for w in words)
        ):
            self.add(" ".join(words), role)

    def _touch(self, name: str) -> None:
        self.latest = name
        role = self.roles.get(name)
        if role:
            self.latest_by_role[role] = name


# After a role, what goes on as a role phrase does: "chief executive of", "spokeswoman for".
_ROLE_PHRASE_GOES_ON = _word_set("of for at with to")


def _role_phrase_end(tokens: _Tokens, i: int, text: str) -> int | None:
    """The last role word of the role phrase at token ``i`` ("chief executive"), if the phrase ends its clause or
    goes on as a role does ("of the Chamber", "for the union"); None when a name follows it ("chief executive
    Jane Doe") or anything else ("analyst estimates rose")."""
    lowers = tokens.lowers

    def comma_after(k: int) -> bool:
        return "," in text[tokens.end(k) : tokens.start(k + 1)]

    k = i
    while k + 1 < len(tokens) and lowers[k + 1] in ROLES and not comma_after(k):
        k += 1
    if k + 1 == len(tokens) or comma_after(k) or lowers[k + 1] in _ROLE_PHRASE_GOES_ON:
        return k
    return None


def _capitalised_run(texts: list[str], i: int) -> str | None:
    words: list[str] = []
    while i < len(texts) and len(words) < 3 and texts[i][0].isupper():
        words.append(_strip_possessive(texts[i]))
        if texts[i] != words[-1]:
            break  # a possessive ends the name: "Kim Jong-un's speech"
        i += 1
    return " ".join(words) or None


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word


@dataclass(slots=True)  # not frozen: see Sentence
class _Attribution:
    source: str | None  # None when unnamed ("reportedly") or an unresolved pronoun
    reason: str
    verb_span: tuple[int, int]  # character span of the attributing words
    reports_after: int | None  # cues from here on are the source's: -1 the whole sentence, None none


# --- Cues ---

# Superlatives and comparisons: "the largest drop since 2008", "more than any other state".
_COMPARISON = _word_set(
    """than most least best worst largest biggest highest lowest smallest greatest longest shortest
    fastest slowest strongest weakest oldest youngest richest poorest deadliest hottest coldest
    wettest driest busiest cheapest safest first record doubled tripled halved"""
)
# "I voted", "we cut", "I've signed": a first-person record of action.
_FIRST_PERSON = frozenset(["i", "we", "i've", "we've", "i'd", "we'd"])
_SPEAKER_WORDS = _FIRST_PERSON | _word_set("i'm we're i'll we'll my our us me you you're your")
_IRREGULAR_PAST = _word_set(
    """did made took gave built cut led won lost sent spent paid brought kept put set wrote fought
    got went told said sold bought left held met ran stood found became began brought grew rose fell
    had was were been done"""
)


def _spoken(tokens: _Tokens) -> bool:
    """In the first or second person; "US" is the country, not "us"."""
    lowers = tokens.lowers
    return not _SPEAKER_WORDS.isdisjoint(lowers) and any(
        lower in _SPEAKER_WORDS and text != "US" for text, lower in zip(tokens.texts, lowers, strict=True)
    )


def _past_verb(word: str) -> bool:
    return word in _IRREGULAR_PAST or (len(word) > 4 and word.endswith("ed"))


def _first_person_record(lowers: list[str]) -> tuple[int, int] | None:
    if _FIRST_PERSON.isdisjoint(lowers):
        return None
    for i, lower in enumerate(lowers[:-1]):
        if lower in _FIRST_PERSON:
            for k in range(i + 1, min(i + 3, len(lowers))):
                if _past_verb(lowers[k]):
                    return i, k
    return None


def score_in_order(sentences: Iterable[Sentence]) -> list[ScoredSentence]:
    """Score the sentences of one article, in order: "He said" in one refers to a person named in an earlier one.

    The words of all are weighed at once: per sentence, setting up the model's lookups cost as much as making
    them (an article is scored 7% faster so).
    """
    people = People()
    read: list[tuple[Sentence, list[str], Cues]] = []
    for sentence in sentences:
        tokens = _Tokens(sentence.text)
        found = _cues(sentence, tokens, people)
        if not sentence.is_heading:  # a title-case heading capitalises every word: where a name ends cannot be told
            people.remember(tokens, sentence.text)
        read.append((sentence, tokens.lowers, found))
    weigher = model.shipped()
    weighed_all = weigher.weigh_all([words for _, words, _ in read])
    return [
        ScoredSentence(
            text=sentence.text,
            start=sentence.start,
            end=sentence.end,
            is_heading=sentence.is_heading,
            score=weigher.score(words, found.cues, weighed),
            attribution=found.attribution,
            quantities=found.quantities,
            words=words,
            cues=found.cues,
            weighed=weighed,
        )
        for (sentence, words, found), weighed in zip(read, weighed_all, strict=True)
    ]


@dataclass(slots=True)  # not frozen: see Sentence
class Cues:
    cues: dict[str, str]  # cue name (a feature of the model) -> what in the sentence shows it, readable
    attribution: str | None
    quantities: tuple[Quantity, ...]


def sentence_cues(text: str) -> Cues:
    """The cues of one sentence on its own (training and evaluation score sentences without an article)."""
    return _cues(Sentence(text, 0, len(text), False), _Tokens(text), People())


def _cues(sentence: Sentence, tokens: _Tokens, people: People) -> Cues:
    """What a fact-checker looks for, named: figures, dates, sources, quotes, opinion, hedges, shape.

    Each cue is a feature the model weighs; its value here is the evidence shown in the reasons.
    """
    text = sentence.text
    lexicon = _CUES.find(tokens)
    quotes = (
        [(m.start(), m.end(), m.group(1)) for m in _QUOTE_SPAN.finditer(text)]
        if '"' in text or "\u201c" in text  # most sentences quote no one: two scans in C, no call of the engine
        else []
    )
    quoted = _inside(quotes) if quotes else _nowhere

    def span(hit: tuple[int, int]) -> str:
        return _span_text(text, tokens, hit)

    cues: dict[str, str] = {}
    quantities, dates = find_quantities_and_dates(text)
    if quantities:
        exact = [q for q in quantities if not q.approximate]
        if exact:
            cues["figure"] = "; ".join(q.text for q in exact[:2])
        if len(exact) < len(quantities):
            cues["approximate figure"] = "; ".join(q.text for q in quantities if q.approximate)
        if any(q.unit for q in quantities):
            cues["counted figure"] = "; ".join(q.text for q in quantities if q.unit)
    if dates:
        cues["date"] = "; ".join(text[s:e] for s, e in dates[:2])
    elif times := lexicon.get("time"):
        cues["time"] = span(times[0])
    if events := lexicon.get("event"):
        cues["event"] = span(events[0])

    interpretations: list[str] = []
    attribution = _find_attribution(text, tokens, lexicon, people, quoted, interpretations)
    if attribution:
        cues["named source" if attribution.source else "unnamed source"] = attribution.reason
    for verb in interpretations:
        cues["interpretation"] = verb

    long_quotes = [q for _, _, q in quotes if len(q.split()) >= 4]
    short_quotes = [q for _, _, q in quotes if 2 <= len(q.split()) <= 3]  # one word is a scare quote
    if long_quotes or short_quotes:
        shown = (long_quotes or short_quotes)[0].strip(" ,.")
        shown = '"' + (shown if len(shown) <= 60 else shown[:57].rstrip() + "...") + '"'
        cues["direct quote" if long_quotes else "quoted phrase"] = shown
        if attribution and attribution.source:
            cues["quote with its source"] = attribution.source

    entities = named_entities(text, quoted)
    if entities:
        cues["names" if len(entities) >= 2 else "a name"] = ", ".join(entities[:4])

    lowers = tokens.lowers
    record = _first_person_record(lowers)
    if record:
        cues["first-person record"] = span(record)
    if not _COMPARISON.isdisjoint(lowers):
        cues["comparison"] = next(t for t, lower in zip(tokens.texts, lowers, strict=True) if lower in _COMPARISON)

    after = attribution.reports_after if attribution and attribution.source else None

    def yours(hit: tuple[int, int]) -> str | None:
        """The cue's kind by whose words it is: the writer's, the source's, or none (quoted)."""
        start = tokens.start(hit[0])
        if quoted(start):
            return None
        return "source" if after is not None and start >= after else "writer"

    for kind in ("opinion", "speculation", "future"):
        for hit in lexicon.get(kind, ()):
            whose = yours(hit)
            if whose:
                cues.setdefault(f"{kind}, the {whose}'s", span(hit))
    for hit in lexicon.get("evaluative", ()):
        whose = yours(hit)
        if whose == "writer":
            before = hit[0] - 1
            if before >= 0 and lowers[before] in _INTENSIFIERS:
                before -= 1
            if before >= 0 and lowers[before] in _PREDICATE_VERBS:
                cues.setdefault("evaluative claim", span((before, hit[1])))
            else:
                cues.setdefault("evaluative word", span(hit))
        elif whose:
            cues.setdefault("opinion, the source's", span(hit))
    # An action after the writer's own hedge is hypothetical: "this could lead to increased cooperation".
    hedge_at = None
    if speculation := lexicon.get("speculation"):
        hedge_at = min((tokens.start(h[0]) for h in speculation if yours(h) == "writer"), default=None)
    verb_start, verb_end = attribution.verb_span if attribution else (-1, -1)
    for hit in lexicon.get("concrete", ()):
        start = tokens.start(hit[0])
        if not quoted(start) and not verb_start <= start < verb_end and (hedge_at is None or start < hedge_at):
            cues["concrete action"] = span(hit)
            break
    # The writer's own view or guess, with no figure, date or source in the sentence: nothing to check.
    # Said in the first or second person it is a speaker's ("we could cut taxes"): no writer's aside.
    if not (quantities or dates or attribution or _spoken(tokens)):
        for cue in ("speculation, the writer's", "future, the writer's"):
            if cue in cues:
                cues["speculation with nothing to check"] = cues[cue]
                break
        for cue in ("opinion, the writer's", "evaluative claim", "interpretation"):
            if cue in cues:
                cues["opinion with nothing to check"] = cues[cue]
                break
    # A hedged report with a figure: what readers repeat, so what a desk checks first.
    hedged = "speculation, the writer's" in cues or "speculation, the source's" in cues or "approximate figure" in cues
    if hedged and quantities and (attribution or not _REPORT_WORDS.isdisjoint(lowers)):
        cues["hedged report with a figure"] = quantities[0].text

    if sentence.is_heading:
        cues["heading"] = text
    elif text.rstrip("\"'\u201d\u2019)] ").endswith("?"):
        cues["question"] = "?"
    if len(tokens) < _SHORT_WORDS:
        cues["very short"] = f"{len(tokens)} words"
    elif len(tokens) > _LONG_WORDS:
        cues["very long"] = f"{len(tokens)} words"
    return Cues(cues, attribution.source if attribution else None, tuple(quantities))


_REPORT_WORDS = _word_set("reports report reported speculation suggestion claims rumours rumors estimates")


def _inside(quotes: list[tuple[int, int, str]]) -> Callable[[int], bool]:
    """Whether a position is inside one of the sentence's ``quotes``."""
    starts = [start for start, _, _ in quotes]

    def quoted(pos: int) -> bool:
        # Binary search: a sentence may hold many quotes, and every cue asks.
        k = bisect.bisect_right(starts, pos) - 1
        return k >= 0 and pos < quotes[k][1]

    return quoted


def _nowhere(pos: int) -> bool:
    """Most sentences quote no one, and every cue asks: no search is needed."""
    return False


def named_entities(text: str, quoted: Callable[[int], bool]) -> list[str]:
    """Capitalised names and acronyms, the sentence's first word only when it is part of a name."""
    found: list[str] = []
    for m in _ENTITY.finditer(text):
        words = m.group().split()
        while words and words[0] in _FUNCTION_WORDS:
            del words[0]
        if not words:
            continue
        start = m.start()
        if start == 0 and len(words) == 1 and not words[0].isupper():
            continue  # the first word is capitalised anyway
        if quoted(start) or all(map(_calendar_word, words)):
            continue
        name = _strip_possessive(" ".join(words))
        if name not in found:
            found.append(name)
    return found


def _calendar_word(word: str) -> bool:
    return word.rstrip(".").lower() in _CALENDAR_WORDS


def _span_text(text: str, tokens: _Tokens, hit: tuple[int, int]) -> str:
    return text[tokens.start(hit[0]) : tokens.end(hit[1])]


# --- Attribution ---


def _find_attribution(
    text: str,
    tokens: _Tokens,
    cues: dict[str, list[tuple[int, int]]],
    people: People,
    quoted: Callable[[int], bool],
    interpretations: list[str],
) -> _Attribution | None:
    """The first source the sentence names; interpretive verbs without one go to ``interpretations``."""
    for first, last in cues.get("according", ()):
        start, end = tokens.start(first), tokens.end(last)
        source = None if quoted(start) else _source_after(text, end)
        if source:
            name = _clean_source(source, people)
            # "according to X" reports the whole sentence; "as reported by X" only the noun beside it.
            reports_after = -1 if tokens.lowers[first] in ("according", "citing") else None
            return _Attribution(name, f"attributed to {name}", (start, end), reports_after)
    for first, last in _speech_verbs(tokens.lowers, cues.get("speech", [])):
        start, end = tokens.start(first), tokens.end(last)
        if quoted(start):
            continue
        verb = tokens.texts[first]
        found = _subject_before(text, start, people)
        if found is None:
            if verb in _INTERPRETIVE_VERBS:
                interpretations.append(verb)
            elif _char_before(text, start) in ('"', "\u201d"):
                inverted = _source_after(text, end)  # '"...," said the mayor.'
                if inverted:
                    name = _clean_source(inverted, people)
                    return _Attribution(name, f"attributed to {name}", (start, end), None)
            continue
        speaker, referring = found
        if speaker is None:
            return _Attribution(None, f"attributed to an unnamed speaker: {referring} {verb}", (start, end), None)
        reason = f"attributed to {speaker}" + (f" (refers back to '{referring}')" if referring else "")
        return _Attribution(speaker, reason, (start, end), end)
    for first, last in cues.get("unnamed", ()):
        start = tokens.start(first)
        if not quoted(start):
            phrase = _span_text(text, tokens, (first, last))
            return _Attribution(None, f"attributed without a named source: {phrase}", (start, start), None)
    return None


def _char_before(text: str, pos: int) -> str:
    """The last non-space character before ``pos``."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return text[pos - 1] if pos else ""


def _speech_verbs(lowers: list[str], verbs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    hits = list(verbs)
    if _SPEECH_ACTS.isdisjoint(lowers):
        return hits
    for i, lower in enumerate(lowers):
        if lower in _SPEECH_ACTS and i + 1 < len(lowers) and lowers[i + 1] in _ARTICLES:
            for k in range(i + 2, min(i + 5, len(lowers))):
                if lowers[k] in _SPEECH_OBJECTS:
                    hits.append((i, k))
                    break
    return sorted(hits)


def _subject_before(text: str, verb_start: int, people: People) -> tuple[str | None, str | None] | None:
    """(source, the words it was resolved from) for the subject right before a speech verb.

    None when the words before the verb are no source ("This dual focus suggests").
    """
    tokens = list(_SUBJECT_TOKEN.finditer(text, max(0, verb_start - 160), verb_start))
    i = len(tokens) - 1
    while i >= 0 and tokens[i].group().lower() in _AUXILIARIES:
        i -= 1
    if i < 0:
        return None
    if tokens[i].group() == ",":
        # "Marta Jensen, a spokeswoman for the union, said", "Maren Lindqvist, union secretary, said": skip the
        # apposition back to the name.
        k = i - 1
        while k >= 0 and i - k <= 12 and tokens[k].group() != ",":
            k -= 1
        if k < 1 or tokens[k].group() != "," or not _opens_apposition([t.group() for t in tokens[k + 1 : k + 4]]):
            return None
        i = k - 1
    word = tokens[i].group()
    if word.lower() in _PRONOUNS:
        return people.last(), word
    if word.lower() in _NOT_SOURCES:
        return None
    j = i
    listing = False  # commas belong to the subject only in a list: "Washington, Seoul, and Kyiv"
    while j >= 0 and i - j < 14:
        word = tokens[j].group()
        lowered = word.lower()
        if word == ",":
            if not (listing and j > 0 and tokens[j - 1].group()[0].isupper()):
                break
        elif lowered in ("and", "or", "&"):
            listing = True
        elif not (
            word in "()"
            or word[0].isupper()
            or lowered in _CONNECTORS
            or _strip_possessive(lowered) in _SOURCE_NOUNS
            or lowered in _SOURCE_ADJECTIVES
        ):
            break
        j -= 1
    subject = tokens[j + 1 : i + 1]
    while subject and subject[0].group().lower() in _EDGE_WORDS:
        subject.pop(0)
    if not subject or not _is_source([t.group() for t in subject]):
        return None
    phrase = text[subject[0].start() : subject[-1].end()]
    last = subject[-1].group()
    if last.lower() in ROLES and last[0].islower():
        # "The North Korean leader": a role standing for the person last named with it.
        person = people.last(last.lower())
        if person:
            return person, phrase
    return _clean_source(phrase, people), None


def _is_source(words: list[str]) -> bool:
    return any(
        _strip_possessive(w.rstrip(".")).lower() in _SOURCE_NOUNS or (w[0].isupper() and w not in _FUNCTION_WORDS)
        for w in words
    )


def _opens_apposition(words: list[str]) -> bool:
    """An article ("a spokeswoman for"), or a role after at most two lowercase words ("union secretary")."""
    if words and words[0].lower() in _ARTICLES:
        return True
    for word in words:
        if word in ROLES:
            return True
        if not word.islower():
            return False
    return False


def _source_after(text: str, pos: int) -> str | None:
    """The source named after "according to" or an inverted "said": up to the next comma or verb."""
    # "said opposition transport spokesperson Lars Dahl": the words before the role describe it.
    described = _DESCRIBED_ROLE.match(text, pos)
    if described:
        pos = described.end()
    words = []
    named = False  # a name or a source noun is in: a kind of source comes before them, never after
    for t in _SUBJECT_TOKEN.finditer(text, pos, min(len(text), pos + 160)):
        word = t.group()
        lowered = word.lower().rstrip(".")  # the sentence's last word holds its full stop
        if word[0].isupper() or lowered in _SOURCE_NOUNS:
            named = True
        elif not (
            word in "()"
            or lowered in _CONNECTORS
            or lowered in _SOURCE_ADJECTIVES
            or lowered == "and"
            or (not named and _SOURCE_KIND.match(text, t.start()))
        ):
            break
        words.append(t)
        if len(words) >= 10:
            break
    while words and words[-1].group().lower() in _EDGE_WORDS:
        words.pop()
    if not words or not _is_source([t.group() for t in words]):
        return None
    return text[words[0].start() : words[-1].end()].rstrip(".")


def _clean_source(phrase: str, people: People) -> str:
    """ "the state-run Korean Central News Agency (KCNA)" -> "KCNA"; "leader Kim Jong-un" -> "Kim Jong-un"."""
    acronym = _ACRONYM_IN_PARENS.search(phrase)
    if acronym:
        return acronym.group(1)
    phrase = _LEADING_DETERMINER.sub("", phrase.strip(" ,"))
    words = phrase.split()
    # A role before a name goes: "North Korean leader Kim Jong-un", "Mayor Helen Okafor".
    for k in range(len(words) - 2, -1, -1):
        if words[k].lower().rstrip(".") in _TITLES:
            rest = words[k + 1 :]
            if all(w[0].isupper() for w in rest):
                return people.canonical(_strip_possessive(" ".join(rest)))
            break
    # "Kim Jong-un's speech" -> the person whose speech it is.
    for k, w in enumerate(words):
        if w.endswith(("'s", "\u2019s")) and w[0].isupper():
            return people.canonical(_strip_possessive(" ".join(words[: k + 1])))
    return people.canonical(phrase) if phrase[:1].isupper() else phrase
