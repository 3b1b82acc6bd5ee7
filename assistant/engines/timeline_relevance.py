"""Whether a sentence belongs in the answer to "how did X develop?": the relevance gate of a
timeline entry (issue #30, point 6).

The question's topic is what it asks about, its frame taken off ("How did *the war in Ukraine*
develop?"). An entry passes when its article names the topic (at least half of the topic's
names — its capitalised words — or, without names, half of its words, in the title or text)
and its sentence is close to the topic (cosine of the sentence and topic vectors at least
``SENTENCE_FLOOR``). The floor was chosen on the labelled development questions of
``bench/timeline_relevance.py`` (rtqa-news dev weeks), nothing else.
"""

from __future__ import annotations

import re

SENTENCE_FLOOR = 0.40  # cosine of an entry's sentence and the topic (all-MiniLM-L6-v2)

_FRAME = re.compile(
    r"^\W*(?:(?:please\s+)?(?:give|show|tell)\s+(?:me|us)\s+(?:a|the)\s+)?"
    r"(?:how\s+(?:did|has|have|had|is|are|was|were)|how|what\s+(?:has\s+|have\s+)?changed\s+"
    r"(?:since|after|between|in)|(?:what\s+is\s+|what's\s+)?(?:the\s+)?(?:timeline|chronology|"
    r"sequence\s+of\s+events)\s+(?:of|for|in)|what\s+happened\s+(?:with|to|in|at))\s+",
    re.IGNORECASE,
)
_VERBS = re.compile(
    r"\s+(?:develop(?:ed)?|evolve[d]?|unfold(?:ed)?|change[d]?|progress(?:ed)?|escalate[d]?|"
    r"grow|grown|grew|play(?:ed)?\s+out)\b",
    re.IGNORECASE,
)
_TIME_TAIL = re.compile(  # "… over the past months", "… since June": when, not what
    r"\s+(?:over|in|during|throughout)\s+the\s+(?:past|last|recent)\s+\w+(?:\s+\w+)?$|"
    r"\s+(?:over|in|during|throughout)\s+(?:the\s+)?(?:year|years|months|weeks|summer|time)$|"
    r"\s+since\s+(?:(?:early|late|mid)[\s-]+)?(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December|last\s+\w+|\d{4})$|\s+(?:so\s+far|recently)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w][\w'’.-]*[\w]|\w")
_STOP = frozenset(
    """a an and are as at be been but by for from has have her his in into is it its of on or
    our than that the their this to was were with about after before since over around near
    between during what who how did does""".split()
)


def development_topic(question: str) -> str:
    """What a development question asks about: "How did the war in Ukraine develop?" → "the
    war in Ukraine"; "How has Twitter changed since Elon Musk took over?" → "Twitter since Elon
    Musk took over". The question itself when no frame is found."""
    text = question.strip().rstrip("?.! ")
    framed = _FRAME.sub("", text, count=1)
    verb = _VERBS.search(framed)
    if verb is not None:
        framed = (framed[: verb.start()] + framed[verb.end() :]).strip()
    framed = _TIME_TAIL.sub("", framed).strip(" ,")
    return framed or text


def _words(text: str) -> list[str]:
    return [w.rstrip(".") for w in _WORD.findall(text)]


def topic_names(topic: str) -> list[str]:
    """The topic's names: its capitalised words and numbers ("Ukraine", "Mar-a-Lago", "6"),
    possessives dropped ("Griner's" → "Griner"); not its first word when that is a stop word."""
    names = [_bare(w) for w in _words(topic) if w[:1].isupper() or w.isdigit()]
    return list(dict.fromkeys(n for n in names if n.lower() not in _STOP and n))


def topic_terms(topic: str) -> list[str]:
    """The topic's content words, lower-cased, possessives dropped."""
    words = [_bare(w).lower() for w in _words(topic)]
    return list(dict.fromkeys(w for w in words if w not in _STOP and len(w) > 2))


def _bare(word: str) -> str:
    return re.sub(r"['’]s?$", "", word)


def names_topic(topic: str, title: str, text: str) -> bool:
    """True when the article (title and text) holds at least half of the topic's names, or,
    for a topic without names, half of its words (a word matches its inflections: "flooding"
    "floods", "protests" "protesters")."""
    names = topic_names(topic)
    wanted = names or topic_terms(topic)
    if not wanted:
        return True
    haystack = f"{title}\n{text}"
    found = sum(1 for w in wanted if _mentions(haystack, w, exact=bool(names)))
    return found * 2 >= len(wanted)


def _mentions(text: str, word: str, exact: bool) -> bool:
    if exact:  # a name as written: "Ian" is not "Ian's" prefix of "Ianthe"
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
    stem = word[: max(4, len(word) - 3)]  # "flooding" → "flood", "prices" → "pric"
    return re.search(rf"(?<!\w){re.escape(stem)}", text, re.IGNORECASE) is not None
