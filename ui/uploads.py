"""Uploaded files and JSON bodies, staged for the loaders the CLI uses.

Each request gets a fresh private temporary directory; a file is written there under a generated
name (``upload-N`` plus its extension, when that extension is one the loaders read), never under
the client's path or name. Sizes are counted while copying, so an oversized upload stops at
``max_file_bytes`` + 1 bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from index.loaders import SUPPORTED_EXTENSIONS
from ui.errors import ApiError

CHUNK = 1 << 16
MAX_FILES = 100


@dataclass(frozen=True)
class Staged:
    path: Path  # where the loaders read it
    name: str  # the client's file name, cleaned, for messages only


@contextmanager
def staging() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="newsrag-upload-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def display_name(client_name: str | None) -> str:
    """The last component of the client's name, printable characters only (for messages)."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    clean = "".join(ch for ch in base if ch.isprintable())[:120]
    return clean or "upload"


def extension(client_name: str | None) -> str:
    suffix = Path(display_name(client_name)).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise ApiError(
            415,
            "unsupported_file_type",
            f"{display_name(client_name)}: unsupported file type {suffix or '(none)'} "
            f"(supported: {supported})",
        )
    return suffix


def stage_stream(
    folder: Path, number: int, client_name: str | None, source: BinaryIO, limit: int
) -> Staged:
    """Copy one upload into ``folder``; 413 once it exceeds ``limit`` bytes."""
    name = display_name(client_name)
    target = folder / f"upload-{number}{extension(client_name)}"
    written = 0
    with target.open("wb") as out:
        while block := source.read(CHUNK):
            written += len(block)
            if written > limit:
                raise too_large(name, limit)
            out.write(block)
    return Staged(target, name)


def stage_json(folder: Path, articles: list[dict[str, Any]], limit: int) -> Staged:
    data = json.dumps(articles, ensure_ascii=False).encode("utf-8")
    if len(data) > limit:
        raise too_large("request body", limit)
    target = folder / "upload-body.json"
    target.write_bytes(data)
    return Staged(target, "request body")


def too_large(name: str, limit: int) -> ApiError:
    return ApiError(
        413, "too_large", f"{name}: larger than the limit of {limit} bytes (NEWSRAG_MAX_FILE_BYTES)"
    )


def check_count(count: int) -> None:
    if count > MAX_FILES:
        raise ApiError(400, "too_many_files", f"at most {MAX_FILES} files per request")


def readable_problems(problems: list[str], staged: list[Staged]) -> list[str]:
    """Problems name the staged path; show the client's file name instead."""
    out = []
    for problem in problems:
        for s in staged:
            problem = problem.replace(str(s.path), s.name)
        out.append(problem)
    return out
