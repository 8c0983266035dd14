"""Find the quantities stated in a sentence: value, unit and whether the figure is hedged.

Figures are later compared across sources ("about 12,000 soldiers" against "more than 10,000
soldiers"), so the value is parsed exactly and the unit is the counted noun or a normalised unit.
Dates and times are found too, so that a year or a day of the month is never taken for a quantity.
A figure too large for a float (309 digits and more, or "10^300 trillion") is no quantity at all: it could be
neither stored as JSON nor compared, and the sentence is scored on its words alone.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass


@dataclass(slots=True)  # not frozen: see Sentence (the extractor makes one for every figure)
class Quantity:
    value: float
    unit: str | None
    text: str  # the surface text: number, scale and unit, without the hedge before it
    start: int  # offsets into the string given to find_quantities
    end: int
    approximate: bool


def _word_set(spec: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string, for readable word lists."""
    return frozenset(spec.split())


_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_MULTIPLIERS = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}
_CURRENCY_SIGNS = {
    "$": "dollars", "US$": "dollars", "USD": "dollars", "A$": "Australian dollars",
    "C$": "Canadian dollars", "HK$": "Hong Kong dollars", "€": "euros", "EUR": "euros",
    "£": "pounds", "GBP": "pounds", "¥": "yen", "JPY": "yen", "₹": "rupees",
}  # fmt: skip
_UNIT_ALIASES = {
    "%": "percent", "per cent": "percent", "pct": "percent", "percentage point": "percentage points",
    "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "metre": "m", "metres": "m", "meter": "m", "meters": "m", "centimetre": "cm", "centimetres": "cm",
    "centimeter": "cm", "centimeters": "cm", "mile": "miles", "mi": "miles", "kilogram": "kg",
    "kilograms": "kg", "tonne": "tonnes", "ton": "tons", "litre": "litres", "liter": "litres",
    "liters": "litres", "hectare": "hectares", "ha": "hectares", "acre": "acres", "lbs": "lb",
    "dollar": "dollars", "euro": "euros", "pound": "pounds", "rupee": "rupees", "ruble": "roubles",
    "rubles": "roubles", "rouble": "roubles",
    "°c": "degrees Celsius", "° c": "degrees Celsius", "°f": "degrees Fahrenheit", "c": "degrees Celsius",
    "f": "degrees Fahrenheit",
    "° f": "degrees Fahrenheit", "degree celsius": "degrees Celsius", "degrees celsius": "degrees Celsius",
    "degree fahrenheit": "degrees Fahrenheit", "degrees fahrenheit": "degrees Fahrenheit",
}  # fmt: skip

