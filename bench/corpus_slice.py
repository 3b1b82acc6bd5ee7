"""The first N lines of a JSONL corpus, copied into a file a benchmark ingests."""

from __future__ import annotations

from pathlib import Path


def write_first_lines(corpus: Path, n: int, out: Path) -> list[str]:
    """Copy the first ``n`` lines of ``corpus`` into ``out``; returns them."""
    lines: list[str] = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == n:
                break
    out.write_text("".join(lines), encoding="utf-8")
    return lines
