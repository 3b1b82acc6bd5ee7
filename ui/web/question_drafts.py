"""Questions a reader would ask, drafted from an article's own words (for the empty chat's
examples; ``ui.web.examples`` keeps only those the index answers).

Two kinds, both grammatical by construction because they keep the article's words and verb form:

- a count, from a sentence that states one: the number becomes "How many" ("Voters in three
  states moved to protect abortion rights on Tuesday" → "How many states moved to protect
  abortion rights on Tuesday?"), or, after a verb whose past and participle agree, the sentence
  turns passive ("Engineers replaced 46 steel cables" → "How many steel cables were replaced?");
- "What's the latest on Brittney Griner?" for a name in the title that the article also writes
  capitalised in mid-sentence (so "Harbour" of "Harbour bridge reopens" is no name).

Sentences inside quotation marks or in the first or second person are skipped: a question made
from "Some 1,300 of our people died" would not be the reader's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index import sentence_spans

_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_WORDS = f"(?:{_TENS})(?:-(?:{_UNITS}))?|{_UNITS}|ten|eleven|twelve|fifteen|hundreds|thousands"
NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?i:{_WORDS}))"
_ABOUT = r"(?:(?:at least|more than|nearly|almost|about|some|over|up to|around|roughly) )?"
_NOUNS = r"(?P<np>(?:[a-z][a-z-]* ){0,2}(?:[a-z][a-z-]*[a-rt-z]s|people|children|men|women))"
# "Voters in three states moved to…": number, noun phrase, a past verb group, then the rest of the
# clause (up to 8 words, ending before a comma or a joining word)
_SUBJECT = re.compile(
    rf"(?<![\w$£€.,-]){_ABOUT}(?P<num>{NUMBER})(?: of)? {_NOUNS} "
    r"(?P<vp>(?:(?:were|are|have been|had been) )?[a-z]{3,}ed)"
    r"(?P<rest>(?: [\w’'-]+){0,8}?)(?=[,.;:!?]| (?:and|but|as|after|when|while|who|which|that)\b|$)"
)
PASSIVE_VERBS = [  # past and participle alike: "replaced 46 cables" → "were replaced"
    *(
        "killed injured wounded arrested detained evacuated launched fired charged infected "
        "hospitalized hospitalised rescued displaced destroyed damaged added hired deployed "
        "captured released freed counted replaced recorded approved banned removed closed "
        "cancelled canceled delayed treated vaccinated tested sentenced convicted elected signed "
        "recalled seized sold built cut lost"
    ).split(),
    "laid off",
    "shot down",
]
_OBJECT = re.compile(
    rf"(?P<det>\b(?:a|an|the) )?\b(?P<verb>{'|'.join(PASSIVE_VERBS)}) {_ABOUT}"
    rf"(?P<num>{NUMBER}) {_NOUNS}\b"
)
MEASURES = frozenset(
    "years months weeks days hours minutes seconds percent points times miles kilometres "
    "kilometers feet inches metres meters degrees pounds dollars euros cents things ways".split()
)
NOT_NOUNS = frozenset(
    "a an and or but of the that those these this which who to in on at for with by from as "
    "than their its his her our your my is are was were has have had been be".split()
)
PERSONAL = re.compile(r"\b(?:I|we|our|us|my|me|you|your)\b", re.IGNORECASE)
_QUOTES = '"“”‘’«»'
_DETERMINED = re.compile(r"\b(?:the|these|those|its|their|his|her|our|of)\s*$", re.IGNORECASE)
_DANGLING = frozenset("a an and at about by for from in of on or over the to with".split())
_TITLE_TAIL = re.compile(r"\s+(?:\||[—–-]\s)\s*.*$|\s*(?:\.\.\.|…)\s*$")
_NAME = re.compile(r"(?<![\w’'])(?:[A-Z][\w’'.-]*[a-z][\w.-]*)(?: [A-Z][\w’'.-]*[a-z][\w.-]*){0,2}")
NOT_NAMES = frozenset(
    "Analysis Opinion Exclusive Watch Live Update Breaking Photos Video Review Editor Monday "
    "Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov "
    "Dec The A An What How Why Who When Where Here Could Would Should Will Can Does Did Is Are "
    "Was Meet Inside After Before As In On At For".split()
)


@dataclass(frozen=True)
class Draft:
    question: str
    expect: str | None  # words its answer must hold (the count); None: any answer will do


def count_questions(text: str) -> Iterator[Draft]:
    """ "How many" questions from the text's sentences, in text order."""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if any(q in sentence for q in _QUOTES) or PERSONAL.search(sentence):
            continue
        yield from _counts(sentence)