_NUMBER_WORD = "(?:" + "|".join(sorted([*_ONES, *_MULTIPLIERS, "dozen"], key=len, reverse=True)) + r")\b"
_NUMBER = re.compile(
    rf"""
    (?P<cur>US\$|HK\$|A\$|C\$|\$|€|£|¥|₹|(?:USD|EUR|GBP|JPY)\ ?)?
    (?:
        (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d{{1,3}}(?:[\ \u00a0\u202f]\d{{3}})+(?![\d,.])|\d+(?:\.\d+)?)
        (?:\ ?(?P<scale>thousand|million|billion|trillion)\b|(?P<short>bn|mn|tn|m|k)\b)?
      | \b(?P<words>(?i:(?:half\ )?an?\ (?:dozen|hundred|thousand|million|billion)\b
            |{_NUMBER_WORD}(?:(?:\ |-|(?<=hundred)\ and\ ){_NUMBER_WORD})*))
    )
    """,
    re.VERBOSE,
)
# Units written right after the figure; they win over a counted noun.
_UNIT_AFTER = re.compile(
    r"""(?:\ ?(?P<unit>%|per\ cent\b|percent\b|pct\b|percentage\ points?\b|°\ ?[CF]\b
        |degrees?\ (?:Celsius|Fahrenheit)\b)
      | [\ -](?P<measure>km/h|mph|km|kilomet(?:re|er)s?|miles?|mi|metres?|meters?|m|cm|mm
        |centimet(?:re|er)s?|kg|kilograms?|tonnes?|tons?|lbs?|litres?|liters?|gallons?|hectares?|ha
        |acres?|dollars?|euros?|pounds?|yen|yuan|rupees?|roubles?|rubles?)\b
      | (?P<attached>km/h|mph|km|m|cm|mm|kg|ha|(?-i:C|F))\b)""",
    re.VERBOSE | re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][A-Za-z'\u2019-]*)")
_HEDGE_BEFORE = re.compile(
    r"(?:\b(?:about|around|approximately|roughly|nearly|almost|some|over|under|below|above|more\ than"
    r"|less\ than|fewer\ than|at\ least|at\ most|up\ to|as\ many\ as|as\ much\ as|as\ few\ as"
    r"|close\ to|upwards?\ of|in\ excess\ of|an\ estimated|estimated|just\ over|just\ under|well\ over"
    r"|well\ under)\ |~\ ?)$",
    re.IGNORECASE | re.VERBOSE,
)
# How every hedge above ends: most figures have none, and testing these endings is many times faster than
# searching the pattern back from the figure, so the pattern decides only when one of them is there (before
# a line break too: "$" matches there), or when the text is not ASCII: ignoring case, the pattern takes "İ" and
# "ı" for "i", which no lowercasing does.
_HEDGE_ENDINGS = (
    *[
        f"{word} "
        for word in _word_set(
            "about around approximately roughly nearly almost some over under below above than least most to as of "
            "estimated"
        )
    ],
    "~",
    "~ ",
)
_HEDGE_AFTER = re.compile(r"\ ?(?:or\ so|or\ more|or\ less|-plus|\+)(?![\w])", re.VERBOSE)
_DIGIT = re.compile(r"\d")
# Most sentences state no figure: a digit, a currency sign or a number word must be there for one. In ASCII text
# only 0-9 and $ can be one, and a class of ASCII characters is tested twice as fast as "\d".
_FIGURE_SIGN = re.compile(r"[\d$€£¥₹]")
_ASCII_FIGURE_SIGN = re.compile(r"[0-9$]")
# The runs of a-z in the lowercase text, as bytes: in UTF-8 every other character is bytes outside a-z,
# so translating those to spaces and splitting is one pass in C, several times faster than a regex findall.
_NOT_A_TO_Z = bytes([b if b in b"abcdefghijklmnopqrstuvwxyz" else 32 for b in range(256)])
_NUMBER_WORDS = frozenset(w.encode("ascii") for w in [*_ONES, *_MULTIPLIERS, "dozen"])
# A figure in digits starts at a digit, a currency sign, or a currency's letters that start a word: "US$5", "USD 5",
# "€5" ("xUSD 5" is 5). Its first character is read first, as a class (see _DATE).
_DIGIT_CANDIDATE = re.compile(
    r"[UHACEGJ$\d€£¥₹](?:(?<!\w.)(?:(?<=U)S\$|(?<=H)K\$|(?<=[AC])\$|(?:(?<=U)SD|(?<=E)UR|(?<=G)BP|(?<=J)PY)(?= ?\d))"
    r"|(?<=[$€£¥₹])"  # a currency sign alone
    r"|(?<=\d)\d*)"  # digits
)
# A figure in words starts at its number word, or at what comes before it: "a hundred", "half a million",
# "USD five million".
_WORD_FIGURE_OPENERS = ("a ", "an ", "half a ", "half an ")
_CURRENCY_CODES = ("usd ", "eur ", "gbp ", "jpy ")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
_WORD_SEPARATOR = re.compile(r"[ -]+")
_RANGE_JOIN = re.compile(r"\s*(?:to|and|or|-|\u2013|\u2014)\s*$")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A month's name after its first letter: the date pattern reads that letter first (below).
_MONTH_REST = (
    r"(?:(?<=J)(?:an(?:uary)?|une?|uly?)|(?<=F)eb(?:ruary)?|(?<=M)(?:ar(?:ch)?|ay)|(?<=A)(?:pr(?:il)?|ug(?:ust)?)"
    r"|(?<=S)ep(?:t(?:ember)?)?|(?<=O)ct(?:ober)?|(?<=N)ov(?:ember)?|(?<=D)ec(?:ember)?)\.?"
)
# Every date starts with a month or a digit, read first as a character class: the engine skips to the next one
# in C, whereas a pattern starting with a lookahead or "\b" is tried at every position (dates are found in 0.6
# of the time so). "(?<!\w\w)" after that first character is the "\b" before it.
_DATE = re.compile(
    rf"""[JFMASOND\d](?<!\w\w)
    (?:{_MONTH_REST}\ (?:\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\ \d{{4}}\b)?|\d{{4}}\b)
      | (?<=\d)(?:\d?(?:st|nd|rd|th)?\ (?:of\ )?{_MONTH}(?:,?\ \d{{4}}\b)?
        | \d{{3}}-\d{{2}}-\d{{2}}\b
        | \d?/\d{{1,2}}/\d{{2,4}}\b
        | \d?(?::\d{{2}})?\ ?(?:a\.m\.|p\.m\.|am\b|pm\b)
        | \d?:\d{{2}}\b
        | (?<=1)[5-9]\d0s\b | (?<=2)0\d0s\b))""",
    re.VERBOSE,
)
# A year after one of these is a date even when a noun follows ("in 2023 floods hit ...").
_DATE_PREPOSITIONS = _word_set(
    "in since by until till from during of before after through between and to early late mid year"
)
# Words that end the search for the counted noun: "10,000 of them", "300 were deployed".
_STOP_WORDS = _word_set(
    """a an the of in on at to from for by with into onto over under about than as and or but nor
    that which who whom whose this these those its their his her our your my
    is are was were be been being has have had will would could should may might must can do does did
    said says say told reported according per each every more less last next ago since until during
    while when where if after before also already still now then there here so such"""
)
_IRREGULAR_PLURALS = _word_set(
    "people men women children police personnel staff feet teeth mice geese cattle sheep fish deer aircraft troops"
)
# "the two nations", "both three ..." are references back, not figures being stated.
_REFERENTIAL = _word_set("the these those its their his her our your my both all")


def find_quantities(text: str) -> list[Quantity]:
    """The quantities in ``text``, in order; dates and times are left out."""
    return find_quantities_and_dates(text)[0]


def find_dates(text: str) -> list[tuple[int, int]]:
    """Spans of the calendar dates, years and clock times in ``text``, in order."""
    return find_quantities_and_dates(text)[1]


def find_quantities_and_dates(text: str) -> tuple[list[Quantity], list[tuple[int, int]]]:
    """Both at once, sharing one scan: the scorer needs both for every sentence."""
    letter_runs = text.lower().encode("utf-8", "surrogatepass").translate(_NOT_A_TO_Z).split()
    sign = (_ASCII_FIGURE_SIGN if text.isascii() else _FIGURE_SIGN).search(text)
    in_words = not _NUMBER_WORDS.isdisjoint(letter_runs)
    if sign is None and not in_words:
        return [], []  # most sentences state no figure
    starts: list[int] = []
    if sign is not None:
        # Only digits and currencies can start one, at most four characters before the first ("USD 5"):
        # the scan starts there, not at the start of the sentence.
        starts = list(map(re.Match.start, _DIGIT_CANDIDATE.finditer(text, max(0, sign.start() - 4))))
    if in_words:
        words = [word.decode("ascii") for word in _NUMBER_WORDS.intersection(letter_runs)]
        starts = sorted({*starts, *_word_figure_starts(text, words)})
    # Every date has a digit at most 11 characters from its start ("September 5"). A search from a
    # position still sees the characters before it, for the lookbehinds, as a search from the start does.
    digit = _DIGIT.search(text, sign.start()) if sign else None
    dates = [m.span() for m in _DATE.finditer(text, max(0, digit.start() - 11))] if digit else []
    quantities: list[Quantity] = []
    d = 0
    covered = 0
    # Cheap candidates first (a digit, a currency sign, a number word), then the full grammar is
    # matched only there: far faster than searching the whole sentence with the big pattern.
    for start in starts:
        if start < covered:
            continue
        m = _NUMBER.match(text, start)
        if m is None:
            continue
        covered = m.end()
        while d < len(dates) and dates[d][1] <= start:
            d += 1
        if d < len(dates) and dates[d][0] < m.end():
            continue  # part of a date already found
        if not _stands_alone(text, m):
            continue
        quantity = _parse(text, m)
        if quantity is None:
            continue
        if _is_year(text, m, quantity):
            dates.append((m.start("num"), m.end("num")))
            continue
        quantities.append(quantity)
        covered = quantity.end
    dates.sort()
    return _share_range_units(text, quantities), dates


def _word_figure_starts(text: str, words: list[str]) -> list[int]:
    """Where a figure in words may start: at each of ``words`` (lowercase) standing as a word of its own, at the
    "a", "an" or "half a" before it, and at a currency code before those. Found with str.find: matching every
    word of the sentence cost several times as much."""
    lowered = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)  # offsets as in ``text``

    def word_starts(pos: int) -> bool:
        return pos >= 0 and not _is_word_char(text[pos - 1 : pos])

    starts = []
    for word in words:
        i = lowered.find(word)
        while i >= 0:
            end = i + len(word)
            if word_starts(i) and not _is_word_char(text[end : end + 1]):
                starts.append(i)
                for opener in _WORD_FIGURE_OPENERS:  # "a hundred", "half a million"
                    at = i - len(opener)
                    if word_starts(at) and lowered.startswith(opener, at):
                        starts.append(at)
            i = lowered.find(word, end)
    for start in list(starts):  # "USD five million", "USD a hundred"
        if word_starts(start - 4) and lowered.startswith(_CURRENCY_CODES, start - 4):
            starts.append(start - 4)
    return starts


