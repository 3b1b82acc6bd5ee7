"""A story's one or two key sentences for a briefing: the key sentences (leads) of its articles
in the period, the one that shares most with the others first (what the story is about), then
one from another article that adds to it (often the latest turn). For a story the previous
briefing showed, a sentence that says what it showed again is left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.sentence_features import gist
from assistant.records import Citation
from assistant.retrieval.stories import key_citation
from index.records import StoryMember

SAME = 0.5  # word overlap (Jaccard of four-letter stems) at which two sentences say one thing


@dataclass(frozen=True)
class Lead:
    member: StoryMember
    citation: Citation
    words: frozenset[str]


def leads(members: Sequence[StoryMember]) -> list[Lead]:
    out = []
    for member in members:
        citation = key_citation(1, member)
        if citation is not None:
            out.append(Lead(member, citation, frozenset(gist(citation.quote))))
    return out


def key_sentences(
    members: Sequence[StoryMember], shown_before: Sequence[str] = (), most: int = 2
) -> list[Lead]:
    """Up to ``most`` leads of ``members`` (the period's articles, oldest first), most central
    first; none that repeats a sentence of ``shown_before``."""
    seen = [frozenset(gist(text)) for text in shown_before]
    pool = [lead for lead in leads(members) if all(_overlap(lead.words, s) < SAME for s in seen)]
    if not pool:
        return []
    order = sorted(
        range(len(pool)), key=lambda i: (-_centrality(pool, i), -i)
    )  # ties: the later article
    chosen = [pool[order[0]]]
    for i in order[1:]:
        if len(chosen) >= most:
            break
        lead = pool[i]
        if lead.member.meta.id != chosen[0].member.meta.id and all(
            _overlap(lead.words, c.words) < SAME for c in chosen
        ):
            chosen.append(lead)
    return chosen


def repeats(quotes: Sequence[str], shown: Sequence[str], same: float) -> bool:
    """One of ``quotes`` says what one of ``shown`` said (word overlap at least ``same``):
    another story's fragment of one event, which a briefing does not repeat."""
    said = [frozenset(gist(text)) for text in shown]
    return any(_overlap(frozenset(gist(q)), s) >= same for q in quotes for s in said)


def _centrality(pool: Sequence[Lead], i: int) -> float:
    """Mean overlap of lead ``i`` with the other leads (1 lead: 0)."""
    others = [_overlap(pool[i].words, lead.words) for j, lead in enumerate(pool) if j != i]
    return sum(others) / len(others) if others else 0.0


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
