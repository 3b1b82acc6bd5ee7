"""Result-list diversity: a per-article cap and collapse of near-duplicate passages
(syndicated or re-published copies of one story under other ids)."""

from __future__ import annotations

import re
from dataclasses import replace

from index import SearchHit

SHINGLE_WORDS = 5
NEAR_DUPLICATE_JACCARD = 0.6
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE_WORDS) -> frozenset[int]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return frozenset({hash(" ".join(words))})
    return frozenset(hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def diversify(hits: list[SearchHit], per_article: int, collapse: bool = True) -> list[SearchHit]:
    """Keep hits in order; drop passages past ``per_article`` for one article; fold a passage that
    nearly repeats a kept passage of another article into that hit's ``copies``."""
    kept: list[SearchHit] = []
    kept_shingles: list[frozenset[int]] = []
    per: dict[str, int] = {}
    for hit in hits:
        if per.get(hit.article.id, 0) >= per_article > 0:
            continue
        mine = shingles(hit.text) if collapse else frozenset()
        twin = _near_twin(hit, mine, kept, kept_shingles) if collapse else None
        if twin is not None:
            _fold(kept, twin, hit)
            continue
        per[hit.article.id] = per.get(hit.article.id, 0) + 1
        kept.append(hit)
        kept_shingles.append(mine)
    return kept


def _near_twin(
    hit: SearchHit, mine: frozenset[int], kept: list[SearchHit], kept_shingles: list[frozenset[int]]
) -> int | None:
    for i, (other, theirs) in enumerate(zip(kept, kept_shingles, strict=True)):
        if other.article.id != hit.article.id and jaccard(mine, theirs) >= NEAR_DUPLICATE_JACCARD:
            return i
    return None


def _fold(kept: list[SearchHit], index: int, duplicate: SearchHit) -> None:
    target = kept[index]
    extra = (duplicate.article.id, *duplicate.article.copies)
    copies = tuple(dict.fromkeys((*target.article.copies, *extra)))
    kept[index] = replace(target, article=replace(target.article, copies=copies))
