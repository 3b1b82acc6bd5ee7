"""Paths to files: folders walked recursively in sorted order, hidden entries skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from index.records import IngestStatus, LoadProblem


def walk(folder: Path) -> Iterator[Path | LoadProblem]:
    """Files under ``folder``, depth first, entries sorted by name; symlinked folders skipped."""
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as exc:
        yield LoadProblem(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.is_symlink():
                yield LoadProblem(
                    str(entry),
                    "symbolic link to a folder not followed",
                    status=IngestStatus.SKIPPED,
                )
            else:
                yield from walk(entry)
        elif entry.is_file():
            yield entry
        else:
            yield LoadProblem(str(entry), "not a regular file", status=IngestStatus.SKIPPED)