def _counts(sentence: str) -> Iterator[Draft]:
    for m in _SUBJECT.finditer(sentence):
        if _DETERMINED.search(sentence[: m.start()]):
            continue  # "the 40 people killed were named": no count of its own
        rest = m["rest"].split()
        while rest and rest[-1].lower() in _DANGLING:
            rest.pop()
        if _plain_count(m["num"], m["np"]):
            yield Draft(f"How many {m['np']} {' '.join([m['vp'], *rest])}?", m["num"])
    for m in _OBJECT.finditer(sentence):
        if not m["det"] and _plain_count(m["num"], m["np"]):
            yield Draft(f"How many {m['np']} were {m['verb']}?", m["num"])


def _plain_count(number: str, nouns: str) -> bool:
    """A count of things: not a year, a measure, or a phrase with a joining word in it."""
    words = nouns.split()
    if re.fullmatch(r"(?:19|20)\d\d|(?i:one)", number) or words[-1] in MEASURES:
        return False
    return not any(w in NOT_NOUNS or w.endswith(("ing", "ed")) for w in words)


def latest_on(title: str, text: str, outlet: str | None = None) -> Iterator[Draft]:
    """ "What's the latest on …?" for each name in the title that the text also writes
    capitalised in mid-sentence (not its outlet, an adjective like "Russian" or part of a
    longer name); "the" goes before it when the text mostly writes it so ("the Colts")."""
    head = _TITLE_TAIL.sub("", title).strip()
    for m in _NAME.finditer(head):
        words = m.group(0).split()
        while len(words) > 1 and words[0] in NOT_NAMES:  # "Could Sean Payton" → "Sean Payton"
            words.pop(0)
        name = re.sub(r"[’']s$", "", " ".join(words)).rstrip(".")
        beside = head[max(m.start() - 1, 0) : m.start()] + head[m.end() : m.end() + 1]
        if (
            not any(q in beside for q in _QUOTES + "'")
            and _named_in(name, text)
            and _a_name(name, head[m.end() :], outlet)
        ):
            named = _with_the(name, text)
            if named != name or not re.search(r"^\w+[^s]s$", name):  # "Astros" wants "the"
                yield Draft(f"What's the latest on {named}?", None)


def _a_name(name: str, after: str, outlet: str | None) -> bool:
    """Not a heading word, a demonym, a hyphened adjective ("Trump-backed") or the outlet,
    nor the head of a longer name in the title ("Season 5", "Gen Z")."""
    words = name.split()
    plain = re.sub(r"\W|\.com$", "", (outlet or "").lower())
    return not (
        words[0] in NOT_NAMES
        or (len(words) == 1 and name.endswith(("ian", "ese", "ish")))
        or re.search(r"-[a-z]", name)
        or re.match(r"[ -]?[A-Z0-9]", after)
        or (plain and re.sub(r"\W", "", name.lower()) == plain)
    )


_VERBS = "(?:is|was|are|were|has|have|had|said|says|will|would|reported|announced)"


def _with_the(name: str, text: str) -> str:
    """``the Colts`` when the text writes "the Colts" standing alone ("the Colts.", "the Colts
    said") at least half as often as the bare name ("the Twitter account" is no reason; nor is
    "Houston Astros" a bare "Astros")."""
    n = re.escape(name)
    alone = len(re.findall(rf"\b[Tt]he {n}(?=[,.;:!?’']| {_VERBS}\b)", text))
    every = len(re.findall(rf"\b{n}\b", text))
    named = len(re.findall(rf"\b(?:[Tt]he|[A-Z][\w.’']*) {n}\b", text))
    return f"the {name}" if alone and alone * 2 >= every - named else name


def _named_in(name: str, text: str) -> bool:
    """The text writes ``name`` as a whole name after a lowercase word or a comma."""
    return re.search(rf"(?<=[a-z,;:] ){re.escape(name)}(?![\w’'-]| [A-Z0-9])", text) is not None
