"""Where a passage of an older version stands in the current text, and what changed in it,
word by word (``difflib`` over words; the texts are never altered)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "delete" (only in the cited version), "insert" (only in the current)
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def map_span(old: str, new: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of ``new`` that replaced ``old[start:end]`` (None: it was removed, or rewritten
    without a word in common)."""
    a, b = _words(old), _words(new)
    inside = [i for i, w in enumerate(a) if w.end() > start and w.start() < end]
    if not inside or not b:
        return None
    first, last = inside[0], inside[-1] + 1  # old word range [first, last)
    matcher = SequenceMatcher(None, [w.group() for w in a], [w.group() for w in b], False)
    j0 = j1 = None
    shared = False
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if (a1 <= first and tag != "insert") or a0 >= last:
            continue
        if tag == "insert" and not (first < a0 < last):
            continue
        lo = b0 + (max(first, a0) - a0 if tag == "equal" else 0)
        hi = b0 + (min(last, a1) - a0 if tag == "equal" else b1 - b0)
        if hi > lo:
            shared = shared or tag == "equal"
            j0 = lo if j0 is None else min(j0, lo)
            j1 = hi if j1 is None else max(j1, hi)
    if j0 is None or j1 is None or not shared:
        return None
    return b[j0].start(), b[j1 - 1].end()


def word_diff(old: str, new: str) -> list[DiffPart]:
    """``old`` → ``new`` as runs of equal, deleted and inserted words (spaces folded)."""
    a, b = old.split(), new.split()
    parts: list[DiffPart] = []
    for tag, a0, a1, b0, b1 in SequenceMatcher(None, a, b, False).get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("equal", " ".join(a[a0:a1])))
            continue
        if a1 > a0:
            parts.append(DiffPart("delete", " ".join(a[a0:a1])))
        if b1 > b0:
            parts.append(DiffPart("insert", " ".join(b[b0:b1])))
    return parts
