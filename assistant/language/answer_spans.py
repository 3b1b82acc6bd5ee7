"""Short-answer candidates in a sentence: names, numbers, amounts, dates and quoted titles, each
with its kind and its offsets in the sentence (a short answer is always the article's own
characters). No NER model is packaged (docs/BENCHMARKS.md, "Short answers"): names are runs of
capitalised words, told apart by gazetteers (countries and their subdivisions from
``pycountry``, a short list of cities), organisation words and acronyms, and the titles that
precede a person's name.

Kinds: person, organisation, place, name (a proper name of no known kind), event_title (a quoted
title), number, amount (money, percent, a number of millions), date.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from index.catalog.keyword import STOPWORDS

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAYNAME = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?\b"
    rf"|\b{_MONTH}\s+\d{{4}}\b"
    rf"|\b(?:1[89]\d\d|20\d\d)\b"
    r"|\b(?:January|February|March|April|June|July|August|September|October|November|December)\b"
    rf"|\b{_DAYNAME}\b"
)
_SCALE = r"(?:thousand|million|billion|trillion)"
_AMOUNT = re.compile(
    rf"[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?{_SCALE}|[mbk]n?\b)?"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b)"
    rf"|\b\d[\d,]*(?:\.\d+)?\s{_SCALE}\b"
)
_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred dozens"
).split()
_NUMBER = re.compile(
    r"(?<![\w.$€£])\d[\d,]*(?:\.\d+)?(?![\w%])"
    r"|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"]([A-Z0-9][^“”\"]{1,60}?)[”\"]")
_CAP = r"(?:[A-Z][\w’'.&-]*|[A-Z]{2,})"
_JOIN = r"(?:\s+(?:of|the|de|del|da|van|von|al|bin|&|for|on)){0,2}"
_NAME = re.compile(rf"{_CAP}(?:{_JOIN}\s+{_CAP})*")

ORG_WORDS = frozenset(
    "inc corp corporation company co group bank university college party association agency "
    "department ministry council committee commission court congress senate parliament "
    "airlines airways motors network news times post journal foundation institute federation "
    "league union club fc board bureau authority service services organization organisation "
    "fund reserve administration police army navy force forces school hospital church "
    "records studios pictures entertainment media holdings technologies labs".split()
)
PERSON_TITLES = frozenset(
    "president prime minister sen senator rep representative gov governor mayor dr mr mrs ms "
    "king queen prince princess pope ceo chief coach judge justice secretary chancellor actor "
    "actress singer rapper star author writer director quarterback player pitcher "
    "spokesperson spokesman spokeswoman lawmaker officer general lt".split()
)
CITIES = frozenset(
    (
        "london, paris, berlin, moscow, kyiv, kiev, beijing, tokyo, new delhi, delhi, mumbai, "
        "washington, new york, los angeles, chicago, houston, miami, boston, atlanta, seattle, "
        "dallas, san francisco, philadelphia, detroit, phoenix, denver, las vegas, nashville, "
        "orlando, baltimore, toronto, montreal, vancouver, mexico city, rome, madrid, "
        "barcelona, lisbon, vienna, warsaw, budapest, prague, athens, istanbul, ankara, cairo, "
        "jerusalem, tel aviv, gaza, tehran, baghdad, kabul, islamabad, karachi, dubai, riyadh, "
        "doha, sydney, melbourne, seoul, pyongyang, taipei, hong kong, shanghai, singapore, "
        "bangkok, jakarta, manila, hanoi, nairobi, lagos, johannesburg, buenos aires, "
        "rio de janeiro, sao paulo, lima, bogota, caracas, havana, kherson, kharkiv, mariupol, "
        "odesa, lviv, donetsk, luhansk, crimea, uvalde, vatican city, the vatican, vatican"
    ).split(", ")
)


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets in the sentence
    end: int
    kind: str


def spans(sentence: str) -> list[Span]:
    """The candidates of ``sentence``, left to right; an amount or a date is not also a
    number, and a quoted title is not also a name."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in (("event_title", _QUOTED), ("amount", _AMOUNT), ("date", _DATE)):
        for m in pattern.finditer(sentence):
            start, end = m.span(1) if kind == "event_title" else m.span()
            if not _overlaps(start, end, taken):
                found.append(Span(sentence[start:end], start, end, kind))
                taken.append((start, end))
    for m in _NUMBER.finditer(sentence):
        if not _overlaps(*m.span(), taken):
            found.append(Span(m.group(), m.start(), m.end(), "number"))
    for m in _NAME.finditer(sentence):
        name = _trimmed(sentence, m.start(), m.end())
        if name is not None and not _overlaps(name.start, name.end, taken):
            found.append(name)
    return sorted(found, key=lambda s: s.start)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


_WORD = re.compile(r"\S+")


_POSSESSIVE = re.compile(r"(?:[’']s|[’'])$")


