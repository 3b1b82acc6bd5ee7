"""Where an answer was lost (``newsrag eval --answers``): each answerable question's fate.

The first that applies, in this order:

- ``correct``: the answer states the right choice and no wrong one;
- ``contaminated``: the right choice is quoted, with a wrong one beside it;
- ``abstained``: the engine said it could not answer although the right choice was in the
  top-10 passages (without it, there was nothing to read: a retrieval miss);
- ``read_miss``: the right choice is in the top-5 retrieved passages, not in the answer (the
  reader quoted another sentence);
- ``rank_miss``: it is in the top-10 passages, not the top 5;
- ``retrieval_miss``: it is not in the top-10 passages.

A question whose answer occurs nowhere in the index is not answerable and has no fate.
"""

from __future__ import annotations

from typing import Any

FATES = ("correct", "contaminated", "abstained", "read_miss", "rank_miss", "retrieval_miss")


def fate(row: dict[str, Any]) -> str | None:
    """``row``: one question's merged retrieval and answer scores (``eval.run``)."""
    if not row.get("answerable"):
        return None
    if row["correct"]:
        return "correct"
    if row["quoted"]:
        return "contaminated"
    if row["abstained"] and row["answer_recall@10"]:
        return "abstained"
    if row["answer_recall@5"]:
        return "read_miss"
    return "rank_miss" if row["answer_recall@10"] else "retrieval_miss"


def fate_shares(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Each fate's share of the answerable questions (they add up to 1)."""
    fates = [f for f in (fate(r) for r in rows) if f is not None]
    if not fates:
        return dict.fromkeys(FATES, 0.0)
    return {f: round(fates.count(f) / len(fates), 4) for f in FATES}