def _is_word_char(char: str) -> bool:
    """What "\\w" matches; False for "", the edge of the text."""
    return char.isalnum() or char == "_"


def _stands_alone(text: str, m: re.Match[str]) -> bool:
    """False for figures inside names and codes (F-16, COVID-19, G7), ordinals, times and versions. A currency
    stands apart from what comes before it ("your$265 billion")."""
    start = m.start()
    before = text[start - 1] if start and not m.group("cur") else " "
    if before.isalnum() or before == "_":
        return False
    if before in "-." and start >= 2 and (text[start - 2].isalpha() or text[start - 2].isdigit()):
        return before == "-" and text[start - 2].isdigit()  # "10-12" is a range, "F-16" a name
    end = m.end()
    after = text[end] if end < len(text) else " "
    number, scale, short = m.group("num", "scale", "short")
    if number and not scale and not short:
        if after.isalpha() and not _UNIT_AFTER.match(text, end):
            return False  # "3rd", "5G"
        if after in ":/" and end + 1 < len(text) and text[end + 1].isdigit():
            return False
    return True


def _parse(text: str, m: re.Match[str]) -> Quantity | None:
    cur, number, scale, short, words = m.group("cur", "num", "scale", "short", "words")
    cur = (cur or "").strip()
    end = m.end()
    if number:
        value = float(number.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
        if scale:
            value *= _MULTIPLIERS[scale]
        if short == "m" and not cur:
            end = m.end("num")  # without a currency "5m" is five metres, not five million
        elif short:
            value *= _SHORT_SCALES[short]
    else:
        if words.lower() == "one" or _previous_word(text, m.start()) in _REFERENTIAL:
            return None  # "one of the ...", "the two nations"
        value = _words_value(words)

    if not math.isfinite(value):
        return None  # beyond about 1.8e308 a figure cannot be represented, stored or compared: not a quantity
    unit: str | None = _CURRENCY_SIGNS.get(cur) if cur else None
    unit_match = _UNIT_AFTER.match(text, end)
    if unit_match:
        surface = unit_match.group(unit_match.lastgroup or "unit").strip()
        unit = unit or _normalise_unit(surface)
        end = unit_match.end()
    elif unit is None:
        unit, end = _counted_noun(text, end)

    # The longest hedge, "approximately ", is 14 characters (15 before a line break): no need to look further back.
    before = text[max(0, m.start() - 15) : m.start()]
    approximate = (not before.isascii() or before.lower().removesuffix("\n").endswith(_HEDGE_ENDINGS)) and bool(
        _HEDGE_BEFORE.search(text, max(0, m.start() - 15), m.start())
    )
    hedge_after = _HEDGE_AFTER.match(text, end)
    if hedge_after:
        approximate = True
    return Quantity(value, unit, text[m.start() : end], m.start(), end, approximate)


def _is_year(text: str, m: re.Match[str], quantity: Quantity) -> bool:
    """ "in 2024", "since 1998": a year, not 2,024 of something; "about 2000 people" is a count."""
    cur, number, scale, short = m.group("cur", "num", "scale", "short")
    if not number or cur or scale or short or not _YEAR.fullmatch(number):
        return False
    if quantity.unit is None or _previous_word(text, m.start()) in _DATE_PREPOSITIONS:
        return True
    # A count names a plural ("2000 people"); a year a single thing ("the 2025 budget", "its 1998 law").
    return not (quantity.unit in _IRREGULAR_PLURALS or _looks_plural(quantity.unit) or quantity.unit[0].isupper())


def _words_value(words: str) -> float:
    total = 0.0
    current = 0.0
    half = False
    for token in _WORD_SEPARATOR.split(words.lower()):
        if token == "half":
            half = True
        elif token == "dozen":
            current = (current or 1.0) * 12
        elif token == "hundred":
            current = (current or 1.0) * 100
        elif token in _MULTIPLIERS:
            total += (current or 1.0) * _MULTIPLIERS[token]
            current = 0.0
        elif token in _ONES:
            current += _ONES[token]
    value = total + current
    return value / 2 if half else value


def _normalise_unit(surface: str) -> str:
    lowered = " ".join(surface.lower().split())
    return _UNIT_ALIASES.get(lowered, lowered)


def _counted_noun(text: str, pos: int) -> tuple[str | None, int]:
    """The noun a figure counts: "10,000 North Korean soldiers" -> "soldiers".

    The head noun is the first plural in the next few words (adjectives and nationalities come
    before it); failing a plural, the last plain word before a stop word ("1 soldier was ...").
    Participles ("3 killed") are not nouns, so a figure followed only by one has no unit.
    """
    figure_end = pos
    candidate: tuple[str, int] | None = None
    for _ in range(4):
        m = _NEXT_WORD.match(text, pos)
        if not m:
            break
        word = m.group(1)
        lowered = word.lower()
        if lowered in _STOP_WORDS or lowered.endswith(("'s", "\u2019s")):
            break
        pos = m.end()
        if lowered in _IRREGULAR_PLURALS or _looks_plural(lowered):
            return (word if word[0].isupper() else lowered), pos
        if word[0].islower() and not lowered.endswith(("ed", "ing", "ly")):
            candidate = (lowered, pos)
    return candidate or (None, figure_end)


def _looks_plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))


def _previous_word(text: str, pos: int) -> str:
    """The lowercase word before ``pos``, looking back at most 20 characters."""
    i = pos
    while i > 0 and text[i - 1] == " ":
        i -= 1
    j = i
    limit = max(0, i - 20)
    while j > limit and (text[j - 1].isalpha() or text[j - 1] == "-"):
        j -= 1
    return text[j:i].lower()


def _share_range_units(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """ "10,000 to 12,000 soldiers": both ends of a range count the same thing."""
    for i in range(len(quantities) - 1):
        first, second = quantities[i], quantities[i + 1]
        if (first.unit is None) == (second.unit is None):
            continue
        if not _RANGE_JOIN.match(text, first.end, second.start):
            continue
        unit = first.unit or second.unit
        quantities[i] = Quantity(first.value, unit, first.text, first.start, first.end, first.approximate)
        quantities[i + 1] = Quantity(second.value, unit, second.text, second.start, second.end, second.approximate)
    return quantities
