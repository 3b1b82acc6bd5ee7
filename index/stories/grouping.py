"""Which story an article joins, and which stories it shows to be one.

An article is scored against every article published within ``WINDOW_DAYS`` of it: the cosine
of the two lead centroids, plus ``ENTITY_BONUS`` for each name both mention (at most
``MAX_SHARED``), plus ``NAME_BONUS`` for each *distinctive* name both mention (a name of several
words that at most ``RARE_NAME`` articles of the window mention: "brennan dockers union", "anna
weiss"; at most ``MAX_NAMES``), less ``DECAY`` for each day between them. A story is a candidate
when its best article scores at least ``LINK`` and the story as a whole — the cosine to the
centroid of its articles in the window, with the same names and days as that best article —
at least ``STORY_LINK`` (an article that touches one member of a story but not the story, a
digest of the day's news, does not chain unrelated stories together). The article joins the
best candidate; another candidate whose articles are, on average, at least ``MERGE`` similar to
the joined story's is the same story told twice, and merges into it (the older story keeps its
id: ``Placement.merged``). Otherwise the article starts a story of its own.

Incremental and deterministic: an article is compared with articles already grouped, and a
rebuild groups every article oldest first; merging a story the bridge reveals makes the result
depend less on the order articles came in. The constants were fitted on rtqa-train weeks of 2023
and 2024 (bench/stories.py; docs/BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from index.stories.signals import StorySignals
from index.text.hashing import sha256_hex

WINDOW_DAYS = 10  # an article is compared with those published this many days before or after
LINK = 0.72  # the least score (cosine + name bonuses - days) that joins an article's story…
STORY_LINK = 0.65  # …when the story as a whole scores at least this
ENTITY_BONUS = 0.02  # per name both articles mention…
MAX_SHARED = 4  # …counted up to this many
NAME_BONUS = 0.06  # per distinctive name both mention (several words, few articles)…
MAX_NAMES = 2  # …counted up to this many
RARE_NAME = 6  # a name is distinctive when at most this many articles of the window mention it
DECAY = 0.02  # taken off per day between the two articles
MERGE = 0.60  # two stories an article links to are one when their articles' mean cosine is this


@dataclass(frozen=True)
class Grouped:
    """An article already in a story, as a candidate to link to."""

    signals: StorySignals
    story_id: str


@dataclass(frozen=True)
class Link:
    article_id: str  # the article joined through
    story_id: str
    score: float


@dataclass(frozen=True)
class Placement:
    """Where an article goes: the story it joins (None: it starts one), and the stories that
    merge with that one because the article bridges them (``Neighbourhood.merge`` them)."""

    link: Link | None
    merged: tuple[str, ...] = ()


def window(day: str) -> tuple[str, str]:
    """The days whose articles a new article of ``day`` is compared with."""
    at = date.fromisoformat(day)
    span = timedelta(days=WINDOW_DAYS)
    return (at - span).isoformat(), (at + span).isoformat()


def _days_apart(a: StorySignals, b: StorySignals) -> int:
    return abs(date.fromisoformat(a.day).toordinal() - date.fromisoformat(b.day).toordinal())


def bonus(shared: int, distinctive: int, days_apart: int) -> float:
    """What names and days add to a cosine (negative when only days speak)."""
    return (
        ENTITY_BONUS * min(shared, MAX_SHARED)
        + NAME_BONUS * min(distinctive, MAX_NAMES)
        - DECAY * days_apart
    )


def similarity(a: StorySignals, b: StorySignals, rare: frozenset[str] | None = None) -> float:
    """The score of two articles; ``rare``: the names few articles of the window mention (None:
    every name of several words counts as distinctive)."""
    if not len(a.centroid) or len(a.centroid) != len(b.centroid):
        return 0.0
    shared = set(a.entities) & set(b.entities)
    distinctive = [n for n in shared if " " in n and (rare is None or n in rare)]
    return float(a.centroid @ b.centroid) + bonus(len(shared), len(distinctive), _days_apart(a, b))


def best_link(new: StorySignals, candidates: Sequence[Grouped]) -> Link | None:
    """The story ``new`` joins, or None (it starts one). Ties go to the older story."""
    return Neighbourhood(candidates).place(new).link


class Neighbourhood:
    """Articles already grouped, held as one matrix of centroids so a new article is compared
    with every one in its window at once (an ingest of thousands of articles a day would
    otherwise compare them pair by pair, in Python). Only candidates whose cosine could reach
    ``LINK`` with the largest bonus are scored one by one. Each member's story is a code (one
    per story id), so a merge relabels a story's members at once."""

    def __init__(self, members: Iterable[Grouped] = ()) -> None:
        self._reset()
        self.first: dict[str, tuple[str, str]] = {}  # story id -> its oldest (day, article id)
        self.merged: dict[str, str] = {}  # a story merged away -> the story it went into
        for member in members:
            self.add(member)

    def _reset(self) -> None:
        self._members: list[Grouped] = []
        self._days = np.zeros(16, dtype=np.int64)
        self._stories = np.zeros(16, dtype=np.int64)
        self._matrix = np.zeros((16, 0), dtype=np.float32)
        self._codes: dict[str, int] = {}
        self._ids: list[str] = []  # code -> story id
        self._names: dict[str, dict[int, int]] = {}  # a name of several words -> day -> members

    def __len__(self) -> int:
        return len(self._members)

    def add(self, member: Grouped) -> None:
        vector = np.asarray(member.signals.centroid, dtype=np.float32)
        n = len(self._members)
        if not n:
            self._matrix = np.zeros((16, len(vector)), dtype=np.float32)
        if n == len(self._days):  # grow by doubling: adding stays amortised O(1)
            self._days = np.concatenate([self._days, np.zeros_like(self._days)])
            self._stories = np.concatenate([self._stories, np.zeros_like(self._stories)])
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._days[n] = date.fromisoformat(member.signals.day).toordinal()
        self._stories[n] = self._code(member.story_id)
        if len(vector) == self._matrix.shape[1]:  # else (no passages) it is never similar
            self._matrix[n] = vector
        for name in set(member.signals.entities):
            if " " in name:
                said = self._names.setdefault(name, {})
                said[int(self._days[n])] = said.get(int(self._days[n]), 0) + 1
        self._members.append(member)
        oldest = (member.signals.day, member.signals.article_id)
        self.first[member.story_id] = min(self.first.get(member.story_id, oldest), oldest)

    def _code(self, story_id: str) -> int:
        if story_id not in self._codes:
            self._codes[story_id] = len(self._ids)
            self._ids.append(story_id)
        return self._codes[story_id]

    def forget_before(self, day: str) -> None:
        """Drop members older than ``day`` minus the window: a rebuild in date order never
        compares with them again, so it holds one window of articles, not the archive."""
        n = len(self._members)
        keep = np.flatnonzero(self._days[:n] >= date.fromisoformat(day).toordinal() - WINDOW_DAYS)
        if len(keep) == n:
            return
        kept = [Grouped(self._members[i].signals, self._ids[self._stories[i]]) for i in keep]
        self._reset()
        for member in kept:
            self.add(member)

    def merge(self, story_id: str, into: str) -> None:
        """``story_id``'s members are ``into``'s from now on."""
        if story_id == into:
            return
        self.merged[story_id] = into
        if story_id in self._codes:
            n = len(self._members)
            self._stories[:n][self._stories[:n] == self._codes[story_id]] = self._code(into)
        if story_id in self.first:
            gone = self.first.pop(story_id)
            self.first[into] = min(self.first.get(into, gone), gone)

    def best_link(self, new: StorySignals) -> Link | None:
        return self.place(new).link

    def place(self, new: StorySignals) -> Placement:
        """The story ``new`` joins (ties go to the older story) and the stories it merges."""
        n = len(self._members)
        if not n or len(new.centroid) != self._matrix.shape[1]:
            return Placement(None)
        day = date.fromisoformat(new.day).toordinal()
        vector = np.asarray(new.centroid, dtype=np.float32)
        near = np.abs(self._days[:n] - day) <= WINDOW_DAYS
        cosines = self._matrix[:n] @ vector
        reach = LINK - ENTITY_BONUS * MAX_SHARED - NAME_BONUS * MAX_NAMES - 1e-6
        order = sorted(
            (int(i) for i in np.flatnonzero(near & (cosines >= reach))),
            key=lambda i: (self._members[i].signals.day, self._members[i].signals.article_id),
        )
        rare = self._rare(new, day)
        best: dict[int, tuple[float, int]] = {}  # story code -> (best score, its member)
        for i in order:
            candidate = self._members[i].signals
            if candidate.article_id == new.article_id:
                continue
            score = similarity(new, candidate, rare)
            code = int(self._stories[i])
            if score >= LINK and (code not in best or score > best[code][0]):
                best[code] = (score, i)
        links: list[tuple[float, int]] = []  # (score, member)
        for code, (score, i) in best.items():
            together = near & (self._stories[:n] == code)
            centre = self._matrix[:n][together].mean(axis=0)
            norm = float(np.linalg.norm(centre))
            whole = float(centre @ vector) / norm if norm else 0.0
            if whole + score - float(cosines[i]) >= STORY_LINK:  # the same names and days
                links.append((score, i))
        if not links:
            return Placement(None)
        signals = [self._members[i].signals for _, i in links]
        found = sorted(
            (
                Link(s.article_id, self._ids[self._stories[i]], score)
                for (score, i), s in zip(links, signals, strict=True)
            ),
            key=lambda link: (
                -link.score,
                *self.first.get(link.story_id, ("", "")),
                link.article_id,
            ),
        )
        merged = tuple(
            other.story_id
            for other in found[1:]
            if self._mean_cosine(found[0].story_id, other.story_id, near) >= MERGE
        )
        return Placement(found[0], merged)

    def _rare(self, new: StorySignals, day: int) -> frozenset[str]:
        """The names of several words ``new`` mentions that at most ``RARE_NAME`` articles of
        its window mention."""
        rare = []
        for name in set(new.entities):
            if " " not in name:
                continue
            said = self._names.get(name, {})
            days = range(day - WINDOW_DAYS, day + WINDOW_DAYS + 1)
            if sum(said.values()) <= RARE_NAME or sum(said.get(d, 0) for d in days) <= RARE_NAME:
                rare.append(name)
        return frozenset(rare)

    def _mean_cosine(self, a: str, b: str, near: np.ndarray) -> float:
        n = len(self._members)
        ours = self._matrix[:n][near & (self._stories[:n] == self._codes[a])]
        theirs = self._matrix[:n][near & (self._stories[:n] == self._codes[b])]
        return float((ours @ theirs.T).mean()) if len(ours) and len(theirs) else 0.0


def keeper(stories: Sequence[str], first_days: Mapping[str, str]) -> str:
    """Of stories that merge, the one whose id stays: the oldest (by its first day, then id)."""
    return min(stories, key=lambda story: (first_days.get(story, "9999"), story))


def founded_story_id(founder: str, taken: set[str] | None = None) -> str:
    """A story's id, made from the id of the article that started it (stable across rebuilds
    while that article stays the oldest); a suffix when a story of that founder exists."""
    base = "s" + sha256_hex(founder)[:11]
    n = 1
    story = base
    while taken and story in taken:
        n += 1
        story = f"{base}-{n}"
    return story
