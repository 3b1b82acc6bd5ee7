"""One file: checks (type, size), reading, decoding, then the loader for its extension."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from index.loaders.build import Origin
from index.loaders.decoding import BinaryFileError, decode_bytes
from index.loaders.html import parse_html
from index.loaders.jsonfile import parse_json, parse_jsonl
from index.loaders.normalize import normalize_text
from index.loaders.text import parse_text
from index.records import Article, IngestStatus, LoadProblem

logger = logging.getLogger(__name__)

Loaded = Article | LoadProblem
_Loader = Callable[[str, Path, str], Iterator[Loaded]]


def _text_loader(raw: str, path: Path, where: str) -> Iterator[Loaded]:
    yield parse_text(normalize_text(raw), Origin(path, where))


def _html_loader(raw: str, path: Path, where: str) -> Iterator[Loaded]:
    yield parse_html(raw, Origin(path, where))


LOADERS: dict[str, _Loader] = {
    ".txt": _text_loader,
    ".md": _text_loader,
    ".html": _html_loader,
    ".htm": _html_loader,
    ".json": parse_json,
    ".jsonl": parse_jsonl,
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(LOADERS)


def unsupported(path: Path, explicit: bool) -> LoadProblem:
    """Named explicitly: FAILED; met while walking a folder: SKIPPED."""
    kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
    if not explicit:
        return LoadProblem(str(path), f"unsupported file type {kind}", status=IngestStatus.SKIPPED)
    supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
    return LoadProblem(str(path), f"unsupported file type {kind} (supported: {supported})")


def load_file(path: Path, max_file_bytes: int, explicit: bool) -> Iterator[Loaded]:
    """Everything one file yields; never raises for bad input."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        yield unsupported(path, explicit)
        return
    raw = _read_text(path, max_file_bytes)
    if isinstance(raw, LoadProblem):
        yield raw
        return
    logger.debug("loading %s", path)
    yield from loader(raw, path, str(path))


def _read_text(path: Path, max_file_bytes: int) -> str | LoadProblem:
    where = str(path)
    try:
        if not path.is_file():
            return LoadProblem(where, "not a regular file")
        size = path.stat().st_size
        if size > max_file_bytes:
            return LoadProblem(where, f"file is {size} bytes, over the limit of {max_file_bytes}")
        data = path.read_bytes()
    except OSError as exc:
        return LoadProblem(where, f"cannot read file: {exc.strerror or exc}")
    try:
        text = decode_bytes(data, where)
    except BinaryFileError:
        return LoadProblem(where, "binary file")
    if not text.strip():
        return LoadProblem(where, "empty file", status=IngestStatus.SKIPPED)
    return text