def _trimmed(sentence: str, start: int, end: int) -> Span | None:
    """A capitalised run without its leading function words ("The", "In"), months, days,
    nationalities and titles ("British Prime Minister Liz Truss": Liz Truss), its trailing
    punctuation and possessive ("Johnson's": Johnson); None when nothing of a name is left,
    or when all that is left is one word opening the sentence ("Despite", "Firefighters":
    capitalised because they come first)."""
    words = [(m.start() + start, m.group()) for m in _WORD.finditer(sentence[start:end])]
    while words and (_leading_filler(words[0][1]) or _before_title(words)):
        words = words[1:]
    if words and _opening_word(sentence, words):
        words = words[1:]  # "Yesterday Boris Johnson …" at the sentence's start
    titled = False
    while len(words) > 1 and words[0][1].lower().rstrip(".") in PERSON_TITLES:
        words, titled = words[1:], True  # "President Volodymyr Zelensky": the person
    if not words:
        return None
    first, last = words[0][0], end
    while last > first and sentence[last - 1] in ".’'-,":
        last -= 1
    possessive = _POSSESSIVE.search(sentence[first:last])
    last -= len(possessive.group()) if possessive else 0
    text = sentence[first:last]
    if len(text) < 2 or text.lower() in STOPWORDS or _opens(sentence, first, text):
        return None
    return Span(text, first, last, "person" if titled else _name_kind(sentence, first, text))


def _leading_filler(word: str) -> bool:
    return word.lower() in STOPWORDS or bool(_DATE.fullmatch(word))


def _opening_word(sentence: str, words: list[tuple[int, str]]) -> bool:
    """A common word opening the sentence before a name of two words or more; not the start
    of a place ("New York City")."""
    if len(words) < 3 or sentence[: words[0][0]].strip(" \n\t“\"'‘—–-(•*"):
        return False
    lowered = [w.lower() for _, w in words]
    if any(" ".join(lowered[:n]) in _places() for n in range(2, len(lowered) + 1)):
        return False
    return words[0][1].lower() in _vocabulary() and words[0][1].lower() not in _places()


def _before_title(words: list[tuple[int, str]]) -> bool:
    """A nationality before a title ("British Prime Minister …")."""
    return len(words) > 2 and _demonym(words[0][1]) and words[1][1].lower() in PERSON_TITLES


def _demonym(word: str) -> bool:
    return word.lower() in DEMONYMS or bool(_DEMONYM.fullmatch(word))


def _opens(sentence: str, start: int, text: str) -> bool:
    """One common word at the sentence's start (after any quote or dash), capitalised only
    because it comes first ("Despite", "Firefighters"); a place, an acronym or a word the
    encoder's vocabulary lacks ("Netflix") is a name there too."""
    if " " in text or sentence[:start].strip(" \n\t“\"'‘—–-(•*") or text.isupper():
        return False
    return text.lower() in _vocabulary() and text.lower() not in _places()


@functools.cache
def _vocabulary() -> frozenset[str]:
    """The packaged encoder's whole words (its uncased WordPiece vocabulary): common English
    words, and only the commonest names."""
    from index.encoding.model_sources import resolve_model
    from index.settings import DEFAULT_MODEL

    path = resolve_model(DEFAULT_MODEL).path / "vocab.txt"
    words = path.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and not w.startswith("##"))


_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish|ch|ic)s?")
DEMONYMS = frozenset(
    "american british french dutch greek thai iraqi israeli pakistani saudi qatari yemeni "
    "afghan bangladeshi kuwaiti omani emirati nepali somali swiss welsh scots irish "
    "democrat democrats republican republicans".split()
)


def _name_kind(sentence: str, start: int, name: str) -> str:
    words = name.replace("’s", "").replace("'s", "").split()
    lower = " ".join(words).lower()
    if len(words) == 1 and _demonym(words[0]):
        return "adjective"  # "Russian", "Chinese": no one's name
    if lower in _places():
        return "place"
    if any(w.lower().strip(".,") in ORG_WORDS for w in words) or re.fullmatch(r"[A-Z]{2,6}", name):
        return "organisation"
    before = sentence[max(0, start - 25) : start].lower().split()
    if before and before[-1].strip(".,") in PERSON_TITLES:
        return "person"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() and w[1:].islower() for w in words):
        return "person"  # "Mario Draghi", "Kelly Ann Smith": how people are named in copy
    return "name"


@functools.cache
def _places() -> frozenset[str]:
    """Country names (official, common and short), their subdivisions, and ``CITIES``."""
    import pycountry

    names: set[str] = set(CITIES)
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            value = getattr(country, field, None)
            if value:
                names.add(value.lower())
                names.add(value.split(",")[0].lower())
    for sub in pycountry.subdivisions:
        names.add(sub.name.lower())
    names |= {"us", "u.s", "u.s.", "usa", "uk", "u.k.", "britain", "america", "russia", "iran"}
    return frozenset(names)
