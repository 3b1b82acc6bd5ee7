"""Metadata at the top of a plain-text or Markdown article.

- **YAML front matter**: the file opens with a ``---`` line, then ``key: value`` lines, then a
  closing ``---`` (or ``...``) line. Keys use the JSON loader's names and aliases (``title``,
  ``source``/``outlet``, ``published_at``/``date``, ``url``, ``authors``, ``section``, ``id``).
  A block that is not valid YAML, or not a mapping, is refused naming the file, the line and
  the field ``front matter``; nothing is indexed from that file.
- **Dateline**: when no date is given, a first line that opens with one ("ODESA, November 26,
  2024 — …", "Nov. 26, 2024 -", "26 November 2024 –") gives the publication date. The text is
  kept as written (offsets are never shifted by metadata).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from index.records import LoadProblem

_OPEN = "---"
_CLOSE = ("---", "...")
MAX_FRONT_MATTER_LINES = 60
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    rf"^(?:[A-Z][\w.'’ -]{{1,40}},\s+)?"
    rf"({_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})"
    r"\s*(?:\([^)]{1,40}\)\s*)?[—–-]"
)


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str] | LoadProblem:
    """The front matter's fields and the text after it (``{}`` and the text without one)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != _OPEN:
        return {}, text
    end = next(
        (i for i, line in enumerate(lines[1 : MAX_FRONT_MATTER_LINES + 1], 1) if line in _CLOSE),
        None,
    )
    if end is None:
        return {}, text  # a rule line opening the text, not front matter
    try:
        fields = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        return LoadProblem(f"{where}:{line}", f"front matter: {problem}", field="front matter")
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        kind = type(fields).__name__
        return LoadProblem(
            f"{where}:2", f"front matter must be key: value lines, got {kind}", "front matter"
        )
    return {str(k).lower(): v for k, v in fields.items()}, "\n".join(lines[end + 1 :]).strip()


def dateline_date(text: str) -> str | None:
    """The date of a dateline opening ``text`` as written ("November 26, 2024"), or None."""
    found = _DATELINE.match(text.lstrip()[:120])
    return found.group(1) if found else None
