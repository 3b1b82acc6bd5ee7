"""What story grouping compares between two articles, computed once per article at ingest:
its day, the centroid of its lead passages' vectors, the names it mentions, and its key
(lead) sentence. Pure functions over an article's text and vectors; nothing is rewritten.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.text.sentence_roles import is_news
from index.text.sentences import sentence_spans

LEAD_CHUNKS = 3  # passages whose vectors make the centroid: the lead carries the story
ENTITY_CHARS = 3000  # names are read from the title and this much of the text
MAX_ENTITIES = 24  # the most frequent names kept per article
KEY_MIN_WORDS = 8  # a key sentence is a real sentence, not a kicker or a section label
_DATELINE = re.compile(
    # "KYIV, Ukraine (AP) — ": a city in capitals, maybe its state or country, the outlet
    r"[A-Z][A-Z .'’-]+(?:,\s*[A-Z][\w .]{0,24})?\s*\([A-Z][\w .-]{0,29}\)\s*[—–-]+\s*"
    r"|\([A-Z][\w .-]{0,29}\)\s*[—–-]+\s*"  # "(Reuters) - "
    r"|\([A-Z][\w .-]{0,29}\)\s+(?=[A-Z\"“])"  # "(CNN) Charles has become…": no dash
)

_NAME = re.compile(
    r"[A-Z][\w’'.-]*[\w]"  # a capitalised word…
    r"(?:\s+(?:(?:of|de|al|bin|van|von|the|la|le|del|da)\s+)?[A-Z][\w’'.-]*[\w])*"  # …and its kin
)
_NOT_NAMES = frozenset(
    """a an and as at but by for from he her his i if in into it its many more most mr mrs ms
    new no not of on or our over she so some that the their then there these they this those
    to under up us we what when where which while who why with after before during since
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december today yesterday tomorrow
    read watch click subscribe sign advertisement editor photo video getty images ap file
    president minister governor officials police said says according also one two three
    first last next here how however""".split()
)


@dataclass(frozen=True)
class StorySignals:
    """One article as story grouping sees it."""

    article_id: str
    day: str  # "YYYY-MM-DD": publication day, else the day it was ingested
    centroid: np.ndarray  # float32, unit length (zeros for an article without passages)
    entities: tuple[str, ...]  # lower-cased names, most frequent first
    key: tuple[int, int] | None  # the key sentence's span in the article text


def centroid(vectors: np.ndarray) -> np.ndarray:
    """Unit mean of an article's first ``LEAD_CHUNKS`` passage vectors."""
    if not len(vectors):
        return np.zeros(0, dtype=np.float32)
    mean = np.asarray(vectors[:LEAD_CHUNKS], dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


def entities(title: str, text: str) -> tuple[str, ...]:
    """Names the title and the start of the text mention (capitalised word runs, lower-cased),
    most frequent first; a lone sentence-initial capital ("Officials") is not a name."""
    counts: Counter[str] = Counter()
    for part in (title, text[:ENTITY_CHARS]):
        for match in _NAME.finditer(part):
            name = _trimmed(match.group(0))
            alone = " " not in match.group(0)
            if name and not (alone and _sentence_initial(part, match.start())):
                counts[name] += 1
    return tuple(name for name, _ in counts.most_common(MAX_ENTITIES))


def _trimmed(name: str) -> str:
    words = [w for w in name.lower().replace("’s", "").replace("'s", "").split()]
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    while words and words[-1] in _NOT_NAMES:
        words.pop()
    joined = " ".join(words).strip(".-’'")
    return joined if len(joined) > 2 else ""


def _sentence_initial(text: str, at: int) -> bool:
    before = text[max(0, at - 3) : at].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?\n:"


def key_sentence(text: str, title: str = "") -> tuple[int, int] | None:
    """The lead: the first sentence of at least ``KEY_MIN_WORDS`` words that is news (not a
    caption, credit, editor's note or promotion) and not the title repeated, or None when the
    text has no such sentence."""
    folded_title = " ".join(title.lower().split())
    for start, end in sentence_spans(text, 0, min(len(text), 4000)):
        sentence = text[start:end]
        if len(sentence.split()) < KEY_MIN_WORDS or not is_news(sentence):
            continue
        if folded_title and " ".join(sentence.lower().split()).startswith(folded_title):
            continue
        return start + dateline_end(sentence), end
    return None


def dateline_end(sentence: str) -> int:
    """Where a sentence starts after its wire dateline ("KYIV (AP) — ", "(Reuters) - "): 0 when
    it has none."""
    dateline = _DATELINE.match(sentence)
    return dateline.end() if dateline else 0


def signals(article_id: str, day: str, title: str, text: str, vectors: np.ndarray) -> StorySignals:
    return StorySignals(
        article_id, day, centroid(vectors), entities(title, text), key_sentence(text, title)
    )
